"""Backups of the database and the key store, kept apart, and their restore.

Public surface: :func:`make_backup`, :func:`prune_key_copies`, :func:`plan_restore` and
:func:`restore`, the audit helpers, and the errors.
"""

from kluis.backup.errors import BackupInvalid, BackupNotFound, RestoreRefused
from kluis.backup.manifest import Manifest
from kluis.backup.service import (
    BackupResult,
    RestorePlan,
    RestoreResult,
    backup_names,
    find_manifest,
    make_backup,
    plan_restore,
    prune_key_copies,
    record_backup,
    record_prune,
    restore,
)

__all__ = [
    "BackupInvalid",
    "BackupNotFound",
    "BackupResult",
    "Manifest",
    "RestorePlan",
    "RestoreRefused",
    "RestoreResult",
    "backup_names",
    "find_manifest",
    "make_backup",
    "plan_restore",
    "prune_key_copies",
    "record_backup",
    "record_prune",
    "restore",
]
