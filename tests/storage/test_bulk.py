"""Bulk inserts store every kind of value exactly, in small batches (statements) and large
ones (COPY on PostgreSQL), in the data schema and in the key store."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from kluis.audit.models import AuditEntry
from kluis.storage.bulk import id_form, insert_rows, insert_tuples
from kluis.vault.models import Subject, SubjectKey

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TEXTS = ["plain", 'quote " and \\ backslash', "tab\there\nnew line\r", "déjà ✓ \U0001f600", ""]


def _entries(count: int) -> list[tuple[object, ...]]:
    return [
        (
            seq,
            NOW + timedelta(microseconds=seq),
            TEXTS[seq % len(TEXTS)] or "x",
            "record_read",
            uuid.uuid4() if seq % 3 else None,
            uuid.uuid4(),
            None if seq % 4 == 0 else "candidates",
            TEXTS[(seq + 1) % len(TEXTS)],
            {"fields": ["a", "b"], "n": seq, "text": TEXTS[seq % len(TEXTS)]} if seq % 2 else None,
            "0" * 64,
            f"{seq:064x}",
        )
        for seq in range(1, count + 1)
    ]


@pytest.mark.parametrize("count", [3, 450])
def test_rows_come_back_as_they_went_in(session: Session, count: int) -> None:
    columns = ("seq", "at", "actor", "action", "subject_id", "record_id", "activity")
    columns += ("reason", "detail", "prev_hash", "hash")
    rows = _entries(count)
    insert_tuples(session, cast(Table, AuditEntry.__table__), columns, rows)
    stored = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()
    assert [tuple(getattr(entry, name) for name in columns) for entry in stored] == rows


@pytest.mark.parametrize("count", [2, 300])
def test_ids_bound_once_and_keys_in_the_key_store(session: Session, count: int) -> None:
    to_db = id_form(session.get_bind().dialect)
    ids = [uuid.uuid4() for _ in range(count)]
    insert_tuples(
        session,
        cast(Table, Subject.__table__),
        ("id", "created_at"),
        [(to_db(sid), NOW) for sid in ids],
        raw=frozenset({"id"}),
    )
    insert_rows(
        session,
        cast(Table, SubjectKey.__table__),
        [
            {"subject_id": sid, "kek_id": "k1", "wrapped": bytes([n % 256]) * 60, "created_at": NOW}
            for n, sid in enumerate(ids)
        ],
    )
    assert set(session.execute(select(Subject.id)).scalars()) == set(ids)
    keys = session.execute(select(SubjectKey.subject_id, SubjectKey.wrapped)).all()
    assert dict(keys) == {sid: bytes([n % 256]) * 60 for n, sid in enumerate(ids)}
