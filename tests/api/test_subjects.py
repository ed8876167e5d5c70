"""``/api/v1/subjects``: finding people by an identifier sent in the body, and showing
the records the caller's roles reach, every read audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from starlette.testclient import TestClient

from kluis.audit.models import AuditEntry
from tests.api.conftest import CANDIDATE, EMPLOYEE, store


def _search(client: Any, headers: dict[str, str], value: str, kind: str = "email") -> Any:
    return client.post(
        "/api/v1/subjects/search", json={"kind": kind, "value": value}, headers=headers
    )


def _actions(server: Any) -> list[str]:
    with server.state.kluis.transaction() as session:
        return list(session.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars())


def test_search_and_show_need_a_caller(client: Any) -> None:
    assert _search(client, {}, "an@example.be").status_code == 401
    answer = client.get("/api/v1/subjects/01a23422-8cf4-70b9-a5f4-4cec6bba0694")
    assert answer.status_code == 401


def test_a_search_finds_people_only_where_the_caller_may_look(
    client: Any, as_user: Any, server: Any
) -> None:
    candidate = store(client, as_user("rik"), CANDIDATE)
    found = _search(client, as_user("rik"), "AN@example.be ")
    assert found.status_code == 200
    assert found.json() == {
        "items": [{"subject_id": candidate["subject_id"], "activities": ["candidates"]}],
        "total": 1,
        "page": 1,
        "per_page": 25,
    }
    by_phone = _search(client, as_user("dora"), "0470 12 34 56", kind="phone")
    assert by_phone.json()["total"] == 1
    # Payroll's roles do not reach candidates: nobody is found, and nothing says otherwise.
    assert _search(client, as_user("paula"), "an@example.be").json()["total"] == 0
    assert _actions(server).count("subject_find") == 3


def test_search_input_is_checked(client: Any, as_user: Any) -> None:
    answer = client.post(
        "/api/v1/subjects/search", json={"kind": "iban", "value": ""}, headers=as_user("dora")
    )
    assert answer.status_code == 422
    fields = {d["field"] for d in answer.json()["error"]["details"]}
    assert fields == {"body.kind", "body.value"}
    malformed = _search(client, as_user("dora"), "not an address")
    assert malformed.status_code == 422
    assert "not an address" not in malformed.text  # the value is never echoed


def test_show_gives_the_records_the_roles_reach(client: Any, as_user: Any, server: Any) -> None:
    candidate = store(client, as_user("rik"), CANDIDATE)
    employee = {**EMPLOYEE, "values": {**EMPLOYEE["values"], "email": "an@example.be"}}
    both = store(client, as_user("paula"), employee)
    assert both["subject_id"] == candidate["subject_id"]
    subject = candidate["subject_id"]
    rik = client.get(f"/api/v1/subjects/{subject}", headers=as_user("rik")).json()
    assert [record["activity"] for record in rik["records"]] == ["candidates"]
    assert rik["records"][0]["values"]["phone"] == "+32470123456"
    assert rik["records"][0]["events"] == {"collected": "2026-10-01"}
    dora = client.post(
        f"/api/v1/subjects/{subject}/read", json={"reason": "Request 12"}, headers=as_user("dora")
    )
    assert [r["activity"] for r in dora.json()["records"]] == ["candidates", "payroll"]
    assert _actions(server).count("record_read") == 3
    with server.state.kluis.transaction() as session:
        reads = session.execute(
            select(AuditEntry.actor, AuditEntry.activity, AuditEntry.reason)
            .where(AuditEntry.action == "record_read")
            .order_by(AuditEntry.seq)
        ).all()
    assert [tuple(read) for read in reads] == [
        ("rik", "candidates", None),
        ("dora", "candidates", "Request 12"),
        ("dora", "payroll", "Request 12"),
    ]


def test_a_reason_is_sent_in_the_body_never_in_the_address(
    client: Any, as_user: Any, server: Any
) -> None:
    subject = store(client, as_user("rik"), CANDIDATE)["subject_id"]
    spec = client.get("/api/openapi.json").json()
    shown = spec["paths"]["/api/v1/subjects/{subject_id}"]["get"]
    assert [parameter["name"] for parameter in shown["parameters"]] == ["subject_id"]
    long = client.post(
        f"/api/v1/subjects/{subject}/read", json={"reason": "x" * 2001}, headers=as_user("rik")
    )
    assert long.status_code == 422
    assert long.json()["error"]["details"][0]["field"] == "body.reason"
    plain = client.post(f"/api/v1/subjects/{subject}/read", json={}, headers=as_user("rik"))
    assert plain.status_code == 200
    assert _actions(server)[-1] == "record_read"


def test_a_refused_read_is_403_and_audited(client: Any, as_user: Any, server: Any) -> None:
    employee = store(client, as_user("paula"), EMPLOYEE)
    answer = client.get(f"/api/v1/subjects/{employee['subject_id']}", headers=as_user("mark"))
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "access_denied"
    assert "Bart" not in answer.text
    assert _actions(server)[-1] == "record_read_refused"


def test_an_unknown_or_malformed_subject(client: Any, as_user: Any) -> None:
    unknown = client.get(
        "/api/v1/subjects/01a23422-8cf4-70b9-a5f4-4cec6bba0694", headers=as_user("dora")
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "subject_not_found"
    malformed = client.get("/api/v1/subjects/42", headers=as_user("dora"))
    assert malformed.status_code == 422
    assert malformed.json()["error"]["details"][0]["field"] == "path.subject_id"


def test_an_api_read_whose_audit_fails_answers_nothing_of_the_person(
    client: Any, as_user: Any, server: Any
) -> None:
    """A read answers only once its audit entries are committed: if they cannot be, the
    caller gets an error, and none of the data read."""
    candidate = store(client, as_user("rik"), CANDIDATE)
    engine = server.state.kluis.engine
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE audit_entry RENAME TO audit_entry_away"))
    with TestClient(server, base_url="https://testserver", raise_server_exceptions=False) as api:
        shown = api.get(f"/api/v1/subjects/{candidate['subject_id']}", headers=as_user("rik"))
        found = api.post(
            "/api/v1/subjects/search",
            json={"kind": "email", "value": "an@example.be"},
            headers=as_user("rik"),
        )
    for answer in (shown, found):
        assert answer.status_code == 500
        assert answer.json()["error"]["code"] == "server_error"
        assert "Peeters" not in answer.text and candidate["subject_id"] not in answer.text
