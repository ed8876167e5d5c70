"""The register of requests on a real vault: intake finds the person by blind index and
keeps no identifier in the clear; deadlines, extension, identity and closing, audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kluis.audit.models import AuditEntry
from kluis.core.clock import FixedClock
from kluis.core.errors import Conflict, InvalidInput, NotAllowed
from kluis.crypto import LocalKeyProvider
from kluis.register.loader import load_register
from kluis.register.versions import StoredRegister, save_version
from kluis.subject_requests import (
    Channel,
    IdentityMethod,
    IdentityOutcome,
    Kind,
    Outcome,
    RequestView,
    close_request,
    count_overdue,
    extend_request,
    file_request,
    find_requests,
    list_requests,
    record_identity,
)
from kluis.subject_requests.models import SubjectRequest
from kluis.vault import Keyring, RecordInput, ValueKind, store_record
from tests.conftest import DPO_ACTOR, RECRUITER, VAULT_REGISTER

EMAIL = "vraag@example.be"
RECEIVED = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def ring(session: Session, policy: StoredRegister, keys: LocalKeyProvider) -> Keyring:
    return Keyring(keys)


def _file(session: Session, ring: Keyring, clock: FixedClock, **changes: object) -> RequestView:
    arguments: dict[str, object] = {
        "kind": Kind.access,
        "channel": Channel.email,
        "language": "nl",
        "identifiers": {ValueKind.email: EMAIL},
        "received_at": RECEIVED,
        "reference": "mailbox thread 14",
        "at": clock.now(),
    }
    arguments.update(changes)
    return file_request(session, ring, DPO_ACTOR, **arguments)  # type: ignore[arg-type]


def test_intake_finds_the_person_and_keeps_no_identifier(
    session: Session, ring: Keyring, clock: FixedClock
) -> None:
    written = store_record(
        session, ring, RECRUITER, "candidates",
        RecordInput({"name": "Vera Vraag", "email": EMAIL}), at=clock.now(),
    )  # fmt: skip
    request = _file(session, ring, clock)
    assert request.subject_id == written.subject_id
    assert (request.due, request.days_left) == (RECEIVED.date().replace(month=12), 11)
    stored = session.get(SubjectRequest, request.id)
    assert stored is not None and EMAIL not in str(stored.identifiers)
    assert stored.identifiers[0][0] == "email"
    unknown = _file(session, ring, clock, identifiers={ValueKind.email: "niemand@example.be"})
    assert unknown.subject_id is None  # the answer: we hold nothing about you
    entries = session.execute(select(AuditEntry.action).where(AuditEntry.action == "request_file"))
    assert len(entries.all()) == 2


def test_the_list_shows_days_left_and_what_is_overdue(
    session: Session, ring: Keyring, clock: FixedClock
) -> None:
    late = _file(session, ring, clock, received_at=RECEIVED - timedelta(days=40))
    soon = _file(session, ring, clock)
    listed = list_requests(session, DPO_ACTOR, today=clock.now().date())
    assert [view.id for view in listed] == [late.id, soon.id]
    assert listed[0].overdue and not listed[1].overdue
    close_request(session, DPO_ACTOR, late.id, outcome=Outcome.answered, at=clock.now())
    assert [view.id for view in list_requests(session, DPO_ACTOR, today=clock.now().date())] == [
        soon.id
    ]
    everything = list_requests(session, DPO_ACTOR, today=clock.now().date(), closed=True)
    assert [(view.id, view.status, view.days_left) for view in everything] == [
        (soon.id, "open", 11),
        (late.id, "answered", None),
    ]


def test_requests_are_filtered_ordered_and_paged_by_the_database(
    session: Session, ring: Keyring, clock: FixedClock
) -> None:
    """Open ones first by the nearest deadline (an extension counts), then closed ones by
    theirs; filters by state, kind and person; each page with the total of all that match."""
    today = clock.now().date()
    person = store_record(
        session, ring, RECRUITER, "candidates",
        RecordInput({"name": "Vera Vraag", "email": EMAIL}), at=clock.now(),
    ).subject_id  # fmt: skip
    day = timedelta(days=1)
    late = _file(session, ring, clock, received_at=RECEIVED - 40 * day)
    soon = _file(session, ring, clock, kind=Kind.erasure)
    extended = _file(session, ring, clock, received_at=RECEIVED - 2 * day)
    extend_request(session, DPO_ACTOR, extended.id, reason="many requests at once", at=clock.now())
    middle = _file(session, ring, clock, received_at=RECEIVED - 5 * day)
    answered = _file(session, ring, clock, received_at=RECEIVED - 60 * day)
    refused = _file(
        session, ring, clock, received_at=RECEIVED - 50 * day,
        identifiers={ValueKind.email: "niemand@example.be"},
    )  # fmt: skip
    close_request(session, DPO_ACTOR, answered.id, outcome=Outcome.answered, at=clock.now())
    close_request(
        session, DPO_ACTOR, refused.id, outcome=Outcome.refused, note="not found", at=clock.now()
    )

    def ids(**filters: object) -> tuple[list[int], int]:
        found, total = find_requests(session, DPO_ACTOR, today=today, **filters)  # type: ignore[arg-type]
        return [view.id for view in found], total

    open_order = [late.id, middle.id, soon.id, extended.id]
    assert ids() == (open_order, 4)
    assert ids(limit=2) == (open_order[:2], 4)
    assert ids(limit=2, offset=2) == (open_order[2:], 4)
    assert ids(limit=2, offset=4) == ([], 4)
    assert ids(status=None) == ([*open_order, answered.id, refused.id], 6)
    assert ids(status="closed") == ([answered.id, refused.id], 2)
    assert ids(status="refused") == ([refused.id], 1)
    assert ids(kind="erasure") == ([soon.id], 1)
    assert ids(status=None, subject_id=person, limit=3) == (open_order[:3], 5)
    assert count_overdue(session, DPO_ACTOR, today=today) == 1
    assert count_overdue(session, DPO_ACTOR, today=today + 40 * day) == 3
    with pytest.raises(NotAllowed):
        find_requests(session, RECRUITER, today=today)
    with pytest.raises(NotAllowed):
        count_overdue(session, RECRUITER, today=today)


def test_an_extension_within_the_first_month_with_reasons(
    session: Session, ring: Keyring, clock: FixedClock
) -> None:
    request = _file(session, ring, clock)
    with pytest.raises(InvalidInput):
        extend_request(session, DPO_ACTOR, request.id, reason=" ", at=clock.now())
    extended = extend_request(
        session, DPO_ACTOR, request.id, reason="Many records in four systems", at=clock.now()
    )
    assert (extended.due, extended.extended) == (RECEIVED.date().replace(year=2027, month=2), True)
    with pytest.raises(Conflict):
        extend_request(session, DPO_ACTOR, request.id, reason="again", at=clock.now())
    old = _file(session, ring, clock, received_at=RECEIVED - timedelta(days=40))
    with pytest.raises(Conflict):
        extend_request(session, DPO_ACTOR, old.id, reason="too late", at=clock.now())


def test_identity_and_closing(session: Session, ring: Keyring, clock: FixedClock) -> None:
    request = _file(session, ring, clock)
    checked = record_identity(
        session,
        DPO_ACTOR,
        request.id,
        method=IdentityMethod.known_channel,
        outcome=IdentityOutcome.confirmed,
        at=clock.now(),
    )
    assert (checked.identity_method, checked.identity_outcome) == ("known_channel", "confirmed")
    with pytest.raises(InvalidInput):
        close_request(session, DPO_ACTOR, request.id, outcome=Outcome.refused, at=clock.now())
    closed = close_request(
        session,
        DPO_ACTOR,
        request.id,
        outcome=Outcome.refused,
        note="Manifestly unfounded: the fifth identical request this month",
        at=clock.now(),
    )
    assert closed.status == "refused" and closed.days_left is None
    with pytest.raises(Conflict):
        close_request(session, DPO_ACTOR, request.id, outcome=Outcome.answered, at=clock.now())


def test_what_intake_refuses(session: Session, ring: Keyring, clock: FixedClock) -> None:
    with pytest.raises(InvalidInput):
        _file(session, ring, clock, language="de")
    with pytest.raises(InvalidInput):
        _file(session, ring, clock, received_at=clock.now() + timedelta(hours=1))
    with pytest.raises(NotAllowed):
        file_request(
            session, ring, RECRUITER, kind=Kind.access, channel=Channel.email, language="nl",
            identifiers={}, at=clock.now(),
        )  # fmt: skip


def test_the_register_s_promise_sets_a_shorter_deadline(
    session: Session, ring: Keyring, clock: FixedClock, tmp_path: Path
) -> None:
    text = VAULT_REGISTER.read_text(encoding="utf-8").replace(
        "rights_requests: {email: privacy@example.be}",
        "rights_requests: {email: privacy@example.be, answer_within: P14D}",
    )
    assert "answer_within" in text
    path = tmp_path / "register.yaml"
    path.write_text(text, encoding="utf-8")
    save_version(
        session, load_register(path).register, author="t", origin="r", changes=[], at=clock.now()
    )
    request = _file(session, ring, clock)
    assert request.due == date(2026, 11, 17)  # received 3 November, answered within 14 days
    # The promise holds for a complex request too: there is no time to extend into.
    with pytest.raises(Conflict, match="promises an answer within P14D"):
        extend_request(session, DPO_ACTOR, request.id, reason="complex", at=clock.now())
