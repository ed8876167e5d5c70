"""Ciphers and key handling for the vault; imports only ``kluis.core``.

Envelope encryption: each data subject has a data key (AES-256-GCM, a fresh random 96-bit
nonce per value), wrapped by a key-encryption key (KEK) from a :class:`KeyProvider` that lives
outside the database. Lookups use keyed HMAC-SHA-256 blind indexes, one key per kind of
identifier, derived from a secret of their own so that rotating the KEK leaves them valid.
"""

from kluis.crypto.aead import NONCE_BYTES, Cipher, new_data_key
from kluis.crypto.blind_index import BlindIndexer
from kluis.crypto.errors import CannotDecrypt, KeyFileExists, KeyFileInvalid, UnknownKek
from kluis.crypto.keys import (
    KeyMaterial,
    KeyProvider,
    LocalKeyProvider,
    generate_key_material,
    read_key_file,
    rotate_key_material,
    write_key_file,
)

__all__ = [
    "NONCE_BYTES",
    "BlindIndexer",
    "CannotDecrypt",
    "Cipher",
    "KeyFileExists",
    "KeyFileInvalid",
    "KeyMaterial",
    "KeyProvider",
    "LocalKeyProvider",
    "UnknownKek",
    "generate_key_material",
    "new_data_key",
    "read_key_file",
    "rotate_key_material",
    "write_key_file",
]
