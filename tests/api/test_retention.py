"""``/api/v1/retention``: the plan (counts only), the runs, and legal holds."""

from __future__ import annotations

from datetime import date
from typing import Any

from kluis.retention import finish_run, plan_work, start_run
from tests.api.conftest import CANDIDATE, EMPLOYEE, store
from tests.conftest import DPO_ACTOR, NOW


def test_retention_needs_a_caller_and_privacy_staff(client: Any, as_user: Any) -> None:
    assert client.get("/api/v1/retention/plan").status_code == 401
    for path in ("/api/v1/retention/plan", "/api/v1/retention/runs", "/api/v1/retention/holds"):
        answer = client.get(path, headers=as_user("paula"))
        assert answer.status_code == 403, path
        assert answer.json()["error"]["status"] == 403


def test_the_plan_counts_records_per_activity(client: Any, as_user: Any) -> None:
    store(client, as_user("rik"), {**CANDIDATE, "events": {"selection_end": "2024-01-10"}})
    store(client, as_user("paula"), EMPLOYEE)
    answer = client.get("/api/v1/retention/plan", headers=as_user("dora"))
    assert answer.status_code == 200
    plan = answer.json()
    assert plan["at"] == "2026-11-22"
    assert plan["due"] == 1
    activities = {entry["activity"]: entry for entry in plan["activities"]}
    assert activities["candidates"]["due"] == 1
    assert activities["candidates"]["action"] == "erase"
    assert activities["payroll"]["no_due_date"] == 1
    assert activities["payroll"]["legal_obligation"] is True
    earlier = client.get("/api/v1/retention/plan?at=2025-06-01", headers=as_user("ada")).json()
    assert earlier["due"] == 0
    scheduled = {e["activity"]: e["scheduled"] for e in earlier["activities"]}
    assert scheduled["candidates"] == [{"month": "2026-01", "records": 1}]
    assert "An Peeters" not in answer.text


def test_runs_are_listed_newest_first_a_page_at_a_time(
    client: Any, as_user: Any, server: Any
) -> None:
    state = server.state.kluis
    for day in (date(2026, 11, 1), date(2026, 11, 2)):
        with state.transaction() as session:
            run, _ = start_run(session, DPO_ACTOR, day=day, at=NOW)
            finish_run(session, DPO_ACTOR, run.id, plan_work(session, day), at=NOW)
    first = client.get("/api/v1/retention/runs?per_page=1", headers=as_user("dora")).json()
    assert (first["total"], first["items"][0]["day"]) == (2, "2026-11-02")
    assert first["items"][0]["status"] == "done"
    second = client.get("/api/v1/retention/runs?per_page=1&page=2", headers=as_user("dora"))
    assert second.json()["items"][0]["day"] == "2026-11-01"


def test_legal_holds_are_set_listed_and_lifted(client: Any, as_user: Any) -> None:
    dora = as_user("dora")
    record = store(client, as_user("rik"), CANDIDATE)
    by_record = client.post(
        "/api/v1/retention/holds",
        json={"record_id": record["record_id"], "reason": "Claim 12", "until": "2027-01-31"},
        headers=dora,
    )
    assert by_record.status_code == 201, by_record.text
    assert by_record.json()["scope"] == "record" and by_record.json()["active"] is True
    by_activity = client.post(
        "/api/v1/retention/holds", json={"activity": "payroll", "reason": "Audit"}, headers=dora
    ).json()
    listed = client.get("/api/v1/retention/holds", headers=dora).json()
    assert [hold["id"] for hold in listed["items"]] == [by_activity["id"], by_record.json()["id"]]
    lifted = client.post(
        f"/api/v1/retention/holds/{by_activity['id']}/lift", json={"reason": "Done"}, headers=dora
    )
    assert lifted.status_code == 200
    assert (lifted.json()["active"], lifted.json()["lifted_by"]) == (False, "dora")
    active = client.get("/api/v1/retention/holds?active=true", headers=dora).json()
    assert [hold["id"] for hold in active["items"]] == [by_record.json()["id"]]
    again = client.post(
        f"/api/v1/retention/holds/{by_activity['id']}/lift", json={"reason": "Done"}, headers=dora
    )
    assert again.status_code == 409


def test_holds_refuse_bad_input(client: Any, as_user: Any) -> None:
    dora = as_user("dora")
    two = client.post(
        "/api/v1/retention/holds",
        json={"activity": "payroll", "subject_id": CANDIDATE_ID, "reason": "x"},
        headers=dora,
    )
    assert two.status_code == 422
    blank = client.post(
        "/api/v1/retention/holds", json={"activity": "payroll", "reason": "  "}, headers=dora
    )
    assert blank.json()["error"]["details"][0]["field"] == "body.reason"
    past = client.post(
        "/api/v1/retention/holds",
        json={"activity": "payroll", "reason": "x", "until": "2020-01-01"},
        headers=dora,
    )
    assert past.status_code == 422
    unknown = client.post(
        "/api/v1/retention/holds", json={"activity": "nope", "reason": "x"}, headers=dora
    )
    assert unknown.status_code == 404
    assert (
        client.post(
            "/api/v1/retention/holds/9/lift", json={"reason": "x"}, headers=dora
        ).status_code
        == 404
    )


CANDIDATE_ID = "01a23422-8cf4-70b9-a5f4-4cec6bba0694"
