"""Retention runs: what is due is erased or anonymised, in batches, audited and recorded;
legal holds keep what they cover; a stopped run resumes; a second run finds nothing."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from kluis.audit import verify
from kluis.audit.models import AuditEntry
from kluis.core.clock import FixedClock
from kluis.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from kluis.crypto import LocalKeyProvider
from kluis.retention import (
    RunView,
    count_runs,
    finish_run,
    lift_hold,
    list_holds,
    list_runs,
    plan_work,
    retention_plan,
    run_batch,
    set_hold,
    start_run,
)
from kluis.retention.models import RetentionRun
from kluis.vault import Keyring
from kluis.vault.models import AnonymousRecord, Record, Subject, SubjectKey
from tests.conftest import DPO_ACTOR, RECRUITER
from tests.retention.conftest import AT, Vault


def _count(session: Session, model: type[object]) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def _run_all(
    session: Session, keys: LocalKeyProvider, at: datetime, *, day: date = AT, size: int = 500
) -> tuple[RunView, bool, int]:
    run, resumed = start_run(session, DPO_ACTOR, day=day, at=at)
    work = plan_work(session, run.day)
    batches = 0
    while run_batch(session, Keyring(keys), DPO_ACTOR, run.id, work, size=size, at=at):
        batches += 1
    return finish_run(session, DPO_ACTOR, run.id, work, at=at), resumed, batches


def test_a_run_carries_out_what_is_due(
    session: Session, vault: Vault, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    expired = [vault["candidates"][1], vault["payroll"][0], vault["intake"][0]]
    kept = [w for records in vault.values() for w in records if w not in expired]
    result, resumed, batches = _run_all(session, keys, clock.now(), size=1)
    assert not resumed and batches == 3
    assert result.counts == {
        "candidates": {"erase": 1},
        "payroll": {"erase": 1},
        "intake": {"anonymize": 1},
    }
    assert result.status == "done" and result.finished_at == clock.now()
    # Each person had one record: all three are shredded, keys and all.
    assert result.subjects_erased == 3
    for written in expired:
        assert session.get(Record, written.record_id) is None
        assert session.get(Subject, written.subject_id) is None
        assert session.get(SubjectKey, written.subject_id) is None
    for written in kept:
        assert session.get(Record, written.record_id) is not None
    assert _count(session, AnonymousRecord) == 1
    actions = session.execute(select(AuditEntry.action, AuditEntry.record_id)).all()
    assert {(a, r) for a, r in actions if a.startswith("retention_") and r} == {
        ("retention_erase", vault["candidates"][1].record_id),
        ("retention_erase", vault["payroll"][0].record_id),
        ("retention_anonymise", vault["intake"][0].record_id),
    }
    assert ("retention_run", None) in actions
    assert verify(session).intact
    # Nothing is due any more: a second run changes nothing.
    again, _, batches = _run_all(session, keys, clock.now())
    assert batches == 0 and again.counts == {} and again.id != result.id
    assert retention_plan(session, DPO_ACTOR, at=AT).due == 0


def test_a_stopped_run_resumes_as_on_its_own_day(
    session: Session, vault: Vault, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    run, _ = start_run(session, DPO_ACTOR, day=AT, at=clock.now())
    work = plan_work(session, run.day)
    assert run_batch(session, Keyring(keys), DPO_ACTOR, run.id, work, size=1, at=clock.now())
    # The process stops here; the next run, on a later day, finishes this one first.
    result, resumed, _ = _run_all(session, keys, clock.now(), day=AT + timedelta(days=400))
    assert resumed and result.id == run.id and result.day == AT
    assert sum(result.counts[a][action] for a in result.counts for action in result.counts[a]) == 3
    assert _count(session, RetentionRun) == 1


def test_legal_holds_keep_what_they_cover(
    session: Session, vault: Vault, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    now = clock.now()
    candidate = vault["candidates"][1]
    by_subject = set_hold(
        session, DPO_ACTOR, subject_id=candidate.subject_id, reason="Claim 2026/41", at=now
    )
    set_hold(session, DPO_ACTOR, activity="payroll", reason="Tax audit", until=AT, at=now)
    set_hold(
        session,
        DPO_ACTOR,
        record_id=vault["intake"][0].record_id,
        reason="Expired hold",
        until=now.date(),
        at=now,
    )
    plan = {entry.activity: entry for entry in retention_plan(session, DPO_ACTOR, at=AT).activities}
    assert (plan["candidates"].due, plan["candidates"].held) == (0, 1)
    assert (plan["payroll"].due, plan["payroll"].held) == (0, 1)
    assert (plan["intake"].due, plan["intake"].held) == (1, 0)  # its hold ended before AT
    result, _, _ = _run_all(session, keys, now)
    assert result.counts == {"intake": {"anonymize": 1}}
    assert result.held == {"candidates": 1, "payroll": 1}
    assert session.get(Record, candidate.record_id) is not None
    assert [hold.id for hold in list_holds(session, DPO_ACTOR, active_on=AT)] == [
        2,
        by_subject.id,
    ]
    # Lifted, the hold keeps nothing: the next run erases the candidate.
    lifted = lift_hold(session, DPO_ACTOR, by_subject.id, reason="Claim settled", at=now)
    assert lifted.lifted_by == DPO_ACTOR.name and not lifted.active_on(AT)
    with pytest.raises(Conflict):
        lift_hold(session, DPO_ACTOR, by_subject.id, reason="again", at=now)
    result, _, _ = _run_all(session, keys, now)
    assert result.counts == {"candidates": {"erase": 1}}
    assert session.get(Record, candidate.record_id) is None
    assert [run.id for run in list_runs(session, DPO_ACTOR)] == [result.id, result.id - 1]
    assert [run.id for run in list_runs(session, DPO_ACTOR, limit=1, offset=1)] == [result.id - 1]
    assert count_runs(session, DPO_ACTOR) == 2
    with pytest.raises(NotAllowed):
        count_runs(session, RECRUITER)
    audited = session.execute(
        select(AuditEntry.action).where(AuditEntry.action.in_(["hold_set", "hold_lift"]))
    ).scalars()
    assert sorted(audited) == ["hold_lift", "hold_set", "hold_set", "hold_set"]


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ({"reason": "x"}, InvalidInput),
        ({"activity": "payroll", "subject_id": "s", "reason": "x"}, InvalidInput),
        ({"activity": "payroll", "reason": "  "}, InvalidInput),
        ({"activity": "payroll", "reason": "x", "until": date(2020, 1, 1)}, InvalidInput),
        ({"activity": "nope", "reason": "x"}, NotFound),
    ],
)
def test_a_hold_says_what_and_why(
    session: Session,
    vault: Vault,
    clock: FixedClock,
    given: dict[str, object],
    error: type[Exception],
) -> None:
    if given.get("subject_id") == "s":
        given = {**given, "subject_id": vault["payroll"][0].subject_id}
    with pytest.raises(error):
        set_hold(session, DPO_ACTOR, at=clock.now(), **given)  # type: ignore[arg-type]


def test_only_the_dpo_or_an_administrator_runs_or_holds(
    session: Session, vault: Vault, clock: FixedClock
) -> None:
    with pytest.raises(NotAllowed):
        start_run(session, RECRUITER, day=AT, at=clock.now())
    with pytest.raises(NotAllowed):
        set_hold(session, RECRUITER, activity="payroll", reason="x", at=clock.now())


def test_a_finished_activity_is_not_asked_again(
    session: Session, vault: Vault, keys: LocalKeyProvider, clock: FixedClock
) -> None:
    asked: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.startswith("SELECT record.id, record.subject_id") and "ORDER BY" in statement:
            asked.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        run, _ = start_run(session, DPO_ACTOR, day=AT, at=clock.now())
        work = plan_work(session, run.day)
        cursor: dict[str, uuid.UUID] = {}
        done = 0
        while count_done := run_batch(
            session, Keyring(keys), DPO_ACTOR, run.id, work, size=1, cursor=cursor, at=clock.now()
        ):
            done += count_done
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # Three activities with one due record each, in batches of one: each activity is asked
    # for its batch and once more to find it finished, never again in later batches.
    assert done == 3
    assert len(asked) == 2 * len(work)
