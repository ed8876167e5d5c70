"""Every kind of data subject request, end to end on a fixed clock, in Dutch, English and
French: filed, deadlines (an extension, one overdue), carried out, answered in the request's
language; an erasure partly refused under Art. 17(3) and a restricted record refused to a
recruiter."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from kluis.consent import Channel as ConsentChannel
from kluis.consent import State, consent_standing, record_consent
from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider
from kluis.documents import (
    DocumentFormat,
    render_access_answer,
    render_erasure_answer,
    render_request_letter,
)
from kluis.register.versions import StoredRegister, require_version
from kluis.subject_requests import (
    Channel,
    Kind,
    Outcome,
    access_package,
    carry_out_erasure,
    carry_out_objection,
    close_request,
    extend_request,
    file_request,
    get_request,
    list_requests,
    portable,
    rectify,
    restrict,
    shred_before_erasure,
)
from kluis.vault import AccessDenied, Keyring, RecordInput, ValueKind, show_subject, store_record
from tests.conftest import CONSENT, DPO_ACTOR, LEDGER, MARKETING, PAYROLL, RECRUITER

EMAIL = "levens@example.be"
#: A phrase of each letter, per language, that only that language's letter holds.
ACCESS_TITLE = {
    "nl": "Uw persoonsgegevens",
    "en": "Your personal data",
    "fr": "Vos données personnelles",
}
ERASED = {"nl": "Wat we wisten", "en": "What we erased", "fr": "Ce que nous avons effacé"}


@pytest.fixture
def person(
    session: Session, policy: StoredRegister, keys: LocalKeyProvider, clock: FixedClock
) -> uuid.UUID:
    """A candidate on payroll (a legal obligation keeps that) who reads the newsletter."""
    ring = Keyring(keys)
    store_record(
        session, ring, RECRUITER, "candidates",
        RecordInput({"name": "Lea Levens", "email": EMAIL}, {"selection_end": "2026-10-01"}),
        at=clock.now(),
    )  # fmt: skip
    store_record(
        session, ring, PAYROLL, "payroll",
        RecordInput({"name": "Lea Levens", "email": EMAIL}, {"employment_end": "2026-06-30"}),
        at=clock.now(),
    )  # fmt: skip
    return store_record(
        session, ring, MARKETING, "newsletter",
        RecordInput({"email": EMAIL}, consent=CONSENT), at=clock.now(), consent=LEDGER,
    ).subject_id  # fmt: skip


def _file(session: Session, keys: LocalKeyProvider, clock: FixedClock, kind: Kind, lang: str,
          received_days_ago: int = 0, email: str = EMAIL) -> int:  # fmt: skip
    return file_request(
        session, Keyring(keys), DPO_ACTOR, kind=kind, channel=Channel.email, language=lang,
        identifiers={ValueKind.email: email},
        received_at=clock.now() - timedelta(days=received_days_ago), at=clock.now(),
    ).id  # fmt: skip


@pytest.mark.parametrize("lang", ["nl", "en", "fr"])
def test_every_kind_of_request_end_to_end(
    session: Session,
    keys: LocalKeyProvider,
    clock: FixedClock,
    person: uuid.UUID,
    lang: str,
) -> None:
    ring, now, today = Keyring(keys), clock.now(), clock.now().date()
    stored = require_version(session)

    def letter(request: int) -> str:
        view = get_request(session, DPO_ACTOR, request, today=today)
        return render_request_letter(
            view, register=stored.register, taxonomy=stored.taxonomy,
            format=DocumentFormat.html, language=lang, today=today,
        ).decode()  # fmt: skip

    # Access (Art. 15), received twenty days ago, extended with reasons within the month.
    access = _file(session, keys, clock, Kind.access, lang, received_days_ago=20)
    extended = extend_request(session, DPO_ACTOR, access, reason="four systems", at=now)
    assert extended.extended and extended.due == date(2027, 2, 2)  # received 2 November
    assert f'lang="{lang}"' in letter(access) and "four systems" in letter(access)
    package = access_package(session, ring, DPO_ACTOR, access, at=now)
    assert {record.activity for record in package.records} == {
        "candidates",
        "payroll",
        "newsletter",
    }
    answer = render_access_answer(
        package, format=DocumentFormat.html, language=package.language, today=today
    ).decode()
    assert ACCESS_TITLE[lang] in answer and "Lea Levens" in answer
    close_request(session, DPO_ACTOR, access, outcome=Outcome.answered, at=now)

    # A request received forty days ago and not extended is overdue, and listed so.
    late = _file(session, keys, clock, Kind.portability, lang, received_days_ago=40)
    assert get_request(session, DPO_ACTOR, late, today=today).overdue
    assert [view.id for view in list_requests(session, DPO_ACTOR, today=today) if view.overdue] == [
        late
    ]
    provided = portable(access_package(session, ring, DPO_ACTOR, late, at=now))
    assert {record.activity for record in provided} == {"newsletter"}  # consent; the rest is not
    close_request(session, DPO_ACTOR, late, outcome=Outcome.answered, at=now)

    # Rectification (Art. 16), with the recipients to tell (Art. 19).
    fix = _file(session, keys, clock, Kind.rectification, lang)
    corrected = rectify(session, ring, DPO_ACTOR, fix, activity="candidates",
                        values={"name": "Léa Levens"}, at=now)  # fmt: skip
    assert corrected.outcome == "updated"
    close_request(session, DPO_ACTOR, fix, outcome=Outcome.answered, at=now)

    # Restriction (Art. 18): the recruiter may no longer read the candidate's record.
    hold = _file(session, keys, clock, Kind.restriction, lang)
    assert restrict(session, DPO_ACTOR, hold, at=now) == 3
    with pytest.raises(AccessDenied):
        show_subject(session, ring, RECRUITER, person, at=now)
    assert len(show_subject(session, ring, DPO_ACTOR, person, at=now).records) == 3
    close_request(session, DPO_ACTOR, hold, outcome=Outcome.answered, at=now)

    # Objection (Art. 21) to legitimate interests, with no overriding grounds: the candidate
    # record stops; direct marketing stops at once.
    objection = _file(session, keys, clock, Kind.objection, lang)
    objected = carry_out_objection(session, ring, DPO_ACTOR, objection, grounds={}, at=now)
    assert "candidates" in objected.stopped
    close_request(session, DPO_ACTOR, objection, outcome=Outcome.answered, at=now)

    # Withdrawal of consent (Art. 7(3)): one event, the consent no longer stands.
    withdrawal = _file(session, keys, clock, Kind.withdrawal, lang)
    record_consent(session, MARKETING, person, "newsletter", action="withdrawn",
                   channel=ConsentChannel.email, language=lang, at=now)  # fmt: skip
    (standing,) = consent_standing(session, DPO_ACTOR, person, on=today)
    assert standing.state is State.withdrawn
    close_request(session, DPO_ACTOR, withdrawal, outcome=Outcome.answered, at=now)
    assert f'lang="{lang}"' in letter(withdrawal)

    # Erasure (Art. 17) for a colleague, partly refused: payroll is kept while the law's
    # period runs (Art. 17(3)(b)), the candidate record goes.
    for actor, activity, events in (
        (RECRUITER, "candidates", {"selection_end": "2026-10-01"}),
        (PAYROLL, "payroll", {"employment_end": "2026-06-30"}),
    ):
        store_record(
            session, ring, actor, activity,
            RecordInput({"name": "Wim Wis", "email": "wis@example.be"}, events), at=now,
        )  # fmt: skip
    erasure = _file(session, keys, clock, Kind.erasure, lang, email="wis@example.be")
    shred_before_erasure(session, ring, DPO_ACTOR, erasure, at=now)
    outcome = carry_out_erasure(session, ring, DPO_ACTOR, erasure, at=now)
    assert [activity for _record, activity in outcome.erased] == ["candidates"]
    assert [kept.activity for kept in outcome.kept] == ["payroll"]
    assert outcome.kept[0].reason == "legal_obligation" and outcome.kept[0].until == date(
        2031, 7, 1
    )
    erased_letter = render_erasure_answer(
        outcome, taxonomy=stored.taxonomy, suppressed=False, format=DocumentFormat.html,
        language=lang, today=today,
    ).decode()  # fmt: skip
    assert ERASED[lang] in erased_letter and f'lang="{lang}"' in erased_letter
    assert "2031" in erased_letter  # kept until the day the law's period ends
    refused = close_request(session, DPO_ACTOR, erasure, outcome=Outcome.refused,
                            note="payroll kept by law", at=now)  # fmt: skip
    assert refused.status == "refused"
    assert "payroll kept by law" in letter(erasure)
