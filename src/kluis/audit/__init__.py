"""The audit log: append-only, hash-chained, in the database; a sink that imports no other
feature. Every read and change in the vault writes an entry, never personal data."""

from kluis.audit.service import (
    GENESIS,
    Event,
    Verification,
    entry_hash,
    export,
    record_event,
    record_events,
    verify,
)

__all__ = [
    "GENESIS",
    "Event",
    "Verification",
    "entry_hash",
    "export",
    "record_event",
    "record_events",
    "verify",
]
