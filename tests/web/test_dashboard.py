"""The dashboard: figures from the latest figures job (never counted at each view), the
refresh button that queues the job, and the jobs under way."""

from __future__ import annotations

from typing import Any

from kluis.jobs import DASHBOARD_FIGURES, RETENTION_RUN, Worker, get_job, queue
from kluis.storage import transaction
from tests.conftest import csrf_of, sign_in


def sign_in_en(client: Any, name: str) -> None:
    """Sign ``client`` in as ``name`` with the interface in English (the texts asserted)."""
    client.cookies.set("kluis_lang", "en")
    sign_in(client, name)


def worker_of(server: Any) -> Worker:
    """A worker over the test server's database and clock."""
    state = server.state.kluis
    return Worker(state.engine, state.keyring, state.clock, owner="test")


def test_the_figures_come_from_the_latest_job(client: Any) -> None:
    sign_in_en(client, "dora")
    before = client.get("/")
    assert before.status_code == 200
    assert "have not been computed yet" in before.text
    answer = client.post("/dashboard/refresh", data={"csrf_token": csrf_of(client)})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/jobs/")
    job_id = int(answer.headers["location"].rsplit("/", 1)[1])
    progress = client.get(f"/jobs/{job_id}")
    assert 'http-equiv="refresh"' in progress.text  # queued: the page reloads itself
    worker_of(client.app).run_due()
    done = client.get(f"/jobs/{job_id}")
    assert 'http-equiv="refresh"' not in done.text
    after = client.get("/")
    assert "Retention due this month" in after.text and "Consent withdrawals" in after.text
    assert "were computed on 2026-11-22 12:00" in after.text


def test_running_jobs_are_shown_with_their_progress(client: Any) -> None:
    state = client.app.state.kluis
    with transaction(state.engine) as session:
        job = queue(session, RETENTION_RUN, "manual-x", due_at=state.clock.now())
    sign_in_en(client, "ada")
    page = client.get("/")
    assert f'href="/jobs/{job.id}"' in page.text and "Jobs under way" in page.text


def test_only_privacy_staff_refresh_the_figures(client: Any) -> None:
    sign_in_en(client, "rik")
    assert (
        client.post("/dashboard/refresh", data={"csrf_token": csrf_of(client)}).status_code == 403
    )
    state = client.app.state.kluis
    with transaction(state.engine) as session:
        job = queue(session, DASHBOARD_FIGURES, "x", due_at=state.clock.now())
    assert client.get(f"/jobs/{job.id}").status_code == 403
    with transaction(state.engine) as session:
        assert get_job(session, job.id).status == "queued"
