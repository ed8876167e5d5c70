"""Running jobs: the kinds Kluis knows, and a :class:`Worker` that queues the daily ones,
claims what is due and carries it out, one transaction per step.

``retention_run`` carries out retention exactly as ``kluis retention run`` does (start or
resume the run, then batches of shredding and erasing, each committed on its own, then the
run's close), acting as ``kluis:retention``, with its progress written to the job.
``deadline_reminders`` hands the day's reminders to a ``send`` callable.
``dashboard_figures`` counts what the dashboard shows without reading every record at each
view.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, Final

from sqlalchemy import Engine

from kluis.core.actor import Actor
from kluis.core.clock import Clock
from kluis.core.errors import KluisError
from kluis.jobs.figures import dashboard_figures
from kluis.jobs.reminders import Send, deadline_reminders
from kluis.jobs.service import JobLost, JobView, claim_next, fail, finish, progress, queue
from kluis.retention import BATCH, Cursor, RunView, finish_run, plan_work, run_batch, shred_batch
from kluis.retention import start_run as start_retention_run
from kluis.storage import checkpoint, transaction
from kluis.subject_requests import forget_public_requests
from kluis.users.auth import THROTTLE_WINDOW, forget_failures, forget_resets, forget_sessions
from kluis.vault import Keyring

log = logging.getLogger("kluis.jobs")

RETENTION_RUN: Final = "retention_run"
DEADLINE_REMINDERS: Final = "deadline_reminders"
DASHBOARD_FIGURES: Final = "dashboard_figures"
HOUSEKEEPING: Final = "housekeeping"
#: The kinds queued every day, one job per kind and day.
DAILY: Final = (RETENTION_RUN, DEADLINE_REMINDERS, DASHBOARD_FIGURES, HOUSEKEEPING)
KINDS: Final = DAILY
#: The daily jobs fall due at this time (UTC): 02:00 in Brussels and Amsterdam in winter.
DAILY_AT: Final = time(1, 0, tzinfo=UTC)


def default_owner() -> str:
    """A name for this process among those sharing the database: host, process, random."""
    return f"{socket.gethostname()[:50]}:{os.getpid()}:{secrets.token_hex(3)}"


def manual_slot(at: datetime) -> str:
    """The slot of a job asked for by someone at ``at`` (unique to the microsecond)."""
    return f"manual-{at.astimezone(UTC).strftime('%Y%m%dT%H%M%S.%fZ')}"


def daily_due(day: date) -> datetime:
    """When the daily jobs of ``day`` fall due."""
    return datetime.combine(day, DAILY_AT)


def error_text(error: Exception) -> str:
    """What a failed job records: a domain error's message (which never holds personal
    data), else only the kind of error (a database error may quote values)."""
    if isinstance(error, KluisError):
        return str(error)
    return type(error).__name__


def _run_result(run: RunView) -> dict[str, Any]:
    return {
        "run": run.id,
        "day": run.day.isoformat(),
        "counts": run.counts,
        "held": run.held,
        "subjects_erased": run.subjects_erased,
        "processed": run.processed,
    }


@dataclass
class Worker:
    """Queues, claims and runs jobs over one database; ``send`` delivers reminders (none:
    reminders are computed and counted, not sent)."""

    engine: Engine
    keyring: Callable[[], Keyring]
    clock: Clock
    owner: str = field(default_factory=default_owner)
    send: Send | None = None
    batch: int = BATCH

    def queue_daily(self) -> list[JobView]:
        """Queue today's daily jobs (each once, however many processes ask)."""
        today = self.clock.now().date()
        with transaction(self.engine) as session:
            return [
                queue(session, kind, today.isoformat(), due_at=daily_due(today)) for kind in DAILY
            ]

    def claim(self) -> JobView | None:
        """Claim the next due job, committed, or ``None``."""
        with transaction(self.engine) as session:
            return claim_next(session, self.owner, at=self.clock.now(), kinds=KINDS)

    def run_due(self, *, limit: int = 100) -> int:
        """Claim and run due jobs until none is left (at most ``limit``); how many ran."""
        count = 0
        while count < limit:
            job = self.claim()
            if job is None:
                break
            self.run(job)
            count += 1
        return count

    def run(self, job: JobView) -> None:
        """Carry out a claimed job and close it: done with its result, or failed."""
        handlers: dict[str, Callable[[JobView], dict[str, Any]]] = {
            RETENTION_RUN: self._retention,
            DEADLINE_REMINDERS: self._reminders,
            DASHBOARD_FIGURES: self._figures,
            HOUSEKEEPING: self._housekeeping,
        }
        try:
            result = handlers[job.kind](job)
            with transaction(self.engine) as session:
                finish(session, job.id, self.owner, result, at=self.clock.now())
        except JobLost:
            log.warning("job %d (%s) was taken over by another process", job.id, job.kind)
        except Exception as error:  # any failure is recorded on the job
            log.error("job %d (%s) failed: %s", job.id, job.kind, type(error).__name__)
            try:
                with transaction(self.engine) as session:
                    fail(session, job.id, self.owner, error_text(error), at=self.clock.now())
            except JobLost:
                log.warning("job %d (%s) was taken over by another process", job.id, job.kind)

    def _progress(self, job: JobView, done: int, total: int | None) -> None:
        with transaction(self.engine) as session:
            progress(session, job.id, self.owner, done=done, total=total, at=self.clock.now())

    def _retention(self, job: JobView) -> dict[str, Any]:
        actor = Actor.system("retention")
        day = self.clock.now().date()
        runs: list[RunView] = []
        while True:
            with transaction(self.engine) as session:
                started, _resumed = start_retention_run(
                    session, actor, day=day, at=self.clock.now()
                )
                work = plan_work(session, started.day)
            total = sum(item.due for item in work)
            done = 0
            self._progress(job, done, total)
            cursor: Cursor = {}
            while True:
                # The batch's data keys first, committed on their own: a key never outlives
                # its data, whatever stops the run.
                with transaction(self.engine) as session:
                    shred_batch(
                        session,
                        self.keyring(),
                        actor,
                        started.id,
                        work,
                        size=self.batch,
                        cursor=cursor,
                    )
                with transaction(self.engine) as session:
                    count = run_batch(
                        session,
                        self.keyring(),
                        actor,
                        started.id,
                        work,
                        size=self.batch,
                        cursor=cursor,
                        at=self.clock.now(),
                    )
                    done += count
                    progress(
                        session,
                        job.id,
                        self.owner,
                        done=done,
                        total=max(total, done),
                        at=self.clock.now(),
                    )
                if not count:
                    break
            with transaction(self.engine) as session:
                runs.append(finish_run(session, actor, started.id, work, at=self.clock.now()))
            if started.day >= day:
                break
        checkpoint(self.engine)
        return {
            "runs": [_run_result(run) for run in runs],
            "processed": sum(run.processed for run in runs),
            "subjects_erased": sum(run.subjects_erased for run in runs),
        }

    def _reminders(self, job: JobView) -> dict[str, Any]:
        with transaction(self.engine) as session:
            reminders = deadline_reminders(session, today=self.clock.now().date())
        self._progress(job, 0, len(reminders))
        sent = self.send(reminders) if self.send is not None and reminders else 0
        return {
            "reminders": len(reminders),
            "requests": len(reminders[0].requests) if reminders else 0,
            "sent": sent,
            "mail": self.send is not None,
        }

    def _figures(self, job: JobView) -> dict[str, Any]:
        with transaction(self.engine) as session:
            return dashboard_figures(session, at=self.clock.now())

    def _housekeeping(self, job: JobView) -> dict[str, Any]:
        """Delete what has served its purpose: ended sessions, failed sign-ins that no
        longer count, used or expired reset links, public requests never confirmed."""
        at = self.clock.now()
        with transaction(self.engine) as session:
            return {
                "sessions": forget_sessions(session, at=at),
                "failed_sign_ins": forget_failures(session, before=at - THROTTLE_WINDOW),
                "reset_links": forget_resets(session, at=at),
                "unconfirmed_requests": forget_public_requests(session, at=at),
            }


__all__ = [
    "DAILY",
    "DAILY_AT",
    "DASHBOARD_FIGURES",
    "DEADLINE_REMINDERS",
    "HOUSEKEEPING",
    "KINDS",
    "RETENTION_RUN",
    "Worker",
    "daily_due",
    "default_owner",
    "error_text",
    "manual_slot",
]
