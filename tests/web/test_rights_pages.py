"""Rectification and withdrawal of consent carried out in the browser, as the command line
does them: the service changes the vault, the change is audited and recorded as a step of
the request; and withdrawing a consent from the person's page."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from kluis.audit import list_entries
from kluis.consent import consent_history
from kluis.storage import transaction
from kluis.subject_requests.models import RequestStep, SubjectRequest
from kluis.vault import RecordInput, show_subject, store_record
from tests.conftest import DPO_ACTOR, LEDGER, consent_for, csrf_of, sign_in

ADDRESS = "jan.janssens@example.be"


@pytest.fixture(autouse=True)
def english(client: Any) -> None:
    """These tests read the English texts of the pages."""
    client.cookies.set("kluis_lang", "en")


def _store(server: Any, activity: str, values: dict[str, str]) -> uuid.UUID:
    state = server.state.kluis
    with transaction(state.engine) as session:
        written = store_record(
            session, state.keyring(), DPO_ACTOR, activity,
            RecordInput(values, consent=consent_for(activity)),
            at=state.clock.now(), consent=LEDGER,
        )  # fmt: skip
    return written.subject_id


def _file(client: Any, kind: str, channel: str = "email") -> int:
    data = {"kind": kind, "channel": channel, "language": "en", "email": ADDRESS,
            "csrf_token": csrf_of(client)}  # fmt: skip
    answer = client.post("/requests/new", data=data)
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/requests/(\d+)", answer.headers["location"])
    assert found
    return int(found.group(1))


def _post(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data={**data, "csrf_token": csrf_of(client)})


def _values(server: Any, subject_id: uuid.UUID, activity: str) -> dict[str, str]:
    state = server.state.kluis
    with transaction(state.engine) as session:
        view = show_subject(session, state.keyring(), DPO_ACTOR, subject_id, at=state.clock.now())
    return next(record.values for record in view.records if record.activity == activity)


def _step(server: Any, request_id: int, step: str) -> RequestStep | None:
    with transaction(server.state.kluis.engine) as session:
        return session.execute(
            select(RequestStep).where(
                RequestStep.request_id == request_id, RequestStep.step == step
            )
        ).scalar_one_or_none()


# Rectification ---------------------------------------------------------------------------


def test_a_rectification_carried_out_in_the_browser_changes_the_record_and_is_audited(
    client: Any,
) -> None:
    subject_id = _store(client.app, "candidates", {"name": "Jan Janssens", "email": ADDRESS})
    sign_in(client, "dora")
    request_id = _file(client, "rectification")
    detail = client.get(f"/requests/{request_id}").text
    link = f'href="/requests/{request_id}/rectify?activity=candidates"'
    assert link in detail
    assert "command line" not in detail
    # The form is generated from the activity's declared fields, filled with what is stored.
    form = client.get(f"/requests/{request_id}/rectify?activity=candidates")
    assert form.status_code == 200
    assert 'id="f-v_name"' in form.text and 'id="f-v_birth_date"' in form.text
    assert 'value="Jan Janssens"' in form.text
    done = _post(client, f"/requests/{request_id}/rectify?activity=candidates",
                 {"v_name": "Jan Janssens-Peeters", "v_email": ADDRESS})  # fmt: skip
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/requests/{request_id}"
    assert _values(client.app, subject_id, "candidates")["name"] == "Jan Janssens-Peeters"
    state = client.app.state.kluis
    with transaction(state.engine) as session:
        updates = list_entries(session, DPO_ACTOR, action="record_update").entries
    assert [entry.reason for entry in updates] == [f"rectification request {request_id}"]
    step = _step(client.app, request_id, "rectify")
    assert step is not None and step.status == "done"
    assert step.result == {"activities": ["candidates"], "recipients": []}
    page = client.get(f"/requests/{request_id}").text
    assert "Correcting the records" in page and "The record in Candidates was corrected" in page
    # Then the request is closed as any other.
    closed = _post(client, f"/requests/{request_id}/send", {"outcome": "answered"})
    assert closed.status_code == 303
    with transaction(state.engine) as session:
        stored = session.get(SubjectRequest, request_id)
        assert stored is not None and stored.status == "answered"


def test_a_refused_value_is_shown_next_to_its_field_and_nothing_is_stored(client: Any) -> None:
    subject_id = _store(client.app, "candidates", {"name": "Jan Janssens", "email": ADDRESS})
    sign_in(client, "dora")
    request_id = _file(client, "rectification")
    refused = _post(client, f"/requests/{request_id}/rectify?activity=candidates",
                    {"v_name": "Jan Peeters", "v_birth_date": "not a day"})  # fmt: skip
    assert refused.status_code == 422
    assert 'id="e-v_birth_date"' in refused.text
    assert 'value="Jan Peeters"' in refused.text  # what was typed is kept
    assert _values(client.app, subject_id, "candidates")["name"] == "Jan Janssens"
    assert _step(client.app, request_id, "rectify") is None


def test_only_the_persons_own_records_are_offered_and_accepted(client: Any) -> None:
    _store(client.app, "candidates", {"name": "Jan Janssens", "email": ADDRESS})
    sign_in(client, "dora")
    request_id = _file(client, "rectification")
    detail = client.get(f"/requests/{request_id}").text
    assert "rectify?activity=payroll" not in detail
    assert client.get(f"/requests/{request_id}/rectify?activity=payroll").status_code == 404
    posted = _post(client, f"/requests/{request_id}/rectify?activity=payroll",
                   {"v_email": ADDRESS})  # fmt: skip
    assert posted.status_code == 404
    # A request of another kind is not rectified.
    access = _file(client, "access")
    assert client.get(f"/requests/{access}/rectify?activity=candidates").status_code == 409


def test_only_the_dpo_rectifies(client: Any) -> None:
    _store(client.app, "candidates", {"name": "Jan Janssens", "email": ADDRESS})
    sign_in(client, "dora")
    request_id = _file(client, "rectification")
    client.cookies.clear()
    sign_in(client, "ada")
    client.cookies.set("kluis_lang", "en")
    assert "Only the DPO carries out a request." in client.get(f"/requests/{request_id}").text
    assert client.get(f"/requests/{request_id}/rectify?activity=candidates").status_code == 403


# Withdrawal of consent -------------------------------------------------------------------


def test_a_withdrawal_carried_out_in_the_browser_is_in_the_consent_history(
    client: Any,
) -> None:
    subject_id = _store(client.app, "newsletter", {"email": ADDRESS})
    sign_in(client, "dora")
    request_id = _file(client, "withdrawal", channel="letter")
    detail = client.get(f"/requests/{request_id}").text
    assert 'name="purpose" value="newsletter"' in detail
    assert "<dd>Withdrawal of consent</dd>" in detail and "<dd>Letter</dd>" in detail
    # Nothing ticked: nothing withdrawn.
    assert _post(client, f"/requests/{request_id}/withdraw", {}).status_code == 303
    assert _step(client.app, request_id, "withdraw") is None
    done = _post(client, f"/requests/{request_id}/withdraw", {"purpose": ["newsletter"]})
    assert done.status_code == 303
    state = client.app.state.kluis
    with transaction(state.engine) as session:
        history = consent_history(session, DPO_ACTOR, subject_id)
    last = history[-1]
    assert (last.purpose, last.action, last.channel) == ("newsletter", "withdrawn", "paper")
    assert last.evidence == f"request {request_id}"
    step = _step(client.app, request_id, "withdraw")
    assert step is not None and step.result == {"purposes": ["newsletter"]}
    page = client.get(f"/requests/{request_id}").text
    assert "Withdrawing consent" in page
    assert 'name="purpose"' not in page  # nothing stands any more
    assert "there is nothing to withdraw" in page
    person = client.get(f"/people/{subject_id}").text
    assert "<td>Withdrawn</td>" in person and "<td>Paper</td>" in person


def test_consent_is_withdrawn_from_the_persons_page_by_those_the_service_allows(
    client: Any,
) -> None:
    subject_id = _store(client.app, "newsletter", {"email": ADDRESS})
    sign_in(client, "mark")
    client.cookies.set("kluis_lang", "en")
    person = client.get(f"/people/{subject_id}").text
    assert f'action="/people/{subject_id}/consent/withdraw"' in person
    assert "Consent that stands" in person
    done = _post(client, f"/people/{subject_id}/consent/withdraw",
                 {"purpose": "newsletter", "channel": "phone"})  # fmt: skip
    assert done.status_code == 303
    state = client.app.state.kluis
    with transaction(state.engine) as session:
        last = consent_history(session, DPO_ACTOR, subject_id)[-1]
    assert (last.action, last.channel, last.recorded_by) == ("withdrawn", "phone", "mark")
    after = client.get(f"/people/{subject_id}").text
    assert "consent/withdraw" not in after
    # Payroll's roles reach no activity based on the newsletter's consent.
    client.cookies.clear()
    sign_in(client, "paula")
    refused = _post(client, f"/people/{subject_id}/consent/withdraw",
                    {"purpose": "newsletter", "channel": "email"})  # fmt: skip
    assert refused.status_code == 403
    bad = _post(client, f"/people/{subject_id}/consent/withdraw",
                {"purpose": "newsletter", "channel": "pigeon"})  # fmt: skip
    assert bad.status_code == 422
