"""The job queue: a job is queued once per slot, claimed by one process only, taken over
when its process stopped, and closed with its result or its error."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from kluis.core.clock import FixedClock
from kluis.jobs import (
    DONE,
    FAILED,
    QUEUED,
    RETRY_AFTER,
    RUNNING,
    Job,
    JobLost,
    claim_next,
    fail,
    finish,
    get_job,
    heartbeat,
    latest_result,
    list_jobs,
    progress,
    queue,
)
from kluis.jobs import service as jobs_service
from kluis.jobs.service import MAX_ATTEMPTS
from kluis.storage import transaction


def _count(engine: Engine) -> int:
    with transaction(engine) as session:
        return session.execute(select(func.count()).select_from(Job)).scalar_one()


def test_a_job_is_queued_once_per_kind_and_slot(engine: Engine, clock: FixedClock) -> None:
    with transaction(engine) as session:
        first = queue(session, "dashboard_figures", "2026-11-22", due_at=clock.now())
    with transaction(engine) as session:
        again = queue(session, "dashboard_figures", "2026-11-22", due_at=clock.now())
        other = queue(session, "dashboard_figures", "2026-11-23", due_at=clock.now())
    assert again.id == first.id and other.id != first.id
    assert first.status == QUEUED and first.attempts == 0
    assert _count(engine) == 2


def test_a_slot_queued_meanwhile_by_another_process_is_returned(
    engine: Engine, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(engine) as session:
        existing = queue(session, "retention_run", "2026-11-22", due_at=clock.now())
    real = jobs_service._find
    calls: list[int] = []

    def not_yet(session: Any, kind: str, slot: str) -> Job | None:
        # The first look misses it, as if the other process committed just after.
        calls.append(1)
        return None if len(calls) == 1 else real(session, kind, slot)

    monkeypatch.setattr(jobs_service, "_find", not_yet)
    with transaction(engine) as session:
        found = queue(session, "retention_run", "2026-11-22", due_at=clock.now())
        # The failed insert rolled back to its savepoint only: the transaction goes on.
        queue(session, "retention_run", "2026-11-23", due_at=clock.now())
    assert found.id == existing.id
    assert _count(engine) == 2


def test_a_job_is_claimed_when_due_and_only_once(engine: Engine, clock: FixedClock) -> None:
    with transaction(engine) as session:
        later = queue(session, "b", "later", due_at=clock.now() + timedelta(minutes=2))
        now = queue(session, "a", "now", due_at=clock.now())
    with transaction(engine) as session:
        claimed = claim_next(session, "one", at=clock.now())
    with transaction(engine) as session:
        assert claim_next(session, "two", at=clock.now()) is None
    assert claimed is not None and claimed.id == now.id
    assert claimed.status == RUNNING and claimed.claimed_by == "one" and claimed.attempts == 1
    with transaction(engine) as session:
        due_later = claim_next(session, "two", at=clock.now() + timedelta(minutes=2))
    assert due_later is not None and due_later.id == later.id


def test_only_kinds_asked_for_are_claimed(engine: Engine, clock: FixedClock) -> None:
    with transaction(engine) as session:
        queue(session, "other", "x", due_at=clock.now())
        assert claim_next(session, "one", at=clock.now(), kinds=("retention_run",)) is None
        assert claim_next(session, "one", at=clock.now(), kinds=("other",)) is not None


def test_two_processes_never_claim_the_same_job(engine: Engine, clock: FixedClock) -> None:
    with transaction(engine) as session:
        for number in range(30):
            queue(session, "a", f"slot-{number}", due_at=clock.now())
    claimed: dict[str, list[int]] = {}
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def claimer(name: str) -> None:
        mine = claimed.setdefault(name, [])
        try:
            barrier.wait()
            while True:
                with transaction(engine) as session:
                    job = claim_next(session, name, at=clock.now())
                if job is None:
                    return
                mine.append(job.id)
                with transaction(engine) as session:  # the next of its kind may now run
                    finish(session, job.id, name, {}, at=clock.now())
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=claimer, args=(f"process-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    every = [job for jobs in claimed.values() for job in jobs]
    assert len(every) == 30 and len(set(every)) == 30
    with transaction(engine) as session:
        owners = {row[0]: row[1] for row in session.execute(select(Job.id, Job.claimed_by))}
    for name, jobs in claimed.items():
        assert all(owners[job] == name for job in jobs)


def test_jobs_of_one_kind_run_one_at_a_time(engine: Engine, clock: FixedClock) -> None:
    """A manual retention run asked for while the daily one runs waits for it (both would
    work through the same records); other kinds go on meanwhile."""
    with transaction(engine) as session:
        daily = queue(session, "retention_run", "2026-11-22", due_at=clock.now())
        manual = queue(session, "retention_run", "manual-1", due_at=clock.now())
        other = queue(session, "housekeeping", "2026-11-22", due_at=clock.now())
    with transaction(engine) as session:
        first = claim_next(session, "one", at=clock.now())
    assert first is not None and first.id == daily.id
    with transaction(engine) as session:
        second = claim_next(session, "two", at=clock.now())
        assert second is not None and second.id == other.id
        assert claim_next(session, "two", at=clock.now()) is None
    with transaction(engine) as session:
        finish(session, daily.id, "one", {}, at=clock.now())
    with transaction(engine) as session:
        after = claim_next(session, "two", at=clock.now())
    assert after is not None and after.id == manual.id


def test_two_processes_never_run_two_jobs_of_one_kind(engine: Engine, clock: FixedClock) -> None:
    """A second process claiming while the first one's claim of the same kind is not yet
    committed waits for it, then finds the kind busy and takes nothing."""
    with transaction(engine) as session:
        for number in range(2):
            queue(session, "retention_run", f"manual-{number}", due_at=clock.now())
    second: list[object] = []

    def other_process() -> None:
        with transaction(engine) as session:
            second.append(claim_next(session, "two", at=clock.now()))

    with transaction(engine) as session:
        first = claim_next(session, "one", at=clock.now())
        helper = threading.Thread(target=other_process)
        helper.start()
        helper.join(0.5)
    helper.join(30)
    assert first is not None and second == [None]
    with transaction(engine) as session:
        running = session.execute(select(func.count()).where(Job.status == RUNNING)).scalar_one()
    assert running == 1


def test_a_job_whose_heartbeat_stopped_is_claimed_again(engine: Engine, clock: FixedClock) -> None:
    with transaction(engine) as session:
        queue(session, "a", "x", due_at=clock.now())
        job = claim_next(session, "first", at=clock.now())
    assert job is not None
    with transaction(engine) as session:
        heartbeat(session, job.id, "first", at=clock.now() + timedelta(minutes=3))
    with transaction(engine) as session:
        # Alive four minutes after its last heartbeat: not stale yet.
        assert claim_next(session, "second", at=clock.now() + timedelta(minutes=7)) is None
    with transaction(engine) as session:
        taken = claim_next(session, "second", at=clock.now() + timedelta(minutes=9))
    assert taken is not None and taken.id == job.id
    assert taken.claimed_by == "second" and taken.attempts == 2
    # The first process finds out at its next step and stops.
    with transaction(engine) as session, pytest.raises(JobLost):
        progress(session, job.id, "first", done=1, total=2, at=clock.now())
    with transaction(engine) as session:
        finish(session, job.id, "second", {"ok": True}, at=clock.now())
        assert get_job(session, job.id).status == DONE


def test_a_job_that_kills_its_process_is_taken_over_only_so_often(
    engine: Engine, clock: FixedClock
) -> None:
    """A process that dies running the job (out of memory, say) never calls fail(): the
    job is taken over MAX_ATTEMPTS times at most, not by every server in turn forever."""
    with transaction(engine) as session:
        queue(session, "a", "x", due_at=clock.now())
    moment = clock.now()
    claims = []
    for process in range(MAX_ATTEMPTS + 2):
        with transaction(engine) as session:
            claims.append(claim_next(session, f"process {process}", at=moment))
        moment += timedelta(minutes=10)  # its heartbeat stopped: the process died
    taken = [claim for claim in claims if claim is not None]
    assert [claim.attempts for claim in taken] == list(range(1, MAX_ATTEMPTS + 1))


def test_progress_and_result(engine: Engine, clock: FixedClock) -> None:
    with transaction(engine) as session:
        queue(session, "figures", "x", due_at=clock.now())
        job = claim_next(session, "me", at=clock.now())
        assert job is not None
        progress(session, job.id, "me", done=3, total=4, at=clock.now())
        assert get_job(session, job.id).percent == 75
        assert latest_result(session, "figures") is None
        finish(session, job.id, "me", {"records": 7}, at=clock.now())
    with transaction(engine) as session:
        done = latest_result(session, "figures")
        jobs, total = list_jobs(session, statuses=(DONE,))
    assert done is not None and done.result == {"records": 7} and done.finished_at == clock.now()
    assert done.percent == 100 and done.finished
    assert total == 1 and jobs[0].id == job.id


def test_a_failed_job_is_tried_again_then_left_failed(engine: Engine, clock: FixedClock) -> None:
    with transaction(engine) as session:
        queue(session, "a", "x", due_at=clock.now())
    statuses = []
    for _attempt in range(3):
        with transaction(engine) as session:
            job = claim_next(session, "me", at=clock.now())
            assert job is not None
            fail(session, job.id, "me", "no register has been applied yet", at=clock.now())
            failed = get_job(session, job.id)
            statuses.append(failed.status)
            assert claim_next(session, "me", at=clock.now()) is None
            if failed.status == QUEUED:
                # Tried again later, not at once: ten minutes per attempt so far.
                assert failed.due_at == clock.now() + RETRY_AFTER * failed.attempts
        clock.moment = failed.due_at
    assert statuses == [QUEUED, QUEUED, FAILED]
    with transaction(engine) as session:
        assert claim_next(session, "me", at=clock.now() + timedelta(days=1)) is None
        failed = get_job(session, job.id)
    assert failed.error == "no register has been applied yet" and failed.finished
