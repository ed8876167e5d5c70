"""The audit log: append-only, hash-chained, in the database; a sink that imports no other
feature. Every read and change in the vault writes an entry, never personal data."""

from kluis.audit.listing import Entry, EntryPage, list_entries, require_auditor
from kluis.audit.service import (
    GENESIS,
    Append,
    Event,
    Verification,
    append_batch,
    deferred_appends,
    entry_hash,
    export,
    record_event,
    record_events,
    verify,
)

__all__ = [
    "GENESIS",
    "Append",
    "Entry",
    "EntryPage",
    "Event",
    "Verification",
    "append_batch",
    "deferred_appends",
    "entry_hash",
    "export",
    "list_entries",
    "record_event",
    "record_events",
    "require_auditor",
    "verify",
]
