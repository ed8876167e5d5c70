"""Errors of backup and restore. Messages name files and tables, never a value."""

from __future__ import annotations

from kluis.core.errors import Conflict, InvalidInput, NotFound


class BackupInvalid(InvalidInput):
    """A backup whose manifest or files do not match: altered, truncated or incomplete."""

    code = "backup_invalid"


class BackupNotFound(NotFound):
    """No backup by that name, or no copy of the key store to restore from."""

    code = "backup_not_found"


class RestoreRefused(Conflict):
    """A backup that cannot go into this database (another engine, another revision, or
    data keys wrapped by a key-encryption key the key file no longer holds)."""

    code = "restore_refused"
