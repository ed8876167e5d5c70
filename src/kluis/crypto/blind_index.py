"""Keyed blind indexes: HMAC-SHA-256 of a normalised value, one key per kind of identifier.

Unlike a plain or salted hash (Databunker's SHA-256 of a secret-derived salt and the value),
an HMAC key derived per kind means an index of e-mail addresses cannot be compared with one
of phone numbers, and nobody without the index secret can test a guessed value.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class BlindIndexer:
    """Computes blind indexes from one index secret."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._keys: dict[str, bytes] = {}

    def key(self, kind: str) -> bytes:
        """The HMAC key of ``kind``, derived with HKDF-SHA-256."""
        found = self._keys.get(kind)
        if found is None:
            found = HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=None,
                info=b"kluis-index:" + kind.encode(),
            ).derive(self._secret)
            self._keys[kind] = found
        return found

    def digest(self, kind: str, normalised: str) -> bytes:
        """The 32-byte index of ``normalised``, a value already in its canonical form."""
        return hmac.digest(self.key(kind), normalised.encode("utf-8"), hashlib.sha256)
