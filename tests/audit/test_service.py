"""The audit log: appended in order, hash-chained, every alteration or removal found and
named; exported whole; never holding personal data."""

from __future__ import annotations

import hashlib
import itertools
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from kluis.audit import (
    GENESIS,
    Append,
    Event,
    append_batch,
    deferred_appends,
    entry_hash,
    export,
    record_event,
    record_events,
    verify,
)
from kluis.audit.models import AuditEntry, AuditHead
from kluis.core.actor import Actor
from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider
from kluis.register.versions import StoredRegister
from kluis.vault import (
    Keyring,
    RecordInput,
    ValueKind,
    erase_subject,
    find_subjects,
    show_subject,
    store_record,
    write_records,
)
from tests.conftest import DPO_ACTOR, NOW, PAYROLL, RECRUITER

ACTOR = Actor("ada", frozenset({"admin"}))
SUBJECT = uuid.UUID("00000000-0000-4000-8000-000000000001")


def _log(session: Session, count: int) -> None:
    events = [
        Event(
            "record_read",
            subject_id=SUBJECT,
            record_id=uuid.uuid4(),
            activity="candidates",
            reason=f"check {n}" if n % 2 else None,
            detail={"n": n, "fields": ["email", "name"]},
        )
        for n in range(1, count + 1)
    ]
    for offset, event in enumerate(events):
        record_event(session, ACTOR, event, at=NOW + timedelta(seconds=offset))


def test_an_untouched_chain_is_intact(session: Session) -> None:
    _log(session, 7)
    result = verify(session)
    assert result.intact
    assert (result.entries, result.first_bad, result.problem) == (7, None, None)
    head = session.get(AuditHead, 1)
    assert head is not None
    assert (head.seq, head.hash) == (7, result.head_hash)


def test_an_empty_log_is_intact(session: Session) -> None:
    result = verify(session)
    assert result.intact
    assert (result.entries, result.head_hash) == (0, GENESIS)


def test_entries_are_chained_in_order(session: Session) -> None:
    _log(session, 3)
    last = record_events(session, ACTOR, [Event("a"), Event("b")], at=NOW)
    assert last == 5
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()
    assert [row.seq for row in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.hash
    assert len({row.hash for row in rows}) == 5
    assert record_events(session, ACTOR, [], at=NOW) == 5  # nothing to log, nothing changes


def test_deferred_entries_are_collected_not_written(session: Session) -> None:
    """Within ``deferred_appends`` nothing reaches the log: the entries wait in the list,
    with their actor and moment (in UTC), for whoever appends them."""
    _log(session, 2)
    brussels = timezone(timedelta(hours=1))
    with deferred_appends(session) as appends:
        assert record_events(session, ACTOR, [Event("a"), Event("b")], at=NOW) == 0
        record_event(
            session, RECRUITER, Event("c", subject_id=SUBJECT), at=NOW.astimezone(brussels)
        )
        record_events(session, ACTOR, [], at=NOW)  # nothing to log: nothing collected
    assert session.execute(select(func.count()).select_from(AuditEntry)).scalar() == 2
    assert [(a.actor, [e.action for e in a.events], a.at) for a in appends] == [
        ("ada", ["a", "b"], NOW),
        (RECRUITER.name, ["c"], NOW),
    ]
    assert appends[1].at.tzinfo == UTC
    # Outside the block the session appends again.
    assert record_event(session, ACTOR, Event("d"), at=NOW) == 3


def test_a_batch_of_appends_extends_the_chain_in_order(session: Session) -> None:
    """The entries of several actors and moments, appended under one lock of the head, are
    chained as if each had been appended alone, and verify."""
    _log(session, 2)
    later = NOW + timedelta(seconds=5)
    last = append_batch(
        session,
        [
            Append("ada", (Event("a"), Event("b", subject_id=SUBJECT)), NOW),
            Append("rik", (Event("c", reason="R-12"),), later),
        ],
    )
    assert last == 5
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()
    assert [(row.seq, row.actor, row.action) for row in rows[2:]] == [
        (3, "ada", "a"),
        (4, "ada", "b"),
        (5, "rik", "c"),
    ]
    assert rows[4].hash == entry_hash(rows[3].hash, 5, later, "rik", Event("c", reason="R-12"))
    assert verify(session).intact
    head = session.get(AuditHead, 1)
    assert head is not None and (head.seq, head.hash) == (5, rows[4].hash)
    with pytest.raises(ValueError, match="timezone-aware"):
        append_batch(session, [Append("ada", (Event("e"),), NOW.replace(tzinfo=None))])


def _reference_form(seq: int, at: datetime, actor: str, event: Event) -> bytes:
    """The canonical form as the chain defines it, written the plain way."""
    document = {
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor,
        "action": event.action,
        "subject": str(event.subject_id) if event.subject_id else None,
        "record": str(event.record_id) if event.record_id else None,
        "activity": event.activity,
        "reason": event.reason,
        "detail": dict(event.detail) if event.detail else None,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize(
    "event",
    [
        Event("record_read", SUBJECT, SUBJECT, "candidates", "why", {"n": 1}),
        Event("record_create"),
        Event("x", None, SUBJECT, None, 'a "quoted"\\ reason\n, déjà vu ✓', {}),
        Event(
            "record_update",
            SUBJECT,
            None,
            "act",
            None,
            {"fields": ["b", "a"], "z": {"y": 1, "x": None}},
        ),
        Event("user_add", detail={"name": "Zoë \u2028 \x01", "roles": ["dpo"]}),
    ],
)
def test_entries_keep_the_canonical_form_their_hashes_cover(event: Event) -> None:
    at = datetime(2026, 11, 22, 12, 0, 0, 1234, tzinfo=UTC)
    expected = hashlib.sha256(GENESIS.encode() + _reference_form(7, at, "Åda", event)).hexdigest()
    assert entry_hash(GENESIS, 7, at, "Åda", event) == expected


def test_the_hash_covers_every_field() -> None:
    event = Event("record_read", SUBJECT, SUBJECT, "candidates", "why", {"n": 1})
    base = entry_hash(GENESIS, 1, NOW, "ada", event)
    variants = [
        entry_hash("1" * 64, 1, NOW, "ada", event),
        entry_hash(GENESIS, 2, NOW, "ada", event),
        entry_hash(GENESIS, 1, NOW + timedelta(microseconds=1), "ada", event),
        entry_hash(GENESIS, 1, NOW, "adb", event),
        entry_hash(
            GENESIS,
            1,
            NOW,
            "ada",
            Event("record_erase", SUBJECT, SUBJECT, "candidates", "why", {"n": 1}),
        ),
        entry_hash(
            GENESIS,
            1,
            NOW,
            "ada",
            Event("record_read", None, SUBJECT, "candidates", "why", {"n": 1}),
        ),
        entry_hash(
            GENESIS,
            1,
            NOW,
            "ada",
            Event("record_read", SUBJECT, None, "candidates", "why", {"n": 1}),
        ),
        entry_hash(
            GENESIS,
            1,
            NOW,
            "ada",
            Event("record_read", SUBJECT, SUBJECT, "payroll", "why", {"n": 1}),
        ),
        entry_hash(
            GENESIS,
            1,
            NOW,
            "ada",
            Event("record_read", SUBJECT, SUBJECT, "candidates", "how", {"n": 1}),
        ),
        entry_hash(
            GENESIS,
            1,
            NOW,
            "ada",
            Event("record_read", SUBJECT, SUBJECT, "candidates", "why", {"n": 2}),
        ),
    ]
    assert base not in variants
    assert len(set(variants)) == len(variants)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("detail", {"n": 4, "fields": ["email"]}),
        ("actor", "mallory"),
        ("at", NOW - timedelta(days=1)),
        ("action", "record_update"),
        ("reason", "nothing to see"),
        ("subject_id", None),
        ("record_id", uuid.uuid4()),
        ("activity", "payroll"),
        ("hash", "f" * 64),
        ("prev_hash", "e" * 64),
    ],
)
def test_an_altered_entry_is_found_and_named(session: Session, column: str, value: object) -> None:
    _log(session, 8)
    session.execute(update(AuditEntry).where(AuditEntry.seq == 4).values({column: value}))
    result = verify(session)
    assert not result.intact
    assert (result.first_bad, result.problem) == (4, "altered")
    assert result.entries == 3  # the entries before it are proven


def test_the_first_of_several_alterations_is_named(session: Session) -> None:
    _log(session, 8)
    for seq in (6, 3):
        session.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(actor="mallory"))
    assert (verify(session).first_bad, verify(session).problem) == (3, "altered")


@pytest.mark.parametrize("removed", [1, 4, 7])
def test_a_removed_entry_is_found_and_named(session: Session, removed: int) -> None:
    _log(session, 8)
    session.execute(delete(AuditEntry).where(AuditEntry.seq == removed))
    result = verify(session)
    assert (result.first_bad, result.problem) == (removed, "missing")


def test_removing_the_newest_entries_is_found_by_the_head(session: Session) -> None:
    _log(session, 8)
    session.execute(delete(AuditEntry).where(AuditEntry.seq >= 7))
    result = verify(session)
    assert (result.first_bad, result.problem) == (7, "missing")
    assert result.entries == 6


def test_removing_every_entry_is_found_by_the_head(session: Session) -> None:
    _log(session, 3)
    session.execute(delete(AuditEntry))
    assert (verify(session).first_bad, verify(session).problem) == (1, "missing")


def test_a_rewritten_chain_that_skips_the_head_is_found(session: Session) -> None:
    """Whoever recomputes every hash after a change must also rewrite the head."""
    _log(session, 5)
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars().all()
    previous = GENESIS
    for row in rows:
        actor = "mallory" if row.seq == 2 else row.actor
        event = Event(
            row.action, row.subject_id, row.record_id, row.activity, row.reason, row.detail
        )
        digest = entry_hash(previous, row.seq, row.at, actor, event)
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.seq == row.seq)
            .values(actor=actor, prev_hash=previous, hash=digest)
        )
        previous = digest
    session.expire_all()
    result = verify(session)
    assert (result.first_bad, result.problem) == (5, "altered")


def test_a_removed_head_with_entries_left_is_found(session: Session) -> None:
    """The newest entries and the head removed together must not pass for an intact log."""
    _log(session, 5)
    session.execute(delete(AuditEntry).where(AuditEntry.seq == 5))
    session.execute(delete(AuditHead))
    result = verify(session)
    assert not result.intact
    assert result.first_bad == 5
    assert result.problem == "head"


def test_entries_added_behind_the_head_are_found(session: Session) -> None:
    _log(session, 4)
    forged = session.execute(select(AuditEntry).where(AuditEntry.seq == 4)).scalar_one()
    event = Event("record_read", activity="payroll")
    session.execute(
        AuditEntry.__table__.insert().values(
            seq=5,
            at=NOW,
            actor="mallory",
            action="record_read",
            activity="payroll",
            prev_hash=forged.hash,
            hash=entry_hash(forged.hash, 5, NOW, "mallory", event),
        )
    )
    result = verify(session)
    assert (result.first_bad, result.problem) == (5, "altered")


def test_verification_pages_through_long_logs(session: Session) -> None:
    _log(session, 11)
    assert verify(session, batch=3).entries == 11
    session.execute(delete(AuditEntry).where(AuditEntry.seq == 10))
    assert verify(session, batch=3).first_bad == 10


def test_moments_in_another_zone_verify(session: Session) -> None:
    """The chain is hashed over the moment as stored (UTC), whatever zone the caller used."""
    brussels = timezone(timedelta(hours=1), "CET")
    record_event(session, ACTOR, Event("user_add"), at=datetime(2026, 1, 5, 9, 30, tzinfo=brussels))
    record_event(session, ACTOR, Event("user_add"), at=NOW)
    session.expire_all()
    assert verify(session).intact
    stored = session.execute(select(AuditEntry.at).where(AuditEntry.seq == 1)).scalar_one()
    assert stored == datetime(2026, 1, 5, 8, 30, tzinfo=UTC)


def test_export_yields_every_entry_in_order(session: Session) -> None:
    _log(session, 7)
    exported = list(export(session, batch=2))
    assert [entry["seq"] for entry in exported] == list(range(1, 8))
    first = exported[0]
    assert set(first) == {
        "seq", "at", "actor", "action", "subject", "record", "activity", "reason", "detail",
        "prev_hash", "hash",
    }  # fmt: skip
    assert first["actor"] == "ada"
    assert first["subject"] == str(SUBJECT)
    assert first["detail"] == {"n": 1, "fields": ["email", "name"]}
    assert first["prev_hash"] == GENESIS
    assert exported[-1]["hash"] == verify(session).head_hash
    json.dumps(exported)  # plain data, ready for JSON Lines


EMAIL = "lotte.vermeulen.9321@example.be"
NAME = "Lotte Vermeulen-Uniek"
PHONE = "0470 93 21 77"
IBAN = "BE71 0961 2345 6769"


def test_no_personal_data_reaches_the_audit_log(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    ring = Keyring(keys)
    written = store_record(
        session,
        ring,
        RECRUITER,
        "candidates",
        RecordInput(
            {"email": EMAIL, "name": NAME, "phone": PHONE}, {"selection_end": "2026-10-15"}
        ),
        at=clock.now(),
        reason="application received",
    )
    write_records(
        session,
        ring,
        PAYROLL,
        "payroll",
        [RecordInput({"email": EMAIL.upper(), "iban": IBAN, "name": NAME})],
        at=clock.now(),
    )
    store_record(
        session,
        ring,
        RECRUITER,
        "candidates",
        RecordInput({"email": EMAIL, "name": NAME + " Jr"}),
        at=clock.now(),
    )
    for kind, value in ((ValueKind.email, EMAIL), (ValueKind.phone, PHONE)):
        assert find_subjects(session, ring, RECRUITER, kind=kind, value=value, at=clock.now())
    show_subject(session, ring, DPO_ACTOR, written.subject_id, at=clock.now(), reason="request")
    erase_subject(
        session, ring, DPO_ACTOR, written.subject_id, reason="erasure request", at=clock.now()
    )
    rows = session.execute(select(AuditEntry)).scalars().all()
    actions = {row.action for row in rows}
    assert {
        "record_create",
        "record_update",
        "subject_find",
        "record_read",
        "subject_erase",
    } <= actions
    dumped = "\n".join(
        json.dumps(
            {column.name: str(getattr(row, column.key)) for column in AuditEntry.__table__.columns}
        )
        + json.dumps(row.detail, ensure_ascii=False)
        for row in rows
    ).casefold()
    for value in (
        EMAIL,
        NAME,
        "Vermeulen",
        "lotte",
        "+32470932177",
        "470932177",
        "0961 2345",
        "BE71096123456769",
    ):
        assert value.casefold() not in dumped, value
    assert verify(session).intact
