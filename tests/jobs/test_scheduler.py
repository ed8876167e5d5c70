"""The scheduler: each tick queues today's daily jobs and runs what is due; the server
starts it with itself and stops it with itself."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kluis.app import create_app
from kluis.config import load_settings
from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider
from kluis.jobs import (
    DAILY,
    DONE,
    QUEUED,
    RETENTION_RUN,
    RETRY_AFTER,
    SCHEDULER,
    Scheduler,
    Worker,
    list_jobs,
)
from kluis.storage import transaction
from tests.jobs.conftest import Vault


def test_a_tick_queues_and_runs_the_daily_jobs(
    engine: Engine, worker: Worker, vault: Vault
) -> None:
    scheduler = Scheduler(worker)
    assert scheduler.tick() == len(DAILY)
    assert scheduler.tick() == 0  # each daily job once a day
    with transaction(engine) as session:
        jobs, total = list_jobs(session)
    assert total == len(DAILY) and {job.status for job in jobs} == {DONE}


def test_a_job_that_fails_is_tried_at_a_later_tick(
    engine: Engine, worker: Worker, clock: FixedClock
) -> None:
    # No register applied: the retention run fails; the other jobs do not need one.
    scheduler = Scheduler(worker)
    assert scheduler.tick() == len(DAILY)
    assert scheduler.tick() == 0
    with transaction(engine) as session:
        queued, total = list_jobs(session, statuses=(QUEUED,))
    assert total == 1 and queued[0].kind == RETENTION_RUN and queued[0].error
    clock.moment += RETRY_AFTER
    assert scheduler.tick() == 1


def test_the_thread_runs_jobs_until_stopped(engine: Engine, worker: Worker, vault: Vault) -> None:
    scheduler = Scheduler(worker, interval=3600)
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        done = 0
        while time.monotonic() < deadline and done < len(DAILY):
            with transaction(engine) as session:
                done = list_jobs(session, statuses=(DONE,))[1]
            time.sleep(0.05)
        assert done == len(DAILY)
        assert scheduler.running
    finally:
        scheduler.stop()
    assert not scheduler.running


def test_the_server_starts_and_stops_its_scheduler(
    engine: Engine, keys: LocalKeyProvider, clock: FixedClock, tmp_path: Path, vault: Vault
) -> None:
    app = create_app(load_settings(tmp_path, environ={}), clock=clock, provider=keys, engine=engine)
    state = app.state.kluis
    with TestClient(app, base_url="https://testserver"):
        scheduler = state.extras[SCHEDULER]
        assert isinstance(scheduler, Scheduler) and scheduler.running
    assert not scheduler.running and SCHEDULER not in state.extras
