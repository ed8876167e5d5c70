"""The People pages: finding a person by POST only, their records as the user's roles allow,
and the forms that add and change records through the vault's write path."""

from __future__ import annotations

import re
import uuid
from typing import Any

from kluis.storage import transaction
from kluis.vault import RecordInput, ValueKind, Written, record_count, store_record
from kluis.web.people import detect_kind
from tests.conftest import LEDGER, MARKETING, PAYROLL, RECRUITER, consent_for, csrf_of, sign_in

EMAIL = "anna.peeters@example.be"
RRN = "85073003328"


def _store(server: Any, actor: Any, activity: str, values: dict[str, str]) -> Written:
    state = server.state.kluis
    with transaction(state.engine) as session:
        return store_record(
            session,
            state.keyring(),
            actor,
            activity,
            RecordInput(values, consent=consent_for(activity)),
            at=state.clock.now(),
            consent=LEDGER,
        )


def _count(server: Any, activity: str) -> int:
    with transaction(server.state.kluis.engine) as session:
        return record_count(session, activity)


def _anna(server: Any) -> uuid.UUID:
    """Anna: a candidate (the recruiters' data) and an employee (payroll's), one person."""
    candidate = _store(
        server,
        RECRUITER,
        "candidates",
        {"name": "Anna Peeters", "email": EMAIL, "phone": "0470 12 34 56"},
    )
    _store(server, PAYROLL, "payroll", {"email": EMAIL, "iban": "BE68539007547034", "rrn": RRN})
    return candidate.subject_id


def _post(client: Any, url: str, data: dict[str, str]) -> Any:
    return client.post(url, data={**data, "csrf_token": csrf_of(client)})


def test_identifier_kinds_are_detected() -> None:
    assert detect_kind(EMAIL) is ValueKind.email
    assert detect_kind("85.07.30-033.28") is ValueKind.national_number
    assert detect_kind("0470 12 34 56") is ValueKind.phone
    assert detect_kind("+31 6 12345678") is ValueKind.phone


def test_a_search_by_e_mail_finds_the_person_and_no_address_holds_it(client: Any) -> None:
    subject = _anna(client.app)
    sign_in(client, "rik")
    form = client.get("/people")
    assert form.status_code == 200
    assert 'action="/people/search"' in form.text and 'method="post"' in form.text
    found = _post(client, "/people/search", {"kind": "auto", "value": EMAIL})
    assert found.status_code == 200
    assert f'href="/people/{subject}"' in found.text
    assert "Kandidaten" in found.text
    assert EMAIL not in str(found.url)
    assert all(EMAIL not in link for link in re.findall(r'href="([^"]*)"', found.text))


def test_a_national_number_is_found_by_those_who_may_read_it(client: Any) -> None:
    subject = _anna(client.app)
    sign_in(client, "paula")
    found = _post(client, "/people/search", {"kind": "auto", "value": "85.07.30-033.28"})
    assert f'href="/people/{subject}"' in found.text
    sign_in(client, "mark")
    nobody = _post(client, "/people/search", {"kind": "national_number", "value": RRN})
    assert nobody.status_code == 200
    assert f"/people/{subject}" not in nobody.text


def test_an_invalid_identifier_is_shown_next_to_the_field(client: Any) -> None:
    sign_in(client, "rik")
    answer = _post(client, "/people/search", {"kind": "email", "value": "not an address"})
    assert answer.status_code == 422
    assert 'id="e-value"' in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert "not an address" in answer.text  # kept in the form, not in an address


def test_a_recruiter_reads_candidates_and_not_payroll(client: Any) -> None:
    subject = _anna(client.app)
    sign_in(client, "rik")
    answer = client.get(f"/people/{subject}")
    assert answer.status_code == 200
    assert "Anna Peeters" in answer.text
    assert "BE68539007547034" not in answer.text and RRN not in answer.text
    assert 'id="trail-heading"' not in answer.text  # the audit trail: privacy staff only
    assert 'id="requests-heading"' not in answer.text


def test_payroll_reads_payroll_and_not_the_candidate_record(client: Any) -> None:
    subject = _anna(client.app)
    sign_in(client, "paula")
    answer = client.get(f"/people/{subject}")
    assert answer.status_code == 200
    assert "BE68539007547034" in answer.text
    assert "Anna Peeters" not in answer.text


def test_marketing_sees_the_newsletter_with_its_consent_and_nobody_elses_records(
    client: Any,
) -> None:
    subject = _anna(client.app)
    subscriber = _store(client.app, MARKETING, "newsletter", {"email": "mia@example.be"})
    sign_in(client, "mark")
    assert client.get(f"/people/{subject}").status_code == 403
    answer = client.get(f"/people/{subscriber.subject_id}")
    assert answer.status_code == 200
    assert "mia@example.be" in answer.text
    assert "2026-11-01" in answer.text  # the consent history: given on that day
    assert "newsletter" in answer.text


def test_privacy_staff_see_the_audit_trail_of_a_person(client: Any) -> None:
    subject = _anna(client.app)
    sign_in(client, "dora")
    answer = client.get(f"/people/{subject}")
    assert answer.status_code == 200
    assert 'id="trail-heading"' in answer.text
    assert "record_create" in answer.text and "record_read" in answer.text
    trail = client.get(f"/people/{subject}/audit")
    assert trail.status_code == 200
    assert "dora" in trail.text and "rik" in trail.text


def test_only_privacy_staff_open_the_trail_page(client: Any) -> None:
    subject = _anna(client.app)
    sign_in(client, "rik")
    assert client.get(f"/people/{subject}/audit").status_code == 403


def test_the_activity_choice_holds_only_what_the_roles_reach(client: Any) -> None:
    sign_in(client, "rik")
    choice = client.get("/people/new")
    assert choice.status_code == 200
    assert "activity=candidates" in choice.text and "activity=intake" in choice.text
    assert "activity=payroll" not in choice.text and "activity=newsletter" not in choice.text
    assert client.get("/people/new?activity=payroll").status_code == 403
    assert client.get("/people/new?activity=nothing").status_code == 404


def test_the_form_follows_the_declared_fields(client: Any) -> None:
    sign_in(client, "rik")
    form = client.get("/people/new?activity=candidates")
    assert form.status_code == 200
    assert 'name="v_email" type="email"' in form.text
    assert 'name="v_phone" type="tel"' in form.text
    assert 'name="v_birth_date" type="date"' in form.text
    assert 'name="e_selection_end" type="date"' in form.text
    assert "consent_given" not in form.text


def test_an_added_record_is_stored_and_shown_on_the_person_page(client: Any) -> None:
    sign_in(client, "rik")
    answer = _post(
        client,
        "/people/new?activity=candidates",
        {"v_name": "Jan Janssens", "v_email": "jan@example.be", "v_phone": "", "e_collected": ""},
    )
    assert answer.status_code == 303, answer.text
    target = answer.headers["location"]
    assert target.startswith("/people/") and "jan@" not in target
    shown = client.get(target)
    assert "Jan Janssens" in shown.text and "jan@example.be" in shown.text
    assert _count(client.app, "candidates") == 1


def test_a_refused_field_keeps_the_other_values_and_stores_nothing(client: Any) -> None:
    sign_in(client, "rik")
    answer = _post(
        client,
        "/people/new?activity=candidates",
        {"v_name": "Jan Janssens", "v_email": "jan-at-example", "v_phone": "0470 12 34 56"},
    )
    assert answer.status_code == 422
    assert 'id="e-v_email"' in answer.text
    assert 'value="Jan Janssens"' in answer.text and 'value="0470 12 34 56"' in answer.text
    assert _count(client.app, "candidates") == 0


def test_consent_is_asked_for_an_activity_based_on_it(client: Any) -> None:
    sign_in(client, "mark")
    form = client.get("/people/new?activity=newsletter")
    assert re.search(r'name="consent_given" type="date" value="" required', form.text)
    assert 'name="consent_channel" required' in form.text
    refused = _post(client, "/people/new?activity=newsletter", {"v_email": "mia@example.be"})
    assert refused.status_code == 422
    assert 'value="mia@example.be"' in refused.text
    assert _count(client.app, "newsletter") == 0
    given = _post(
        client,
        "/people/new?activity=newsletter",
        {
            "v_email": "mia@example.be",
            "consent_given": "2026-11-20",
            "consent_channel": "web_form",
            "consent_evidence": "form 12",
        },
    )
    assert given.status_code == 303, given.text
    assert _count(client.app, "newsletter") == 1
    page = client.get(given.headers["location"])
    assert "2026-11-20" in page.text


def test_a_consent_in_the_future_is_refused_next_to_its_field(client: Any) -> None:
    sign_in(client, "mark")
    answer = _post(
        client,
        "/people/new?activity=newsletter",
        {"v_email": "mia@example.be", "consent_given": "2027-01-01", "consent_channel": "email"},
    )
    assert answer.status_code == 422
    assert 'id="e-consent_given"' in answer.text
    assert _count(client.app, "newsletter") == 0


def test_a_record_is_added_to_a_person_in_another_activity(client: Any) -> None:
    subject = _anna(client.app)
    sign_in(client, "rik")
    page = client.get(f"/people/{subject}")
    assert f"/people/{subject}/records/new?activity=intake" in page.text
    answer = _post(
        client,
        f"/people/{subject}/records/new?activity=intake",
        {"v_name": "Anna P.", "consent_given": "2026-11-02", "consent_channel": "paper"},
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/people/{subject}"
    assert "Anna P." in client.get(f"/people/{subject}").text


def test_a_record_is_changed_from_its_filled_in_form(client: Any) -> None:
    subject = _anna(client.app)
    sign_in(client, "rik")
    person = client.get(f"/people/{subject}")
    (edit,) = re.findall(r'href="(/people/[^"]+/edit)"', person.text)
    form = client.get(edit)
    assert form.status_code == 200
    assert 'value="Anna Peeters"' in form.text and f'value="{EMAIL}"' in form.text
    saved = _post(
        client,
        edit,
        {"v_name": "Anna Peeters-Claes", "v_email": EMAIL, "e_selection_end": "2026-11-15"},
    )
    assert saved.status_code == 303, saved.text
    page = client.get(f"/people/{subject}")
    assert "Anna Peeters-Claes" in page.text
    assert "2028-11-16" in page.text  # due: two years after the selection ended


def test_payroll_cannot_open_a_candidate_record_to_change_it(client: Any) -> None:
    subject = _anna(client.app)
    sign_in(client, "rik")
    (edit,) = re.findall(r'href="(/people/[^"]+/edit)"', client.get(f"/people/{subject}").text)
    sign_in(client, "paula")
    assert client.get(edit).status_code == 403
    answer = _post(client, edit, {"v_name": "Someone else"})
    assert answer.status_code == 403


def test_nobody_signed_in_is_sent_to_sign_in(client: Any) -> None:
    assert client.get("/people").headers["location"].startswith("/login")
