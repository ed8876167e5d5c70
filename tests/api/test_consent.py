"""``/api/v1/subjects/{id}/consent``: where a person's consent stands, its history, and
consent given and withdrawn alike."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import CANDIDATE, store

UNKNOWN = "01a23422-8cf4-70b9-a5f4-4cec6bba0694"


def _give(client: Any, headers: dict[str, str], subject: str, **extra: Any) -> Any:
    body = {"purpose": "newsletter", "action": "given", "channel": "email", **extra}
    return client.post(f"/api/v1/subjects/{subject}/consent", json=body, headers=headers)


def test_consent_needs_a_caller(client: Any) -> None:
    assert client.get(f"/api/v1/subjects/{UNKNOWN}/consent").status_code == 401
    assert _give(client, {}, UNKNOWN).status_code == 401


def test_consent_given_then_withdrawn_and_its_history(client: Any, as_user: Any) -> None:
    subject = store(client, as_user("rik"), CANDIDATE)["subject_id"]
    mark = as_user("mark")
    given = _give(client, mark, subject, at="2026-11-20T10:00:00+01:00", evidence="form 7")
    assert given.status_code == 201, given.text
    assert given.json()["state"] == "valid"
    assert given.json()["version"] == "2026-01-01"
    withdrawn = _give(client, mark, subject, action="withdrawn")
    assert withdrawn.json()["state"] == "withdrawn"
    shown = client.get(f"/api/v1/subjects/{subject}/consent?per_page=1", headers=mark).json()
    assert shown["subject_id"] == subject
    assert shown["total"] == 2
    assert [event["action"] for event in shown["items"]] == ["given"]
    assert shown["items"][0]["evidence"] == "form 7"
    assert shown["items"][0]["recorded_by"] == "mark"
    assert [(s["purpose"], s["state"]) for s in shown["standing"]] == [("newsletter", "withdrawn")]
    second = client.get(f"/api/v1/subjects/{subject}/consent?per_page=1&page=2", headers=mark)
    assert [event["action"] for event in second.json()["items"]] == ["withdrawn"]


def test_who_may_record_consent_and_what_is_refused(client: Any, as_user: Any) -> None:
    subject = store(client, as_user("rik"), CANDIDATE)["subject_id"]
    assert _give(client, as_user("paula"), subject).status_code == 403
    paula = client.get(f"/api/v1/subjects/{subject}/consent", headers=as_user("paula")).json()
    assert (paula["standing"], paula["items"]) == ([], [])
    assert _give(client, as_user("dora"), UNKNOWN).status_code == 404
    assert _give(client, as_user("dora"), subject, purpose="lottery").status_code == 404
    future = _give(client, as_user("dora"), subject, at="2030-01-01T00:00:00+00:00")
    assert future.status_code == 422
    naive = _give(client, as_user("dora"), subject, at="2026-11-01T10:00:00", channel="pigeon")
    assert naive.status_code == 422
    fields = {d["field"] for d in naive.json()["error"]["details"]}
    assert fields == {"body.at", "body.channel"}


READER = {
    "activity": "newsletter",
    "values": {"email": "lezer@example.be"},
    "events": {"collected": "2026-11-01"},
    "consent": {"given": "2026-11-01", "channel": "web_form"},
}


def test_those_who_send_the_marketing_make_its_unsubscribe_links(client: Any, as_user: Any) -> None:
    reader = store(client, as_user("mark"), READER)["subject_id"]
    candidate = store(client, as_user("rik"), CANDIDATE)["subject_id"]
    path = f"/api/v1/subjects/{reader}/unsubscribe-link"
    assert client.post(path, headers=as_user("rik")).status_code == 403
    made = client.post(path, headers=as_user("mark"))
    assert made.status_code == 201
    link = made.json()
    assert "lezer" not in link["url"] and "/unsubscribe/" in link["url"]
    assert link["headers"] == {
        "List-Unsubscribe": f"<{link['url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    # The link works without signing in: one click, and the reader is unsubscribed.
    token_path = link["url"].split("://", 1)[1].split("/", 1)[1]
    client.cookies.clear()
    clicked = client.post(f"/{token_path}", data={"List-Unsubscribe": "One-Click"})
    assert clicked.status_code == 200
    assert client.get(f"/{token_path}").status_code == 404  # erased, the link with them
    # Someone in no direct-marketing activity gets no link.
    refused = client.post(f"/api/v1/subjects/{candidate}/unsubscribe-link", headers=as_user("dora"))
    assert refused.status_code == 422
