"""Errors of key handling. Their messages name files and key ids, never key bytes."""

from __future__ import annotations

from kluis.core.errors import Conflict, InvalidInput, KluisError, NotFound


class KeyFileInvalid(InvalidInput):
    """The key file cannot be read, is malformed, or may be read by others."""

    code = "key_file_invalid"


class KeyFileExists(Conflict):
    """A key file exists already and is never overwritten."""

    code = "key_file_exists"


class UnknownKek(NotFound):
    """A data key is wrapped by a key-encryption key the provider does not hold."""

    code = "unknown_kek"


class CannotDecrypt(KluisError):
    """A value or a data key failed authentication: wrong key, or altered bytes."""

    code = "cannot_decrypt"
