"""The answer to an access request: every record of the person with the register's reasons,
the consent history, as a letter in the request's language and as JSON; the DPO only; every
record read audited."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kluis.audit.models import AuditEntry
from kluis.consent import Channel as ConsentChannel
from kluis.consent import record_consent
from kluis.core.clock import FixedClock
from kluis.core.errors import Conflict, NotAllowed
from kluis.crypto import LocalKeyProvider
from kluis.documents import DocumentFormat, access_json, render_access_answer
from kluis.register.versions import StoredRegister
from kluis.subject_requests import (
    Channel,
    Kind,
    access_package,
    file_request,
    portability_csv,
    portability_json,
    portable,
)
from kluis.vault import Keyring, RecordInput, ValueKind, store_record
from tests.conftest import ADMIN_ACTOR, DPO_ACTOR, LEDGER, MARKETING, RECRUITER, consent_for

EMAIL = "inzage@example.be"


@pytest.fixture
def ring(session: Session, policy: StoredRegister, keys: LocalKeyProvider) -> Keyring:
    return Keyring(keys)


def _request(session: Session, ring: Keyring, clock: FixedClock, kind: Kind = Kind.access) -> int:
    view = file_request(
        session, ring, DPO_ACTOR, kind=kind, channel=Channel.email, language="nl",
        identifiers={ValueKind.email: EMAIL}, at=clock.now(),
    )  # fmt: skip
    return view.id


def test_the_answer_holds_every_record_and_why(
    session: Session, ring: Keyring, clock: FixedClock
) -> None:
    candidate = store_record(
        session, ring, RECRUITER, "candidates",
        RecordInput({"name": "Ines Inzage", "email": EMAIL}, {"selection_end": "2026-10-15"}),
        at=clock.now(), consent=LEDGER,
    )  # fmt: skip
    store_record(
        session,
        ring,
        MARKETING,
        "newsletter",
        RecordInput({"email": EMAIL}, consent=consent_for("newsletter")),
        at=clock.now(),
        consent=LEDGER,
    )
    record_consent(
        session, MARKETING, candidate.subject_id, "newsletter", action="given",
        channel=ConsentChannel.web_form, language="nl", at=clock.now(),
    )  # fmt: skip
    request = _request(session, ring, clock)
    package = access_package(session, ring, DPO_ACTOR, request, at=clock.now())
    assert sorted(record.activity for record in package.records) == ["candidates", "newsletter"]
    letter = render_access_answer(
        package, format=DocumentFormat.html, language="nl", today=date(2026, 12, 1)
    ).decode()
    for words in ("Ines Inzage", EMAIL, "Kandidaten", "Nieuwsbrief", "15 oktober 2026"):
        assert words in letter, words
    data = json.loads(access_json(package))
    assert {record["activity"] for record in data["records"]} == {"candidates", "newsletter"}
    assert data["consents"][0]["action"] == "given"
    reads = session.execute(
        select(AuditEntry.reason).where(AuditEntry.action == "record_read")
    ).scalars()
    assert set(reads) == {f"request {request}"}
    pdf = render_access_answer(
        package, format=DocumentFormat.pdf, language="fr", today=date(2026, 12, 1)
    )
    assert pdf.startswith(b"%PDF")


def test_nothing_held_is_an_answer_too(session: Session, ring: Keyring, clock: FixedClock) -> None:
    package = access_package(
        session, ring, DPO_ACTOR, _request(session, ring, clock), at=clock.now()
    )
    assert package.records == [] and package.subject_id is None
    letter = render_access_answer(
        package, format=DocumentFormat.html, language="en", today=date(2026, 12, 1)
    ).decode()
    assert "We hold no personal data about you" in letter


def test_only_the_dpo_and_only_for_access(
    session: Session, ring: Keyring, clock: FixedClock
) -> None:
    request = _request(session, ring, clock)
    with pytest.raises(NotAllowed):
        access_package(session, ring, ADMIN_ACTOR, request, at=clock.now())
    erasure = _request(session, ring, clock, Kind.erasure)
    with pytest.raises(Conflict):
        access_package(session, ring, DPO_ACTOR, erasure, at=clock.now())


def test_portability_takes_what_the_person_provided(
    session: Session, ring: Keyring, clock: FixedClock
) -> None:
    store_record(
        session, ring, RECRUITER, "candidates",
        RecordInput({"name": "Ines Inzage", "email": EMAIL}), at=clock.now(), consent=LEDGER,
    )  # fmt: skip
    store_record(
        session,
        ring,
        MARKETING,
        "newsletter",
        RecordInput({"email": EMAIL}, consent=consent_for("newsletter")),
        at=clock.now(),
        consent=LEDGER,
    )
    request = _request(session, ring, clock, Kind.portability)
    package = access_package(session, ring, DPO_ACTOR, request, at=clock.now())
    # Candidates rest on legitimate interests: not portable; the newsletter on consent is.
    records = portable(package)
    assert [record.activity for record in records] == ["newsletter"]
    assert json.loads(portability_json(records))[0]["values"] == {"email": EMAIL}
    rows = portability_csv(records).decode().splitlines()
    assert rows[0] == "activity,record,field,value" and rows[1].endswith(f",email,{EMAIL}")
    letter = render_access_answer(
        package, format=DocumentFormat.html, language="en", today=date(2026, 12, 1)
    ).decode()
    assert "machine-readable form (Article 20" in letter
