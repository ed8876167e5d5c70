"""``kluis retention``: the plan (what retention erases or anonymises, when, activity by
activity: counts only, no personal data), runs that carry it out, and legal holds. For the
DPO or an administrator."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Annotated, Final

import typer
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.orm import Session

from kluis.cli import reviews
from kluis.cli.console import domain_errors, err, fail, language, out, say, t
from kluis.cli.console import progress as console_progress
from kluis.cli.context import command_unit, open_context
from kluis.cli.options import FormatOpt, LangOpt, OutputFormat, parse_day
from kluis.documents import describe_retention
from kluis.i18n import N_
from kluis.retention import (
    BATCH,
    NOTICE_DAYS,
    ActivityPlan,
    Cursor,
    RetentionPlan,
    RunView,
    finish_run,
    lift_hold,
    list_holds,
    list_runs,
    plan_work,
    renew,
    renewals_due,
    retention_plan,
    run_batch,
    set_hold,
    shred_batch,
    start_run,
)
from kluis.storage import checkpoint

#: Months shown one by one in the text plan; later ones are summed.
_MONTHS_SHOWN = 12
#: On SQLite, the run's page cache in KiB and how many pages the write-ahead log may grow to
#: before a commit folds it into the database file, as for an import (``kluis import``):
#: a batch changes index pages all over the file, and the default (a checkpoint every
#: 1,000 pages) writes the same pages again and again. The log is emptied at the end.
_SQLITE_CACHE_KIB: Final = 262_144
_SQLITE_CHECKPOINT_PAGES: Final = 25_000


def _tune(session: Session) -> None:
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}"))
        session.execute(text(f"PRAGMA wal_autocheckpoint={_SQLITE_CHECKPOINT_PAGES}"))


def _json(plan: RetentionPlan) -> str:
    return json.dumps(
        {
            "at": plan.at.isoformat(),
            "fiscal_year_end": plan.fiscal_year_end,
            "due": plan.due,
            "activities": [
                {
                    "activity": entry.activity,
                    "action": entry.action.value if entry.action else None,
                    "keep": str(entry.rule.keep) if entry.rule and entry.rule.keep else None,
                    "after": entry.rule.after.value if entry.rule and entry.rule.after else None,
                    "review": str(entry.rule.review) if entry.rule and entry.rule.review else None,
                    "legal_obligation": bool(entry.rule and entry.rule.legal_obligation),
                    "records": entry.records,
                    "due": entry.due,
                    "scheduled": [
                        {"month": month.strftime("%Y-%m"), "records": count}
                        for month, count in entry.schedule.items()
                    ],
                    "next_due": entry.next_due.isoformat() if entry.next_due else None,
                    "last_due": entry.last_due.isoformat() if entry.last_due else None,
                    "no_due_date": entry.open,
                    "review_only": entry.review_only,
                    "review_due": entry.review_due,
                    "kept_by_law": entry.held_by_law,
                }
                for entry in plan.activities
            ],
        }
    )


def _action(entry: ActivityPlan, messages: str) -> str:
    if entry.rule is None or not entry.rule.has_period:
        return "-"
    if entry.action is not None and entry.action.value == "anonymize":
        return t(messages, N_("anonymise"))
    return t(messages, N_("erase"))


def _summary(plan: RetentionPlan, messages: str) -> Table:
    table = Table(
        title=t(
            messages,
            N_("Retention plan as on {day} (fiscal year ends {fiscal_year})"),
            day=plan.at.isoformat(),
            fiscal_year=plan.fiscal_year_end,
        )
    )
    table.add_column(t(messages, N_("Activity")), no_wrap=True)
    table.add_column(t(messages, N_("Records")), justify="right")
    table.add_column(t(messages, N_("Due now")), justify="right")
    table.add_column(t(messages, N_("Then")), no_wrap=True)
    table.add_column(t(messages, N_("Next due")), no_wrap=True)
    table.add_column(t(messages, N_("No due date yet")), justify="right")
    table.add_column(t(messages, N_("Kept by law")), justify="right")
    for entry in plan.activities:
        table.add_row(
            entry.activity,
            str(entry.records),
            str(entry.due),
            _action(entry, messages),
            entry.next_due.isoformat() if entry.next_due else "-",
            str(entry.open + entry.review_only),
            str(entry.held_by_law),
        )
    return table


def _schedule(plan: RetentionPlan, messages: str) -> Table | None:
    months = sorted({month for entry in plan.activities for month in entry.schedule})
    if not months:
        return None
    shown = months[:_MONTHS_SHOWN]
    table = Table(title=t(messages, N_("Records falling due, by month")))
    table.add_column(t(messages, N_("Activity")), no_wrap=True)
    for month in shown:
        table.add_column(month.strftime("%Y-%m"), justify="right")
    table.add_column(t(messages, N_("Later")), justify="right")
    for entry in plan.activities:
        if not entry.schedule:
            continue
        later = sum(count for month, count in entry.schedule.items() if month not in shown)
        table.add_row(
            entry.activity,
            *(str(entry.schedule.get(month, 0)) for month in shown),
            str(later),
        )
    return table


def plan(
    at: Annotated[
        str | None,
        typer.Option("--at", help=N_("Plan as on this ISO date (default: today).")),
    ] = None,
    fmt: FormatOpt = OutputFormat.text,
    lang: LangOpt = None,
) -> None:
    """Show what retention erases or anonymises, when, per activity, and what it keeps."""
    messages = language(lang)
    with command_unit(messages) as (context, session, actor):
        day = parse_day(at, messages) or context.clock.now().date()
        result = retention_plan(session, actor, at=day)
    if fmt is OutputFormat.json:
        out().print_json(_json(result))
        return
    out().print(_summary(result, messages))
    schedule = _schedule(result, messages)
    if schedule is not None:
        out().print(schedule)
    for entry in result.activities:
        retention = entry.rule.retention if entry.rule else None
        rule = describe_retention(messages, retention, country=result.country)
        say(out(), f"{entry.activity}: {rule}")
    say(
        out(),
        t(
            messages,
            N_("{count} record(s) are due now: the next retention run erases or anonymises them."),
            count=result.due,
        ),
    )


def _counts_text(run: RunView, messages: str) -> str:
    parts = [
        f"{activity} {t(messages, N_('anonymised') if action == 'anonymize' else N_('erased'))} "
        f"{count}"
        for activity, actions in sorted(run.counts.items())
        for action, count in sorted(actions.items())
    ]
    return ", ".join(parts) or t(messages, N_("nothing was due"))


def _run_json(run: RunView) -> dict[str, object]:
    return {
        "run": run.id,
        "day": run.day.isoformat(),
        "actor": run.actor,
        "status": run.status,
        "counts": run.counts,
        "held": run.held,
        "subjects_erased": run.subjects_erased,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def run(
    at: Annotated[
        str | None,
        typer.Option("--at", help=N_("Carry out retention as on this ISO date (default: today).")),
    ] = None,
    batch: Annotated[
        int,
        typer.Option("--batch", min=1, help=N_("Records erased or anonymised per transaction.")),
    ] = BATCH,
    fmt: FormatOpt = OutputFormat.text,
    lang: LangOpt = None,
) -> None:
    """Erase or anonymise every record whose retention period has ended; resumable."""
    messages = language(lang)
    context = open_context()
    done: list[RunView] = []
    with context, domain_errors(messages):
        day = parse_day(at, messages) or context.clock.now().date()
        while True:
            with context.unit() as (session, actor):
                started, resumed = start_run(session, actor, day=day, at=context.clock.now())
                work = plan_work(session, started.day)
            total = sum(item.due for item in work)
            if resumed and fmt is OutputFormat.text:
                say(
                    err(),
                    t(
                        messages,
                        N_("Resuming retention run {run} as on {day}."),
                        run=started.id,
                        day=started.day.isoformat(),
                    ),
                )
            cursor: Cursor = {}
            with console_progress(enabled=fmt is OutputFormat.text) as progress:
                task = progress.add_task(t(messages, N_("Erasing and anonymising")), total=total)
                while True:
                    # The batch's data keys first, committed on their own: a key never
                    # outlives its data, whatever stops the run.
                    with context.unit() as (session, actor):
                        _tune(session)
                        shred_batch(
                            session,
                            context.keyring(),
                            actor,
                            started.id,
                            work,
                            size=batch,
                            cursor=cursor,
                        )
                    with context.unit() as (session, actor):
                        count = run_batch(
                            session,
                            context.keyring(),
                            actor,
                            started.id,
                            work,
                            size=batch,
                            cursor=cursor,
                            at=context.clock.now(),
                        )
                    if not count:
                        break
                    progress.advance(task, count)
            with context.unit() as (session, actor):
                done.append(finish_run(session, actor, started.id, work, at=context.clock.now()))
            if started.day >= day:
                break
        checkpoint(context.engine)
    if fmt is OutputFormat.json:
        out().print_json(json.dumps([_run_json(item) for item in done]))
        return
    for item in done:
        say(
            out(),
            t(
                messages,
                N_(
                    "Retention run {run} as on {day}: {counts}; {subjects} person(s) erased entirely."
                ),
                run=item.id,
                day=item.day.isoformat(),
                counts=_counts_text(item, messages),
                subjects=item.subjects_erased,
            ),
        )
        for activity, count in sorted(item.held.items()):
            say(
                out(),
                t(
                    messages,
                    N_("{activity}: {count} record(s) due but kept by a legal hold."),
                    activity=activity,
                    count=count,
                ),
            )


def runs(
    fmt: FormatOpt = OutputFormat.text,
    lang: LangOpt = None,
) -> None:
    """List the latest retention runs: when, as on which day, what they erased."""
    messages = language(lang)
    with command_unit(messages) as (_context, session, actor):
        found = list_runs(session, actor)
    if fmt is OutputFormat.json:
        out().print_json(json.dumps([_run_json(item) for item in found]))
        return
    table = Table(title=t(messages, N_("Retention runs")))
    for heading in (N_("Run"), N_("As on"), N_("By"), N_("Started"), N_("State"), N_("Done")):
        table.add_column(t(messages, heading))
    for item in found:
        table.add_row(
            str(item.id),
            item.day.isoformat(),
            item.actor,
            item.started_at.isoformat(timespec="seconds"),
            t(messages, N_("finished")) if item.status == "done" else t(messages, N_("unfinished")),
            _counts_text(item, messages),
        )
    out().print(table)


def _uuid(value: str | None, messages: str, option: str) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        fail(
            messages,
            N_("{option} takes an id such as {example}"),
            2,
            option=option,
            example=str(uuid.UUID(int=0)),
        )


def hold_set(
    subject: Annotated[
        str | None, typer.Option("--subject", help=N_("Hold every record of this subject."))
    ] = None,
    record: Annotated[str | None, typer.Option("--record", help=N_("Hold this record."))] = None,
    activity: Annotated[
        str | None, typer.Option("--activity", help=N_("Hold every record of this activity."))
    ] = None,
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            help=N_("Why: a case or file number, an audit (never a name: the audit log keeps it)."),
        ),
    ] = "",
    until: Annotated[
        str | None, typer.Option("--until", help=N_("The last day the hold lasts (ISO date)."))
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Put a subject, a record or an activity under a legal hold: retention keeps it."""
    messages = language(lang)
    with command_unit(messages) as (context, session, actor):
        last_day = parse_day(until, messages)
        hold = set_hold(
            session,
            actor,
            subject_id=_uuid(subject, messages, "--subject"),
            record_id=_uuid(record, messages, "--record"),
            activity=activity,
            reason=reason,
            until=last_day,
            at=context.clock.now(),
        )
    say(out(), t(messages, N_("Legal hold {hold} set."), hold=hold.id))


def hold_lift(
    hold: Annotated[int, typer.Argument(help=N_("The number of the hold."))],
    reason: Annotated[str, typer.Option("--reason", help=N_("Why the hold ends."))] = "",
    lang: LangOpt = None,
) -> None:
    """Lift a legal hold: retention applies again to what it covered."""
    messages = language(lang)
    with command_unit(messages) as (context, session, actor):
        lift_hold(session, actor, hold, reason=reason, at=context.clock.now())
    say(out(), t(messages, N_("Legal hold {hold} lifted."), hold=hold))


def hold_list(
    active: Annotated[
        bool, typer.Option("--active", help=N_("Only the holds in force today."))
    ] = False,
    fmt: FormatOpt = OutputFormat.text,
    lang: LangOpt = None,
) -> None:
    """List the legal holds."""
    messages = language(lang)
    with command_unit(messages) as (context, session, actor):
        today = context.clock.now().date()
        found = list_holds(session, actor, active_on=today if active else None)
    if fmt is OutputFormat.json:
        out().print_json(
            json.dumps(
                [
                    {
                        "hold": hold.id,
                        "scope": hold.scope,
                        "target": hold.target,
                        "reason": hold.reason,
                        "until": hold.until.isoformat() if hold.until else None,
                        "set_by": hold.set_by,
                        "set_at": hold.set_at.isoformat(),
                        "lifted_by": hold.lifted_by,
                        "lifted_at": hold.lifted_at.isoformat() if hold.lifted_at else None,
                        "active": hold.active_on(today),
                    }
                    for hold in found
                ]
            )
        )
        return
    table = Table(title=t(messages, N_("Legal holds")))
    for heading in (N_("Hold"), N_("Covers"), N_("Reason"), N_("Until"), N_("Set by"), N_("State")):
        table.add_column(t(messages, heading))
    scopes = {"subject": N_("subject"), "record": N_("record"), "activity": N_("activity")}
    for hold in found:
        table.add_row(
            str(hold.id),
            f"{t(messages, scopes[hold.scope])} {hold.target}",
            hold.reason,
            hold.until.isoformat() if hold.until else "-",
            hold.set_by,
            t(messages, N_("in force")) if hold.active_on(today) else t(messages, N_("ended")),
        )
    out().print(table)


def renewals(
    within: Annotated[
        int,
        typer.Option("--within", min=1, help=N_("Days before the end of a period to ask.")),
    ] = NOTICE_DAYS,
    at: Annotated[
        str | None, typer.Option("--at", help=N_("As on this ISO date (default: today)."))
    ] = None,
    fmt: FormatOpt = OutputFormat.text,
    lang: LangOpt = None,
) -> None:
    """List the records whose period ends soon and can be renewed: the people to ask."""
    messages = language(lang)
    with command_unit(messages) as (context, session, actor):
        day = parse_day(at, messages) or context.clock.now().date()
        found = renewals_due(session, actor, at=day, within=within)
    if fmt is OutputFormat.json:
        out().print_json(
            json.dumps(
                [
                    {
                        "record": str(item.record_id),
                        "subject": str(item.subject_id),
                        "activity": item.activity,
                        "due": item.due.isoformat(),
                        "renewals": item.renewals,
                    }
                    for item in found
                ]
            )
        )
        return
    table = Table(title=t(messages, N_("Periods ending within {days} days"), days=within))
    table.add_column(t(messages, N_("Due")), no_wrap=True)
    table.add_column(t(messages, N_("Activity")), no_wrap=True)
    table.add_column(t(messages, N_("Record")), no_wrap=True)
    table.add_column(t(messages, N_("Subject")), no_wrap=True)
    table.add_column(t(messages, N_("Renewals")), justify="right")
    for item in found:
        table.add_row(
            item.due.isoformat(),
            item.activity,
            str(item.record_id),
            str(item.subject_id),
            str(item.renewals),
        )
    out().print(table)


def renew_command(
    record: Annotated[str, typer.Argument(help=N_("The record to renew."))],
    reason: Annotated[
        str, typer.Option("--reason", help=N_("When and how the person agreed."))
    ] = "",
    lang: LangOpt = None,
) -> None:
    """Extend a record's retention period by the activity's renewal, after asking the person."""
    messages = language(lang)
    context = open_context()
    record_id = _uuid(record, messages, "RECORD")
    assert record_id is not None
    with context, domain_errors(messages), context.unit() as (session, actor):
        done = renew(session, actor, record_id, reason=reason, at=context.clock.now())
    say(
        out(),
        t(
            messages,
            N_("Record {record} renewed ({count} renewal(s)); it is now kept until {due}."),
            record=str(done.record_id),
            count=done.renewals,
            due=(done.due - timedelta(days=1)).isoformat(),
        ),
    )


def add_to(app: typer.Typer, lang: str) -> None:
    """Add the ``retention`` commands to ``app``, with help texts in ``lang``."""
    group = typer.Typer(
        help=t(lang, N_("Retention: what is due to be erased or anonymised, and when.")),
        no_args_is_help=True,
    )
    group.command(
        "plan",
        help=t(
            lang,
            N_("Show what retention erases or anonymises, when, per activity, and what it keeps."),
        ),
    )(plan)
    group.command(
        "run",
        help=t(
            lang, N_("Erase or anonymise every record whose retention period has ended; resumable.")
        ),
    )(run)
    group.command(
        "runs",
        help=t(
            lang, N_("List the latest retention runs: when, as on which day, what they erased.")
        ),
    )(runs)
    group.command(
        "renewals",
        help=t(
            lang,
            N_("List the records whose period ends soon and can be renewed: the people to ask."),
        ),
    )(renewals)
    group.command(
        "renew",
        help=t(
            lang,
            N_(
                "Extend a record's retention period by the activity's renewal, after asking the person."
            ),
        ),
    )(renew_command)
    reviews.add_to(group, lang)
    holds = typer.Typer(
        help=t(lang, N_("Legal holds: records retention must keep.")), no_args_is_help=True
    )
    holds.command(
        "set",
        help=t(
            lang,
            N_("Put a subject, a record or an activity under a legal hold: retention keeps it."),
        ),
    )(hold_set)
    holds.command(
        "lift",
        help=t(lang, N_("Lift a legal hold: retention applies again to what it covered.")),
    )(hold_lift)
    holds.command("list", help=t(lang, N_("List the legal holds.")))(hold_list)
    group.add_typer(holds, name="hold")
    app.add_typer(group, name="retention")
