"""The kinds of job: the retention run (as ``kluis retention run`` does it, with progress),
deadline reminders and the dashboard's figures; the daily jobs queued once a day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from kluis.config import Smtp
from kluis.core.clock import FixedClock
from kluis.crypto import LocalKeyProvider
from kluis.jobs import (
    DASHBOARD_FIGURES,
    DEADLINE_REMINDERS,
    DONE,
    HOUSEKEEPING,
    QUEUED,
    RETENTION_RUN,
    RUNNING,
    Reminder,
    Worker,
    deadline_reminders,
    get_job,
    latest_result,
    list_jobs,
    mail_sender,
    queue,
)
from kluis.mail import Mailer
from kluis.retention import list_runs
from kluis.storage import transaction
from kluis.subject_requests import Channel, Kind, file_request
from kluis.users.auth import authenticate, session_for, set_password, start_session
from kluis.users.models import LoginFailure, User
from kluis.vault import Keyring
from kluis.vault.models import Record
from tests.conftest import ADMIN_ACTOR, DPO_ACTOR
from tests.jobs.conftest import Vault
from tests.smtp import SmtpServer, free_port, smtp  # noqa: F401


def _records(engine: Engine) -> set[object]:
    with transaction(engine) as session:
        return set(session.execute(select(Record.id)).scalars())


def test_the_retention_job_erases_what_is_due_and_records_progress(
    engine: Engine, worker: Worker, vault: Vault, clock: FixedClock
) -> None:
    with transaction(engine) as session:
        job = queue(session, RETENTION_RUN, "2026-11-22", due_at=clock.now())
    assert worker.run_due() == 1
    with transaction(engine) as session:
        done = get_job(session, job.id)
        runs = list_runs(session, DPO_ACTOR)
    assert done.status == DONE and done.done == 5 and done.total == 5 and done.percent == 100
    assert done.result is not None
    assert done.result["processed"] == 5 and done.result["subjects_erased"] == 5
    assert done.result["runs"][0]["counts"] == {"candidates": {"erase": 5}}
    remaining = _records(engine)
    assert all(written.record_id not in remaining for written in vault.due)
    assert all(written.record_id in remaining for written in vault.kept)
    assert len(runs) == 1 and runs[0].actor == "kluis:retention" and runs[0].status == "done"


def test_a_retention_job_taken_over_is_finished_once(
    engine: Engine, keys: LocalKeyProvider, clock: FixedClock, vault: Vault
) -> None:
    first = Worker(engine, lambda: Keyring(keys), clock, owner="first", batch=2)
    second = Worker(engine, lambda: Keyring(keys), clock, owner="second", batch=2)
    with transaction(engine) as session:
        queue(session, RETENTION_RUN, "2026-11-22", due_at=clock.now())
    job = first.claim()
    assert job is not None and second.claim() is None
    # The first process hangs; six minutes later the second takes the job over.
    clock.moment += timedelta(minutes=6)
    taken = second.claim()
    assert taken is not None and taken.id == job.id
    first.run(job)  # notices at its first step that the job is no longer its own
    with transaction(engine) as session:
        assert get_job(session, job.id).status == RUNNING
    second.run(taken)
    with transaction(engine) as session:
        finished = get_job(session, job.id)
        runs = list_runs(session, DPO_ACTOR)
    assert finished.status == DONE and finished.claimed_by == "second"
    assert len(runs) == 1 and runs[0].processed == 5
    assert not {written.record_id for written in vault.due} & _records(engine)


def test_a_failing_job_records_an_error_without_personal_data(
    engine: Engine, worker: Worker, clock: FixedClock
) -> None:
    # No register applied: the run cannot start.
    with transaction(engine) as session:
        job = queue(session, RETENTION_RUN, "2026-11-22", due_at=clock.now())
    worker.run_due(limit=1)
    with transaction(engine) as session:
        failed = get_job(session, job.id)
    assert failed.status == QUEUED and failed.attempts == 1
    assert failed.error is not None and "no register has been applied" in failed.error


def _request(engine: Engine, keys: LocalKeyProvider, received: datetime, now: datetime) -> int:
    with transaction(engine) as session:
        view = file_request(
            session,
            Keyring(keys),
            DPO_ACTOR,
            kind=Kind.access,
            channel=Channel.email,
            language="nl",
            identifiers={},
            received_at=received,
            at=now,
        )
    return view.id


def test_deadline_reminders_list_requests_due_within_a_week_or_overdue(
    engine: Engine, keys: LocalKeyProvider, clock: FixedClock, applied: None, cheap_hashes: None
) -> None:
    now = clock.now()
    overdue = _request(engine, keys, datetime(2026, 10, 1, 9, tzinfo=UTC), now)
    soon = _request(engine, keys, datetime(2026, 10, 25, 9, tzinfo=UTC), now)
    _request(engine, keys, datetime(2026, 11, 20, 9, tzinfo=UTC), now)  # due 20 December
    with transaction(engine) as session:
        set_password(
            session,
            "dora",
            "correct horse battery staple",
            actor=ADMIN_ACTOR,
            at=now,
            email="dora@example.be",
        )
        set_password(
            session,
            "rik",
            "correct horse battery staple",
            actor=ADMIN_ACTOR,
            at=now,
            email="rik@example.be",
        )
        reminders = deadline_reminders(session, today=now.date())
    assert [(r.email, r.name) for r in reminders] == [
        ("dora@example.be", "dora"),
        ("privacy@example.be", "Privacy Coordinator"),
    ]
    assert [request.id for request in reminders[0].requests] == [overdue, soon]
    assert reminders[0].requests[0].overdue and not reminders[0].requests[1].overdue


def test_no_reminder_without_a_request_due(
    engine: Engine, clock: FixedClock, applied: None
) -> None:
    with transaction(engine) as session:
        assert deadline_reminders(session, today=clock.now().date()) == []


def test_the_reminder_job_hands_the_reminders_to_send(
    engine: Engine, keys: LocalKeyProvider, clock: FixedClock, applied: None
) -> None:
    _request(engine, keys, datetime(2026, 10, 1, 9, tzinfo=UTC), clock.now())
    handed: list[Reminder] = []

    def send(reminders: Sequence[Reminder]) -> int:
        handed.extend(reminders)
        return len(reminders)

    worker = Worker(engine, lambda: Keyring(keys), clock, owner="w", send=send)
    with transaction(engine) as session:
        job = queue(session, DEADLINE_REMINDERS, "2026-11-22", due_at=clock.now())
    worker.run_due()
    with transaction(engine) as session:
        done = get_job(session, job.id)
    assert [reminder.email for reminder in handed] == ["privacy@example.be"]
    assert done.result == {"reminders": 1, "requests": 1, "sent": 1, "mail": True}


def test_the_figures_job_counts_what_the_dashboard_shows(
    engine: Engine, worker: Worker, vault: Vault, clock: FixedClock
) -> None:
    with transaction(engine) as session:
        queue(session, DASHBOARD_FIGURES, "refresh", due_at=clock.now())
    worker.run_due()
    with transaction(engine) as session:
        latest = latest_result(session, DASHBOARD_FIGURES)
    assert latest is not None and latest.result is not None
    figures = latest.result
    assert figures["records"] == 7
    assert figures["retention_due_now"] == 5 and figures["retention_due_this_month"] == 5
    assert figures["consent_withdrawals"] == 0 and figures["suppressed"] == 0
    assert set(figures["findings"]) == {"error", "warning", "info"}


def test_the_daily_jobs_are_queued_once_a_day(
    engine: Engine, worker: Worker, clock: FixedClock
) -> None:
    first = worker.queue_daily()
    again = worker.queue_daily()
    assert [job.id for job in again] == [job.id for job in first]
    assert {job.kind for job in first} == {
        RETENTION_RUN,
        DEADLINE_REMINDERS,
        DASHBOARD_FIGURES,
        HOUSEKEEPING,
    }
    assert all(job.slot == "2026-11-22" for job in first)
    assert all(job.due_at == datetime(2026, 11, 22, 1, tzinfo=UTC) for job in first)
    clock.moment += timedelta(days=1)
    worker.queue_daily()
    with transaction(engine) as session:
        assert list_jobs(session)[1] == 8


def test_reminders_are_mailed_through_the_mailer(
    engine: Engine, keys: LocalKeyProvider, clock: FixedClock, applied: None, smtp: SmtpServer
) -> None:
    overdue = _request(engine, keys, datetime(2026, 10, 1, 9, tzinfo=UTC), clock.now())
    mailer = Mailer(smtp.settings)
    with transaction(engine) as session:
        reminders = deadline_reminders(session, today=clock.now().date())
    sent = mail_sender(mailer, link="https://kluis.example.be/requests")(reminders)
    assert sent == 1
    assert [to for to, _message in smtp.inbox.messages] == [["privacy@example.be"]]
    text = smtp.inbox.text()
    assert f"{overdue}" in text and "https://kluis.example.be/requests" in text


def test_housekeeping_forgets_what_has_served_its_purpose(
    engine: Engine, worker: Worker, clock: FixedClock, applied: None
) -> None:
    with transaction(engine) as session:
        set_password(session, "dora", "a long enough password", actor=DPO_ACTOR, at=clock.now())
        user = session.execute(select(User).where(User.name == "dora")).scalar_one()
        start_session(session, user, at=clock.now() - timedelta(days=1), verified=True)
        kept = start_session(session, user, at=clock.now(), verified=True)
        authenticate(session, "dora", "wrong", address="a", at=clock.now() - timedelta(hours=1))
        authenticate(session, "dora", "wrong", address="a", at=clock.now())
        queue(session, HOUSEKEEPING, "now", due_at=clock.now())
    worker.run_due()
    with transaction(engine) as session:
        latest = latest_result(session, HOUSEKEEPING)
        assert session_for(session, kept, at=clock.now()) is not None
        assert len(session.execute(select(LoginFailure)).all()) == 1
    assert latest is not None and latest.result is not None
    assert latest.result["sessions"] == 1 and latest.result["failed_sign_ins"] == 1


def test_a_reminder_the_server_refuses_is_counted_not_sent_again(
    engine: Engine,
    keys: LocalKeyProvider,
    clock: FixedClock,
    applied: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _request(engine, keys, datetime(2026, 10, 1, 9, tzinfo=UTC), clock.now())
    with transaction(engine) as session:
        reminders = deadline_reminders(session, today=clock.now().date())
    nowhere = Smtp(host="127.0.0.1", port=free_port(), security="none", sender="p@example.be")
    sent = mail_sender(Mailer(nowhere, timeout=2), link="https://k/requests")(reminders)
    assert reminders and sent == 0
    refused = [r.getMessage() for r in caplog.records if "reminder could not" in r.getMessage()]
    assert len(refused) == len(reminders)
    assert not any("@" in message for message in refused)
