"""``/api/v1/requests``: the register of data subject requests, with its deadlines."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import CANDIDATE, store


def _file(client: Any, headers: dict[str, str], **extra: Any) -> Any:
    body = {"kind": "access", "channel": "email", **extra}
    return client.post("/api/v1/requests", json=body, headers=headers)


def test_requests_need_a_caller_and_privacy_staff(client: Any, as_user: Any) -> None:
    assert client.get("/api/v1/requests").status_code == 401
    assert _file(client, {}).status_code == 401
    refused = client.get("/api/v1/requests", headers=as_user("rik"))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_allowed"
    assert _file(client, as_user("rik")).status_code == 403


def test_a_request_is_filed_matched_and_shown(client: Any, as_user: Any) -> None:
    subject = store(client, as_user("rik"), CANDIDATE)["subject_id"]
    dora = as_user("dora")
    filed = _file(
        client,
        dora,
        identifiers={"email": "an@example.be"},
        received_at="2026-11-20T09:00:00+01:00",
        reference="mailbox 42",
    )
    assert filed.status_code == 201, filed.text
    body = filed.json()
    assert body["subject_id"] == subject
    assert body["identifiers"] == ["email"]
    assert (body["due"], body["days_left"], body["status"]) == ("2026-12-20", 28, "open")
    assert body["language"] == "nl"
    assert "an@example.be" not in filed.text
    shown = client.get(f"/api/v1/requests/{body['id']}", headers=dora).json()
    assert shown["steps"] == []
    assert shown["reference"] == "mailbox 42"


def test_extend_identity_and_close(client: Any, as_user: Any) -> None:
    dora = as_user("dora")
    number = _file(client, dora).json()["id"]
    base = f"/api/v1/requests/{number}"
    extended = client.post(f"{base}/extend", json={"reason": "Many requests"}, headers=dora)
    assert extended.status_code == 200
    assert (extended.json()["extended"], extended.json()["due"]) == (True, "2027-02-22")
    twice = client.post(f"{base}/extend", json={"reason": "Again"}, headers=dora)
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "conflict"
    checked = client.post(
        f"{base}/identity", json={"method": "question", "outcome": "confirmed"}, headers=dora
    )
    assert checked.json()["identity_outcome"] == "confirmed"
    no_reasons = client.post(f"{base}/close", json={"outcome": "refused"}, headers=dora)
    assert no_reasons.status_code == 422
    closed = client.post(f"{base}/close", json={"outcome": "answered"}, headers=as_user("ada"))
    assert closed.json()["status"] == "answered" and closed.json()["days_left"] is None
    assert (
        client.post(f"{base}/close", json={"outcome": "answered"}, headers=dora).status_code == 409
    )


def test_the_list_filters_and_pages(client: Any, as_user: Any) -> None:
    dora = as_user("dora")
    first = _file(client, dora).json()["id"]
    _file(client, dora, kind="erasure")
    _file(client, dora, kind="erasure")
    client.post(f"/api/v1/requests/{first}/close", json={"outcome": "answered"}, headers=dora)
    everything = client.get("/api/v1/requests", headers=dora).json()
    assert everything["total"] == 3
    assert [item["status"] for item in everything["items"]] == ["open", "open", "answered"]
    open_ones = client.get("/api/v1/requests?status=open", headers=dora).json()
    assert {item["kind"] for item in open_ones["items"]} == {"erasure"}
    closed = client.get("/api/v1/requests?status=closed", headers=dora).json()
    assert [item["id"] for item in closed["items"]] == [first]
    access = client.get("/api/v1/requests?kind=access", headers=dora).json()
    assert access["total"] == 1
    paged = client.get("/api/v1/requests?per_page=2&page=2", headers=dora).json()
    assert (paged["total"], len(paged["items"]), paged["page"]) == (3, 1, 2)


def test_bad_input_and_unknown_requests(client: Any, as_user: Any) -> None:
    dora = as_user("dora")
    answer = _file(client, dora, kind="complaint", received_at="2026-11-20T09:00:00")
    assert answer.status_code == 422
    fields = {d["field"] for d in answer.json()["error"]["details"]}
    assert fields == {"body.kind", "body.received_at"}
    future = _file(client, dora, received_at="2027-01-01T00:00:00+00:00")
    assert future.status_code == 422
    assert client.get("/api/v1/requests/999", headers=dora).status_code == 404
    assert client.get("/api/v1/requests/0", headers=dora).status_code == 422
