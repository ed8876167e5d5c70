"""AES-256-GCM with a fresh random nonce per value and associated data binding each value to
where it belongs (record and field), so a ciphertext moved elsewhere fails to open."""

from __future__ import annotations

import os
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kluis.crypto.errors import CannotDecrypt

NONCE_BYTES: Final = 12
KEY_BYTES: Final = 32


def new_data_key() -> bytes:
    """A new random 256-bit key."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


class Cipher:
    """Seals and opens values under one key; build it once per key and reuse it."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("AES-256-GCM needs a 32-byte key")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, associated: bytes) -> bytes:
        """``nonce || ciphertext || tag`` of ``plaintext``, bound to ``associated``."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, associated)

    def open(self, sealed: bytes, associated: bytes) -> bytes:
        """The plaintext of ``sealed``; :class:`CannotDecrypt` if key or binding is wrong."""
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated)
        except (InvalidTag, ValueError):
            raise CannotDecrypt(
                "a value could not be decrypted: wrong key or altered bytes"
            ) from None
