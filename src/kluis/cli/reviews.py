"""``kluis retention reviews`` and ``kluis retention review``: the records an activity's
``review:`` says to look at again, and the decision on each (kept, or erased as the rule
says). For the DPO or an administrator; counts, ids and dates only."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

import typer
from rich.table import Table

from kluis.cli.console import domain_errors, fail, language, out, say, t
from kluis.cli.context import command_unit, open_context
from kluis.cli.options import FormatOpt, LangOpt, OutputFormat, parse_day
from kluis.i18n import N_
from kluis.retention import Decision, review_records, reviews_due, shred_before_review
from kluis.storage import checkpoint


def reviews(
    activity: Annotated[
        str | None, typer.Option("--activity", help=N_("Only the records of this activity."))
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help=N_("At most this many."))] = 100,
    at: Annotated[
        str | None, typer.Option("--at", help=N_("As on this ISO date (default: today)."))
    ] = None,
    fmt: FormatOpt = OutputFormat.text,
    lang: LangOpt = None,
) -> None:
    """List the records due for review: collected, or last reviewed, longer ago than their
    activity's ``review``."""
    messages = language(lang)
    with command_unit(messages) as (context, session, actor):
        day = parse_day(at, messages) or context.clock.now().date()
        found = reviews_due(session, actor, at=day, activity=activity, limit=limit)
    if fmt is OutputFormat.json:
        out().print_json(
            json.dumps(
                [
                    {
                        "record": str(item.record_id),
                        "subject": str(item.subject_id),
                        "activity": item.activity,
                        "since": item.since.isoformat(),
                        "due": item.due.isoformat(),
                    }
                    for item in found
                ]
            )
        )
        return
    table = Table(title=t(messages, N_("Records due for review")))
    for title in (N_("Due"), N_("Activity"), N_("Record"), N_("Subject")):
        table.add_column(t(messages, title), no_wrap=True)
    for item in found:
        table.add_row(
            item.due.isoformat(), item.activity, str(item.record_id), str(item.subject_id)
        )
    out().print(table)


def review(
    records: Annotated[list[str], typer.Argument(help=N_("The records reviewed."))],
    keep: Annotated[
        bool, typer.Option("--keep", help=N_("Still needed: keep them until the next review."))
    ] = False,
    erase: Annotated[
        bool,
        typer.Option(
            "--erase",
            help=N_("No longer needed: erase them (or anonymise, as the activity's rule says)."),
        ),
    ] = False,
    reason: Annotated[
        str, typer.Option("--reason", help=N_("Why they are still needed, or not."))
    ] = "",
    lang: LangOpt = None,
) -> None:
    """Record the review of records: kept until the next review, or erased."""
    messages = language(lang)
    if keep == erase:
        fail(messages, N_("give exactly one of --keep or --erase"), 2)
    decision = Decision.keep if keep else Decision.erase
    ids: list[uuid.UUID] = []
    for value in records:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            fail(messages, N_("'{value}' is not a record id"), 2, value=value)
    context = open_context()
    with context, domain_errors(messages):
        # The keys of people left with nothing go first, committed on their own.
        with context.unit() as (session, actor):
            shred_before_review(session, context.keyring(), actor, ids, decision=decision)
        with context.unit() as (session, actor):
            done = review_records(
                session,
                context.keyring(),
                actor,
                ids,
                decision=decision,
                reason=reason,
                at=context.clock.now(),
            )
        checkpoint(context.engine)
    say(
        out(),
        t(
            messages,
            N_(
                "Reviewed: {kept} kept until their next review, {erased} erased, {anonymised} anonymised."
            ),
            kept=len(done.kept),
            erased=len(done.erased),
            anonymised=len(done.anonymised),
        ),
    )


def add_to(group: typer.Typer, lang: str) -> None:
    """Add the review commands to the ``retention`` group, with help texts in ``lang``."""
    group.command(
        "reviews", help=t(lang, N_("List the records due for review, by their activity's review."))
    )(reviews)
    group.command(
        "review",
        help=t(lang, N_("Record a review: the records are kept until the next, or erased.")),
    )(review)
