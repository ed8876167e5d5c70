"""The job queue: queue a job once per ``(kind, slot)``, claim it in one conditional update,
show it alive and how far it is, and close it with its result or its error.

Every function takes a session and never commits: the caller's transaction decides. A claim
must be committed on its own before the work starts, so that other processes see the job
taken. Two processes never run one job: the claim is an ``UPDATE ... WHERE status =
'queued'`` (or a running job whose heartbeat stopped), and only the process whose update
changed the row has it; later progress is written only while the job is still claimed by
the same owner, so a process whose job was taken over stops at its next step.

Jobs of one kind run one at a time: a job is not claimed while another of its kind runs
(a manual retention run while the daily one is under way would work through the same
records). On PostgreSQL the claim also takes a transaction-scoped advisory lock on the
kind, so that two processes claiming two jobs of one kind at the same moment cannot both
find the other not yet running, whatever order they look at the jobs in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from kluis.core.errors import Conflict, NotFound
from kluis.jobs.models import Job

QUEUED: Final = "queued"
RUNNING: Final = "running"
DONE: Final = "done"
FAILED: Final = "failed"
#: A running job whose heartbeat is older than this is taken to have lost its process.
STALE: Final = timedelta(minutes=5)
#: How many times a job is claimed before it is left failed.
MAX_ATTEMPTS: Final = 3
#: A failed job is tried again this long after its failure, times its attempts so far.
RETRY_AFTER: Final = timedelta(minutes=10)
_ERROR_LENGTH: Final = 500


class JobLost(Conflict):
    """The job was claimed by another process (this one's heartbeat stopped too long)."""


@dataclass(frozen=True)
class JobView:
    """A job as shown: what, when due, who runs it, how far it is, and how it ended."""

    id: int
    kind: str
    slot: str
    status: str
    due_at: datetime
    requested_by: str | None
    claimed_by: str | None
    heartbeat_at: datetime | None
    finished_at: datetime | None
    attempts: int
    done: int
    total: int | None
    result: dict[str, Any] | None
    error: str | None

    @property
    def percent(self) -> int | None:
        """How far the job is, in percent, when its total is known."""
        if self.status == DONE:
            return 100
        if not self.total:
            return None
        return min(100, round(100 * self.done / self.total))

    @property
    def finished(self) -> bool:
        """Whether the job ended (done or failed)."""
        return self.status in (DONE, FAILED)


def _view(job: Job) -> JobView:
    return JobView(
        job.id,
        job.kind,
        job.slot,
        job.status,
        job.due_at,
        job.requested_by,
        job.claimed_by,
        job.heartbeat_at,
        job.finished_at,
        job.attempts,
        job.done,
        job.total,
        dict(job.result) if job.result is not None else None,
        job.error,
    )


def _find(session: Session, kind: str, slot: str) -> Job | None:
    return session.execute(
        select(Job)
        .where(Job.kind == kind, Job.slot == slot)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def queue(
    session: Session,
    kind: str,
    slot: str,
    *,
    due_at: datetime,
    requested_by: str | None = None,
) -> JobView:
    """Queue job ``kind`` for ``slot`` (a day, or ``manual-<moment>``), due at ``due_at``;
    the job already queued for that slot if there is one, however many processes ask."""
    existing = _find(session, kind, slot)
    if existing is not None:
        return _view(existing)
    job = Job(
        kind=kind,
        slot=slot,
        status=QUEUED,
        due_at=due_at,
        requested_by=requested_by,
        attempts=0,
        done=0,
    )
    try:
        with session.begin_nested():
            session.add(job)
    except IntegrityError:
        # Another process queued it between the look and the insert.
        found = _find(session, kind, slot)
        if found is None:  # pragma: no cover - the unique constraint says it exists
            raise
        return _view(found)
    return _view(job)


def _claimable(at: datetime) -> Any:
    """Queued, or running with a stopped heartbeat and tries left: a job whose process died
    running it (out of memory, say) is taken over at most :data:`MAX_ATTEMPTS` times."""
    return or_(
        Job.status == QUEUED,
        and_(
            Job.status == RUNNING,
            Job.heartbeat_at < at - STALE,
            Job.attempts < MAX_ATTEMPTS,
        ),
    )


def _kind_free(at: datetime) -> Any:
    """No other job of the same kind is running (with a heartbeat that has not stopped)."""
    other = aliased(Job)
    return ~exists().where(
        other.kind == Job.kind,
        other.id != Job.id,
        other.status == RUNNING,
        other.heartbeat_at >= at - STALE,
    )


def _lock_kind(session: Session, kind: str) -> None:
    """On PostgreSQL, wait for any other claim of a job of ``kind`` to end with its
    transaction (SQLite lets one writer at a time in anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext(f"kluis.job.{kind}"))))


def claim_next(
    session: Session, owner: str, *, at: datetime, kinds: tuple[str, ...] | None = None
) -> JobView | None:
    """Claim the job due longest ago (queued, or running with a stopped heartbeat) for
    ``owner``, unless another job of its kind is running; ``None`` when no job is due.
    Commit before running it."""
    query = (
        select(Job.id, Job.kind)
        .where(Job.due_at <= at, _claimable(at), _kind_free(at))
        .order_by(Job.due_at, Job.id)
        .limit(10)
    )
    if kinds is not None:
        query = query.where(Job.kind.in_(kinds))
    for job_id, kind in list(session.execute(query).all()):
        _lock_kind(session, kind)
        changed = session.execute(
            update(Job)
            .where(Job.id == job_id, _claimable(at), _kind_free(at))
            .values(
                status=RUNNING,
                claimed_by=owner[:80],
                heartbeat_at=at,
                attempts=Job.attempts + 1,
                error=None,
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(changed, "rowcount", 0) == 1:
            return get_job(session, job_id)
    return None


def _owned(session: Session, job_id: int, owner: str, **values: object) -> None:
    changed = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.claimed_by == owner[:80], Job.status == RUNNING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if getattr(changed, "rowcount", 0) != 1:
        raise JobLost("job {job} is no longer run by this process", job=job_id)


def heartbeat(session: Session, job_id: int, owner: str, *, at: datetime) -> None:
    """Show that ``owner`` still runs the job; :class:`JobLost` if another took it over."""
    _owned(session, job_id, owner, heartbeat_at=at)


def progress(
    session: Session, job_id: int, owner: str, *, done: int, total: int | None, at: datetime
) -> None:
    """Record how far the job is (and that it is alive)."""
    _owned(session, job_id, owner, done=done, total=total, heartbeat_at=at)


def finish(
    session: Session, job_id: int, owner: str, result: dict[str, Any], *, at: datetime
) -> None:
    """Close the job as done, with its result (plain data, no personal data)."""
    _owned(session, job_id, owner, status=DONE, result=result, finished_at=at, heartbeat_at=at)


def fail(session: Session, job_id: int, owner: str, error: str, *, at: datetime) -> None:
    """Close the job as failed with ``error`` (a message without personal data); a job
    claimed fewer than :data:`MAX_ATTEMPTS` times is queued again instead, due
    :data:`RETRY_AFTER` times its attempts later."""
    job = session.get(Job, job_id, populate_existing=True)
    if job is None:
        raise NotFound("no job {job}", job=job_id)
    again = job.attempts < MAX_ATTEMPTS
    _owned(
        session,
        job_id,
        owner,
        status=QUEUED if again else FAILED,
        error=error[:_ERROR_LENGTH],
        finished_at=None if again else at,
        claimed_by=None if again else job.claimed_by,
        heartbeat_at=at,
        due_at=at + RETRY_AFTER * job.attempts if again else job.due_at,
    )


def get_job(session: Session, job_id: int) -> JobView:
    """One job; :class:`NotFound` if there is none with ``job_id``."""
    job = session.get(Job, job_id, populate_existing=True)
    if job is None:
        raise NotFound("no job {job}", job=job_id)
    return _view(job)


def list_jobs(
    session: Session,
    *,
    statuses: tuple[str, ...] | None = None,
    kind: str | None = None,
    offset: int = 0,
    limit: int = 25,
) -> tuple[list[JobView], int]:
    """Jobs newest first (of ``statuses`` and ``kind`` when given), and how many there are."""
    conditions: list[ColumnElement[bool]] = []
    if statuses is not None:
        conditions.append(Job.status.in_(statuses))
    if kind is not None:
        conditions.append(Job.kind == kind)
    total = session.execute(select(func.count()).select_from(Job).where(*conditions)).scalar_one()
    rows = session.execute(
        select(Job).where(*conditions).order_by(Job.id.desc()).offset(offset).limit(limit)
    ).scalars()
    return [_view(job) for job in rows], int(total)


def latest_result(session: Session, kind: str) -> JobView | None:
    """The job of ``kind`` that finished last with a result, if any."""
    job = session.execute(
        select(Job)
        .where(Job.kind == kind, Job.status == DONE)
        .order_by(Job.finished_at.desc(), Job.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return _view(job) if job is not None else None


__all__ = [
    "DONE",
    "FAILED",
    "MAX_ATTEMPTS",
    "QUEUED",
    "RETRY_AFTER",
    "RUNNING",
    "STALE",
    "JobLost",
    "JobView",
    "claim_next",
    "fail",
    "finish",
    "get_job",
    "heartbeat",
    "latest_result",
    "list_jobs",
    "progress",
    "queue",
]
