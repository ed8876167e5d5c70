"""Carrying out retention: every record whose period has ended is erased or anonymised, as
its activity's rule says, in batches, except what a legal hold keeps.

A run is recorded (the day it ran as on, who ran it, when it started and finished, counts
per activity and action, and what holds kept) and every record it erases or anonymises has
an audit entry of its own, so an organisation can prove what was deleted when. The
interface owns the transactions: :func:`start_run`, then for each batch :func:`shred_batch`
and :func:`run_batch`, each in a transaction of its own, until it reports nothing left, then
:func:`finish_run`. Each batch commits its records
with the run's counts, so a run stopped at any point (even ``kill -9``) resumes where it
stopped: :func:`start_run` returns the unfinished run first.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kluis.audit import Event, record_event
from kluis.core.actor import Actor
from kluis.core.errors import NotFound
from kluis.register.schema import RetentionAction
from kluis.register.versions import require_version
from kluis.retention.holds import HeldScope, held_scope
from kluis.retention.models import RetentionRun
from kluis.retention.policy import Rule, due_cutoffs, require_privacy_staff, rule_of
from kluis.retention.service import held_records
from kluis.vault import Keyring, event_counts, expire_records, records_due, shred_orphans

#: Records erased or anonymised per transaction, unless the caller says otherwise: large
#: enough that a batch's fixed costs (its queries, two commits) stay small per record.
BATCH = 5000

RUNNING = "running"
DONE = "done"


@dataclass(frozen=True)
class Work:
    """What a run has to do for one activity: its rule, and per number of renewals the
    latest event day whose records are due (every record with its event on or before it
    is), and how many records that makes (legal holds and restrictions not counted out: a
    progress total, not the plan)."""

    rule: Rule
    cutoffs: dict[int, date]
    due: int = 0


@dataclass(frozen=True)
class RunView:
    """A retention run as recorded."""

    id: int
    day: date
    actor: str
    status: str
    counts: dict[str, dict[str, int]]
    held: dict[str, int]
    subjects_erased: int
    started_at: datetime
    finished_at: datetime | None

    @property
    def processed(self) -> int:
        """Records erased or anonymised by the run."""
        return sum(sum(actions.values()) for actions in self.counts.values())


def _view(run: RetentionRun) -> RunView:
    return RunView(
        run.id,
        run.day,
        run.actor,
        run.status,
        {activity: dict(actions) for activity, actions in run.counts.items()},
        dict(run.held),
        run.subjects_erased,
        run.started_at,
        run.finished_at,
    )


def start_run(session: Session, actor: Actor, *, day: date, at: datetime) -> tuple[RunView, bool]:
    """The unfinished run if there is one (and True: it resumes), else a new run as on
    ``day``."""
    require_privacy_staff(actor)
    unfinished = session.execute(
        select(RetentionRun).where(RetentionRun.status == RUNNING).order_by(RetentionRun.id)
    ).scalar()
    if unfinished is not None:
        return _view(unfinished), True
    run = RetentionRun(
        day=day,
        actor=actor.name,
        status=RUNNING,
        counts={},
        held={},
        subjects_erased=0,
        started_at=at,
    )
    session.add(run)
    session.flush()
    return _view(run), False


def plan_work(session: Session, day: date) -> list[Work]:
    """The activities with records due on ``day``, with their cutoffs."""
    stored = require_version(session)
    fiscal_year = stored.register.organisation.fiscal_year_end
    work = []
    for activity in stored.register.activities:
        rule = rule_of(activity)
        if rule is None or not rule.has_period or rule.column is None:
            continue
        events = event_counts(session, activity.id, rule.column)
        cutoffs = due_cutoffs(rule, events, day, fiscal_year)
        if cutoffs:
            due = sum(
                count
                for (event, renewals), count in events.items()
                if event is not None and renewals in cutoffs and event <= cutoffs[renewals]
            )
            work.append(Work(rule, cutoffs, due))
    return work


def _run(session: Session, run_id: int) -> RetentionRun:
    run = session.get(RetentionRun, run_id, with_for_update=True)
    if run is None:
        raise NotFound("no retention run {run}", run=run_id)
    return run


#: Where a run stands in each activity: the id of the last record it handled. Kept by the
#: interface between batches; empty after a restart, which then walks from the start.
Cursor = dict[str, uuid.UUID]
#: The cursor of an activity with nothing left to do in this run: later batches do not ask
#: the database again (on PostgreSQL each such question read the activity's remaining
#: records, and a run asked it of every finished activity at every batch).
_EXHAUSTED = uuid.UUID(int=(1 << 128) - 1)


def _next_batch(
    session: Session, run: RetentionRun, work: list[Work], size: int, cursor: Cursor
) -> tuple[Rule, list[tuple[uuid.UUID, uuid.UUID]]] | None:
    """The next records due (at most ``size``, of one activity), leaving out what holds keep."""
    scope = held_scope(session, run.day)
    for item in work:
        rule = item.rule
        if rule.activity in scope.activities or rule.column is None:
            continue
        if cursor.get(rule.activity) == _EXHAUSTED:
            continue
        records = records_due(
            session,
            rule.activity,
            rule.column,
            item.cutoffs,
            limit=size,
            after=cursor.get(rule.activity),
            skip_subjects=scope.subjects,
            skip_records=scope.records,
        )
        if records:
            return rule, records
        cursor[rule.activity] = _EXHAUSTED
    return None


def shred_batch(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    run_id: int,
    work: list[Work],
    *,
    size: int = BATCH,
    cursor: Cursor | None = None,
) -> int:
    """The first step of a batch, committed on its own before :func:`run_batch`: destroy the
    data keys of the people the batch leaves without a record (on SQLite the key store is
    another file; see :func:`kluis.vault.shred_subject`). How many keys were destroyed."""
    require_privacy_staff(actor)
    batch = _next_batch(
        session, _run(session, run_id), work, size, cursor if cursor is not None else {}
    )
    return shred_orphans(session, keyring, batch[1]) if batch is not None else 0


def run_batch(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    run_id: int,
    work: list[Work],
    *,
    size: int = BATCH,
    cursor: Cursor | None = None,
    at: datetime,
) -> int:
    """Erase or anonymise the next ``size`` due records of one activity, record them in the
    run's counts; how many (0: nothing is left). Run :func:`shred_batch` with the same
    arguments in a transaction of its own first. ``cursor`` moves past the batch."""
    require_privacy_staff(actor)
    run = _run(session, run_id)
    batch = _next_batch(session, run, work, size, cursor if cursor is not None else {})
    if batch is None:
        return 0
    rule, records = batch
    if cursor is not None:
        # A batch that is not full was the activity's last: the next ones skip it.
        cursor[rule.activity] = records[-1][0] if len(records) == size else _EXHAUSTED
    shredded = expire_records(
        session,
        keyring,
        actor,
        records,
        activity=rule.activity,
        anonymise=rule.then is RetentionAction.anonymize,
        reason=f"retention run {run.id}",
        at=at,
    )
    counts = {activity: dict(actions) for activity, actions in run.counts.items()}
    actions = counts.setdefault(rule.activity, {})
    actions[rule.then.value] = actions.get(rule.then.value, 0) + len(records)
    run.counts = counts
    run.subjects_erased += shredded
    session.flush()
    return len(records)


def _held(session: Session, work: list[Work], scope: HeldScope) -> dict[str, int]:
    held = {
        item.rule.activity: held_records(session, item.rule, item.cutoffs, scope) for item in work
    }
    return {activity: count for activity, count in held.items() if count}


def finish_run(
    session: Session, actor: Actor, run_id: int, work: list[Work], *, at: datetime
) -> RunView:
    """Close the run: what holds kept, its end, and an audit entry with its counts."""
    run = _run(session, run_id)
    run.held = _held(session, work, held_scope(session, run.day))
    run.status = DONE
    run.finished_at = at
    session.flush()
    record_event(
        session,
        actor,
        Event(
            "retention_run",
            reason=f"retention run {run.id} as on {run.day.isoformat()}",
            detail={
                "run": run.id,
                "counts": run.counts,
                "held": run.held,
                "subjects_erased": run.subjects_erased,
            },
        ),
        at=at,
    )
    return _view(run)


def list_runs(session: Session, actor: Actor, *, limit: int = 20, offset: int = 0) -> list[RunView]:
    """The latest runs, newest first (``limit`` of them, after skipping ``offset``)."""
    require_privacy_staff(actor)
    query = select(RetentionRun).order_by(RetentionRun.id.desc()).offset(offset).limit(limit)
    return [_view(run) for run in session.execute(query).scalars()]


def get_run(session: Session, actor: Actor, run_id: int) -> RunView:
    """One run; :class:`NotFound` if there is none with that id."""
    require_privacy_staff(actor)
    run = session.get(RetentionRun, run_id)
    if run is None:
        raise NotFound("no retention run {run}", run=run_id)
    return _view(run)


def count_runs(session: Session, actor: Actor) -> int:
    """How many runs were recorded (for paging through :func:`list_runs`)."""
    require_privacy_staff(actor)
    return int(session.execute(select(func.count()).select_from(RetentionRun)).scalar_one())


__all__ = [
    "BATCH",
    "Cursor",
    "RunView",
    "Work",
    "count_runs",
    "finish_run",
    "get_run",
    "list_runs",
    "plan_work",
    "run_batch",
    "shred_batch",
    "start_run",
]
