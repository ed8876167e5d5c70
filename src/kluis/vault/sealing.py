"""How a record's values are sealed and opened, and the keyed digest of what a record holds.

Each value is sealed on its own with AES-256-GCM under the subject's data key, with a fresh
random nonce, bound to its record and field by the associated data (record id, ``|``, field
name). A record stores ``{field: base64(nonce || ciphertext || tag)}`` as JSON.

An import seals a million records, so the forms here avoid what costs without adding to
safety: one call to the operating system's random source gives a new key and all its nonces
(the bytes are independent whichever call they come from), and JSON is written from parts
encoded once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import uuid
from binascii import b2a_base64
from collections.abc import Mapping
from datetime import date
from typing import Final

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kluis.crypto import Cipher
from kluis.crypto.aead import KEY_BYTES, NONCE_BYTES

_quote: Final = json.encoder.encode_basestring_ascii


def associated(record_id: uuid.UUID, field_name: str) -> bytes:
    """The associated data binding a sealed value to its record and field."""
    return _bound(record_id.bytes, field_name)


def _bound(record_id: bytes, field_name: str) -> bytes:
    return record_id + b"|" + field_name.encode("utf-8")


def seal_values(cipher: Cipher, record_id: uuid.UUID, values: Mapping[str, str]) -> dict[str, str]:
    """Seal each value on its own, with a fresh nonce, bound to record and field."""
    return {
        name: base64.b64encode(
            cipher.seal(value.encode("utf-8"), associated(record_id, name))
        ).decode()
        for name, value in values.items()
    }


def open_values(cipher: Cipher, record_id: uuid.UUID, data: Mapping[str, str]) -> dict[str, str]:
    """The plaintext of a record's sealed values."""
    return {
        name: cipher.open(base64.b64decode(sealed), associated(record_id, name)).decode("utf-8")
        for name, sealed in data.items()
    }


def seal_fresh(record_id: bytes, values: Mapping[str, str]) -> tuple[bytes, str]:
    """A new data key, and ``values`` sealed under it for the record ``record_id`` (its 16
    bytes) as the JSON text a record stores."""
    random = os.urandom(KEY_BYTES + NONCE_BYTES * len(values))
    key = random[:KEY_BYTES]
    aead = AESGCM(key)
    parts = []
    start = KEY_BYTES
    for name, value in values.items():
        nonce = random[start : start + NONCE_BYTES]
        start += NONCE_BYTES
        sealed = nonce + aead.encrypt(nonce, value.encode("utf-8"), _bound(record_id, name))
        parts.append(f'{_quote(name)}: "{b2a_base64(sealed, newline=False).decode("ascii")}"')
    return key, "{" + ", ".join(parts) + "}"


def content_digest(
    key: bytes,
    activity: str,
    values: Mapping[str, str],
    events: Mapping[str, date | None],
    source: str | None,
) -> bytes:
    """A keyed digest of what a record holds, so that a write that changes nothing is seen
    without decrypting the record (and without a digest that reveals the values).

    The digest covers the JSON text ``json.dumps`` writes with ``sort_keys=True`` for
    ``{"activity", "events" (ISO dates, None left out), "source", "values"}``, written here
    from its parts."""
    event_items = ", ".join(
        f"{_quote(name)}: {_quote(events[name].isoformat())}"  # type: ignore[union-attr]
        for name in sorted(events)
        if events[name] is not None
    )
    value_items = ", ".join(f"{_quote(name)}: {_quote(values[name])}" for name in sorted(values))
    canonical = (
        f'{{"activity": {_quote(activity)}, "events": {{{event_items}}}, '
        f'"source": {"null" if source is None else _quote(source)}, "values": {{{value_items}}}}}'
    )
    return hmac.digest(key, canonical.encode("ascii"), hashlib.sha256)


__all__ = ["associated", "content_digest", "open_values", "seal_fresh", "seal_values"]
