"""``kluis retention plan``: what retention erases or anonymises, when, activity by activity
(the DPO or an administrator; counts only, no personal data)."""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from kluis.cli.console import domain_errors, fail, language, out, say, t
from kluis.cli.context import open_context
from kluis.documents import describe_retention
from kluis.i18n import N_
from kluis.retention import ActivityPlan, RetentionPlan, retention_plan

#: Months shown one by one in the text plan; later ones are summed.
_MONTHS_SHOWN = 12

LangOpt = Annotated[
    str | None, typer.Option("--lang", help=N_("Language of messages: nl, en or fr."))
]


class OutputFormat(StrEnum):
    """How results are written."""

    text = "text"
    json = "json"


def _day(value: str | None, messages: str, today: date) -> date:
    if value is None:
        return today
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(messages, N_("'{value}' is not an ISO date such as 2026-01-31"), 2, value=value)


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
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help=N_("Output format."))
    ] = OutputFormat.text,
    lang: LangOpt = None,
) -> None:
    """Show what retention erases or anonymises, when, per activity, and what it keeps."""
    messages = language(lang)
    context = open_context()
    with context, domain_errors(messages), context.unit() as (session, actor):
        day = _day(at, messages, context.clock.now().date())
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
    app.add_typer(group, name="retention")
