"""Objecting to direct marketing stops it at once: identifiers suppressed (keyed hashes,
kept after erasure), consent withdrawn, marketing records erased, other records kept; and
the person can never be added to direct marketing again."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kluis.audit import verify
from kluis.consent import (
    Channel,
    State,
    consent_standing,
    object_to_marketing,
    record_consent,
    shred_before_objection,
)
from kluis.core.clock import FixedClock
from kluis.core.errors import InvalidInput, NotAllowed
from kluis.crypto import LocalKeyProvider
from kluis.register.versions import StoredRegister
from kluis.vault import (
    Keyring,
    RecordInput,
    Refusal,
    erase_subject,
    shred_subject,
    store_record,
    write_records,
)
from kluis.vault.models import Record, SubjectKey, Suppression
from tests.conftest import DPO_ACTOR, LEDGER, MARKETING, PAYROLL, RECRUITER, consent_for

EMAIL = "bezwaar@example.be"


@pytest.fixture
def person(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> dict[str, object]:
    """Someone on the newsletter (with consent) who is also a candidate."""
    ring = Keyring(keys)
    newsletter = store_record(
        session,
        ring,
        MARKETING,
        "newsletter",
        RecordInput({"email": EMAIL}, consent=consent_for("newsletter")),
        at=clock.now(),
        consent=LEDGER,
    )
    candidate = store_record(
        session,
        ring,
        RECRUITER,
        "candidates",
        RecordInput({"name": "Bea Bezwaar", "email": EMAIL}),
        at=clock.now(),
        consent=LEDGER,
    )
    assert newsletter.subject_id == candidate.subject_id
    record_consent(
        session, MARKETING, newsletter.subject_id, "newsletter", action="given",
        channel=Channel.web_form, language="nl", at=clock.now(),
    )  # fmt: skip
    return {"subject": newsletter.subject_id, "newsletter": newsletter, "candidate": candidate}


def test_an_objection_stops_direct_marketing_at_once(
    session: Session, person: dict[str, object], keys: LocalKeyProvider, clock: FixedClock
) -> None:
    subject = person["subject"]
    assert (
        shred_before_objection(
            session,
            Keyring(keys),
            MARKETING,
            subject,
            reason="objection",  # type: ignore[arg-type]
        )
        == 0
    )  # the person keeps a record elsewhere: no key goes
    done = object_to_marketing(
        session, Keyring(keys), MARKETING, subject,  # type: ignore[arg-type]
        reason="objection", channel=Channel.email, language="nl", at=clock.now(),
    )  # fmt: skip
    # One identifier (the e-mail address, the same in both activities), keyed.
    assert (done.suppressed, done.withdrawn, done.erased) == (1, ["newsletter"], 1)
    activities = session.execute(
        select(Record.activity).where(Record.subject_id == subject)
    ).scalars()
    assert list(activities) == ["candidates"]
    (now,) = consent_standing(session, DPO_ACTOR, subject, on=clock.now().date())  # type: ignore[arg-type]
    assert now.state is State.withdrawn
    assert verify(session).intact
    # Never again in direct marketing, whoever adds them and however.
    again = write_records(
        session, Keyring(keys), MARKETING, "newsletter", [RecordInput({"email": EMAIL.upper()}, consent=consent_for("newsletter"))],
        at=clock.now(), consent=LEDGER,
    )  # fmt: skip
    assert isinstance(again[0], Refusal)
    assert "objected to direct marketing" in again[0].error.message
    # Other activities still take them.
    ok = write_records(
        session, Keyring(keys), RECRUITER, "candidates",
        [RecordInput({"name": "Bea B.", "email": EMAIL})], at=clock.now(), consent=LEDGER,
    )  # fmt: skip
    assert not isinstance(ok[0], Refusal)


def test_the_suppression_outlives_erasure(
    session: Session, person: dict[str, object], keys: LocalKeyProvider, clock: FixedClock
) -> None:
    subject = person["subject"]
    object_to_marketing(
        session, Keyring(keys), DPO_ACTOR, subject,  # type: ignore[arg-type]
        reason="unsubscribe", channel=Channel.phone, language="nl", at=clock.now(),
    )  # fmt: skip
    shred_subject(session, Keyring(keys), DPO_ACTOR, subject, reason="request 7")  # type: ignore[arg-type]
    erase_subject(session, Keyring(keys), DPO_ACTOR, subject, reason="request 7", at=clock.now())  # type: ignore[arg-type]
    assert session.get(SubjectKey, subject) is None
    rows = session.execute(select(Suppression.kind, Suppression.reason)).all()
    assert rows == [("email", "unsubscribe")]
    assert EMAIL.encode() not in b"".join(
        digest for digest in session.execute(select(Suppression.digest)).scalars()
    )
    refused = write_records(
        session, Keyring(keys), MARKETING, "newsletter", [RecordInput({"email": EMAIL}, consent=consent_for("newsletter"))],
        at=clock.now(), consent=LEDGER,
    )  # fmt: skip
    assert isinstance(refused[0], Refusal)


def test_who_may_object_for_someone(
    session: Session, person: dict[str, object], keys: LocalKeyProvider, clock: FixedClock
) -> None:
    with pytest.raises(NotAllowed):
        object_to_marketing(
            session, Keyring(keys), PAYROLL, person["subject"],  # type: ignore[arg-type]
            reason="objection", channel=Channel.email, language="nl", at=clock.now(),
        )  # fmt: skip
    with pytest.raises(InvalidInput):
        object_to_marketing(
            session, Keyring(keys), MARKETING, person["subject"],  # type: ignore[arg-type]
            reason="annoyed", channel=Channel.email, language="nl", at=clock.now(),
        )  # fmt: skip
    assert session.execute(select(func.count()).select_from(Suppression)).scalar_one() == 0
