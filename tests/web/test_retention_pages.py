"""Retention pages: the plan, a run started from the browser (a job with a progress page),
runs and their detail, legal holds, renewals and reviews."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from kluis.jobs import DASHBOARD_FIGURES, queue
from kluis.storage import transaction
from kluis.vault import Keyring, RecordInput, Written, write_records
from tests.conftest import DPO_ACTOR, LEDGER, consent_for, csrf_of
from tests.web.test_dashboard import sign_in_en, worker_of


def _write(server: Any, activity: str, events: list[dict[str, str]]) -> list[Written]:
    state = server.state.kluis
    items = [
        RecordInput(
            {"email": f"persoon.{activity}.{n}@example.be"}
            | ({} if activity == "newsletter" else {"name": f"Persoon {n}"}),
            event,
            consent=consent_for(activity),
        )
        for n, event in enumerate(events)
    ]
    with transaction(state.engine) as session:
        outcomes = write_records(
            session,
            Keyring(state.provider),
            DPO_ACTOR,
            activity,
            items,
            at=state.clock.now(),
            consent=LEDGER,
        )
    written = [outcome for outcome in outcomes if isinstance(outcome, Written)]
    assert len(written) == len(items)
    return written


def test_the_plan_and_a_run_started_from_the_browser(client: Any) -> None:
    due = _write(client.app, "candidates", [{"selection_end": "2024-05-01"}] * 3)
    sign_in_en(client, "dora")
    plan = client.get("/retention")
    assert plan.status_code == 200
    assert "3 records are due now" in plan.text and "candidates" in plan.text
    started = client.post("/retention/run", data={"csrf_token": csrf_of(client)})
    assert started.status_code == 303
    job_page = started.headers["location"]
    assert 'content="2"' in client.get(job_page).text
    worker_of(client.app).run_due()
    finished = client.get(job_page)
    assert "3 record(s) erased or anonymised" in finished.text
    assert 'http-equiv="refresh"' not in finished.text
    runs = client.get("/retention/runs")
    assert "kluis:retention" in runs.text and "candidates: 3 erased" in runs.text
    detail = client.get("/retention/runs/1")
    assert detail.status_code == 200 and "2026-11-22" in detail.text
    assert client.get("/retention/runs/99").status_code == 404
    assert len(due) == 3 and "0 records are due now" in client.get("/retention").text


def test_the_plan_comes_from_the_figures_job_until_something_changes_it(client: Any) -> None:
    _write(client.app, "candidates", [{"selection_end": "2024-05-01"}] * 2)
    state = client.app.state.kluis
    state.clock.moment += timedelta(minutes=1)  # the register was applied before
    with transaction(state.engine) as session:
        queue(session, DASHBOARD_FIGURES, "test", due_at=state.clock.now())
    worker_of(client.app).run_due()
    # A record written after the figures: the computed plan does not count it yet.
    _write(client.app, "payroll", [{"employment_end": "2010-01-31"}])
    sign_in_en(client, "dora")
    computed = client.get("/retention").text
    assert "Computed at 12:01 UTC" in computed and "2 records are due now" in computed
    live = client.get("/retention?live=1").text
    assert "Computed at" not in live and "3 records are due now" in live
    client.post("/retention/run", data={"csrf_token": csrf_of(client)})
    worker_of(client.app).run_due()
    after_run = client.get("/retention").text
    assert "Computed at" not in after_run and "0 records are due now" in after_run


def test_recruiters_see_no_retention(client: Any) -> None:
    sign_in_en(client, "rik")
    assert client.get("/retention").status_code == 403
    assert client.post("/retention/run", data={"csrf_token": csrf_of(client)}).status_code == 403


def test_legal_holds_are_set_and_lifted(client: Any) -> None:
    (record,) = _write(client.app, "candidates", [{"selection_end": "2024-05-01"}])
    sign_in_en(client, "dora")
    token = csrf_of(client)
    answer = client.post(
        "/retention/holds",
        data={
            "scope": "subject",
            "target": str(record.subject_id),
            "reason": "case 2026/17",
            "until": "",
            "csrf_token": token,
        },
    )
    assert answer.status_code == 303
    holds = client.get("/retention/holds")
    assert "case 2026/17" in holds.text and "in force" in holds.text
    assert "Legal hold 1 set." in holds.text
    assert "0 records are due now" in client.get("/retention").text  # the hold keeps it
    bad = client.post(
        "/retention/holds",
        data={"scope": "record", "target": "not-an-id", "reason": "x", "csrf_token": token},
    )
    assert bad.status_code == 422
    lifted = client.post(
        "/retention/holds/1/lift", data={"reason": "case closed", "csrf_token": token}
    )
    assert lifted.status_code == 303
    assert "ended" in client.get("/retention/holds").text
    again = client.post("/retention/holds/1/lift", data={"reason": "again", "csrf_token": token})
    assert again.status_code == 409


def test_reviews_and_renewals_pages(client: Any) -> None:
    sign_in_en(client, "ada")
    reviews = client.get("/retention/reviews")
    renewals = client.get("/retention/renewals")
    assert reviews.status_code == 200 and renewals.status_code == 200
    answer = client.post(
        "/retention/reviews",
        data={"decision": "keep", "reason": "x", "csrf_token": csrf_of(client)},
    )
    assert answer.status_code == 422
