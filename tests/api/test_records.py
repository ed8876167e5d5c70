"""``/api/v1/records``: storing through the vault's one write path (the register and the
consent gate enforced), correcting, and erasing records."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import CANDIDATE, EMPLOYEE, store
from tests.conftest import csrf_of, sign_in

NEWSLETTER = {"activity": "newsletter", "values": {"email": "cis@example.be"}}


def _subject(client: Any, headers: dict[str, str], subject_id: str) -> dict[str, Any]:
    answer = client.get(f"/api/v1/subjects/{subject_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_writing_needs_a_caller(client: Any) -> None:
    assert client.post("/api/v1/records", json=CANDIDATE).status_code == 401
    erase = "/api/v1/records/01a23422-8cf4-70b9-a5f4-4cec6bba0694/erase"
    assert client.post(erase, json={"reason": "x"}).status_code == 401


def test_a_record_is_created_then_matched_by_its_identifiers(client: Any, as_user: Any) -> None:
    rik = as_user("rik")
    first = client.post("/api/v1/records", json=CANDIDATE, headers=rik)
    assert first.status_code == 201
    assert first.json()["outcome"] == "created"
    again = client.post("/api/v1/records", json=CANDIDATE, headers=rik)
    assert again.status_code == 200
    assert again.json() == {**first.json(), "outcome": "unchanged"}
    moved = {**CANDIDATE, "values": {"email": "an@example.be", "name": "An Peeters-Claes"}}
    updated = client.post("/api/v1/records", json=moved, headers=rik)
    assert (updated.status_code, updated.json()["outcome"]) == (200, "updated")
    record = _subject(client, rik, first.json()["subject_id"])["records"][0]
    assert record["values"]["name"] == "An Peeters-Claes"
    assert record["values"]["phone"] == "+32470123456"  # not given: kept


def test_the_register_and_the_roles_decide(client: Any, as_user: Any) -> None:
    refused = client.post("/api/v1/records", json=EMPLOYEE, headers=as_user("rik"))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "access_denied"
    undeclared = {**CANDIDATE, "values": {**CANDIDATE["values"], "salary": "3000"}}
    answer = client.post("/api/v1/records", json=undeclared, headers=as_user("rik"))
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "field_refused"
    assert "salary" in answer.json()["error"]["message"]
    unknown = client.post(
        "/api/v1/records", json={**CANDIDATE, "activity": "nope"}, headers=as_user("dora")
    )
    assert unknown.status_code == 404


def test_bad_input_names_its_fields(client: Any, as_user: Any) -> None:
    answer = client.post(
        "/api/v1/records",
        json={"values": {"email": 3}, "events": {"collected": "someday"}},
        headers=as_user("rik"),
    )
    assert answer.status_code == 422
    fields = {detail["field"] for detail in answer.json()["error"]["details"]}
    assert fields == {"body.activity", "body.values.email", "body.events.collected"}


def test_an_activity_based_on_consent_takes_a_record_only_with_it(
    client: Any, as_user: Any
) -> None:
    mark = as_user("mark")
    without = client.post("/api/v1/records", json=NEWSLETTER, headers=mark)
    assert without.status_code == 422
    assert "consent" in without.json()["error"]["message"]
    given = {**NEWSLETTER, "consent": {"given": "2026-11-01", "channel": "web_form"}}
    created = client.post("/api/v1/records", json=given, headers=mark)
    assert created.status_code == 201, created.text
    history = client.get(
        f"/api/v1/subjects/{created.json()['subject_id']}/consent", headers=mark
    ).json()
    assert [event["action"] for event in history["items"]] == ["given"]


def test_patch_corrects_values_and_refuses_what_the_register_refuses(
    client: Any, as_user: Any
) -> None:
    rik = as_user("rik")
    written = store(client, rik, CANDIDATE)
    path = f"/api/v1/records/{written['record_id']}"
    answer = client.patch(
        path, json={"values": {"name": "An P."}, "reason": "Request 7"}, headers=rik
    )
    assert answer.status_code == 200
    assert answer.json() == {**written, "outcome": "updated"}
    assert _subject(client, rik, written["subject_id"])["records"][0]["values"]["name"] == "An P."
    other = store(client, rik, {**CANDIDATE, "values": {"email": "ben@example.be"}})
    taken = client.patch(path, json={"values": {"email": "ben@example.be"}}, headers=rik)
    assert taken.status_code == 422
    assert other["subject_id"] != written["subject_id"]
    assert (
        client.patch(path, json={"values": {"name": "X"}}, headers=as_user("paula")).status_code
        == 403
    )
    missing = client.patch(
        "/api/v1/records/01a23422-8cf4-70b9-a5f4-4cec6bba0694", json={}, headers=rik
    )
    assert missing.status_code == 404


def test_delete_erases_a_record_and_its_last_subject(client: Any, as_user: Any) -> None:
    rik = as_user("rik")
    written = store(client, rik, CANDIDATE)
    path = f"/api/v1/records/{written['record_id']}/erase"
    no_reason = client.post(path, json={}, headers=rik)
    assert no_reason.status_code == 422
    assert no_reason.json()["error"]["details"][0]["field"] == "body.reason"
    reason = {"reason": "Request 3"}
    assert client.post(path, json=reason, headers=as_user("mark")).status_code == 403
    erased = client.post(path, json=reason, headers=rik)
    assert erased.status_code == 200
    assert erased.json() == {"record_id": written["record_id"], "subject_erased": True}
    gone = client.get(f"/api/v1/subjects/{written['subject_id']}", headers=as_user("dora"))
    assert gone.status_code == 404
    assert client.post(path, json={"reason": "again"}, headers=rik).status_code == 404


def test_a_browser_session_needs_the_csrf_header_for_changes(client: Any) -> None:
    sign_in(client, "rik")
    refused = client.post("/api/v1/records", json=CANDIDATE)
    assert refused.status_code == 403
    # An Authorization header that is no API token (a proxy's Basic credentials) does not
    # stand in for the CSRF header.
    basic = client.post(
        "/api/v1/records", json=CANDIDATE, headers={"authorization": "Basic dXNlcjpwdw=="}
    )
    assert basic.status_code == 403
    accepted = client.post(
        "/api/v1/records", json=CANDIDATE, headers={"X-CSRF-Token": csrf_of(client)}
    )
    assert accepted.status_code == 201
