"""``kluis subject``: find a person by an identifier, show their records (audited, as the
acting user), erase them (the DPO only)."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Final

import typer
from rich.markup import escape
from rich.table import Table

from kluis.cli.console import domain_errors, fail, language, out, t
from kluis.cli.context import command_unit, open_context
from kluis.cli.options import FormatOpt, LangOpt, OutputFormat
from kluis.i18n import N_
from kluis.storage import checkpoint
from kluis.vault import (
    AccessDenied,
    ValueKind,
    erase_subject,
    find_subjects,
    record_refused_read,
    show_subject,
    shred_subject,
)

_EXAMPLE_ID: Final = "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b"


def subject_id_of(raw: str, messages: str) -> uuid.UUID:
    """The subject id given on the command line; exits with a clear message if it is none."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        fail(
            messages,
            N_("the subject id given is not one: ids look like {example}"),
            2,
            example=_EXAMPLE_ID,
        )


def find(
    email: Annotated[str | None, typer.Option("--email", help=N_("An e-mail address."))] = None,
    phone: Annotated[str | None, typer.Option("--phone", help=N_("A telephone number."))] = None,
    national_number: Annotated[
        str | None,
        typer.Option("--national-number", help=N_("A national number (rijksregisternummer, BSN).")),
    ] = None,
    fmt: FormatOpt = OutputFormat.text,
    lang: LangOpt = None,
) -> None:
    """Find data subjects by e-mail, phone or national number."""
    messages = language(lang)
    given = [
        (kind, value)
        for kind, value in (
            (ValueKind.email, email),
            (ValueKind.phone, phone),
            (ValueKind.national_number, national_number),
        )
        if value
    ]
    if len(given) != 1:
        fail(messages, N_("give exactly one of --email, --phone or --national-number"), 2)
    kind, value = given[0]
    with command_unit(messages) as (context, session, actor):
        matches = find_subjects(
            session, context.keyring(), actor, kind=kind, value=value, at=context.clock.now()
        )
    if fmt is OutputFormat.json:
        out().print_json(
            json.dumps(
                [{"subject": str(m.subject_id), "activities": m.activities} for m in matches]
            )
        )
        return
    if not matches:
        out().print(t(messages, N_("No data subject found.")))
        return
    table = Table(t(messages, N_("Subject")), t(messages, N_("Activities")))
    for match in matches:
        table.add_row(str(match.subject_id), ", ".join(match.activities))
    out().print(table)


def show(
    subject: Annotated[str, typer.Argument(help=N_("The subject id."))],
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason",
            help=N_("Why you read this (a request number, never a name); kept in the audit log."),
        ),
    ] = None,
    fmt: FormatOpt = OutputFormat.text,
    lang: LangOpt = None,
) -> None:
    """Show a subject's records that your roles reach; the reading is audited."""
    messages = language(lang)
    subject_id = subject_id_of(subject, messages)
    context = open_context()
    with context, domain_errors(messages):
        try:
            with context.unit() as (session, actor):
                view = show_subject(
                    session,
                    context.keyring(),
                    actor,
                    subject_id,
                    at=context.clock.now(),
                    reason=reason,
                )
        except AccessDenied:
            with context.unit() as (session, actor):
                record_refused_read(
                    session, actor, subject_id, at=context.clock.now(), reason=reason
                )
            raise
    if fmt is OutputFormat.json:
        document = {
            "subject": str(view.subject_id),
            "records": [
                {
                    "record": str(record.record_id),
                    "activity": record.activity,
                    "source": record.source,
                    "status": record.status,
                    "values": record.values,
                    "events": {name: day.isoformat() for name, day in record.events.items()},
                    "created_at": record.created_at.isoformat(),
                    "updated_at": record.updated_at.isoformat(),
                }
                for record in view.records
            ],
        }
        out().print_json(json.dumps(document, ensure_ascii=False))
        return
    for record in view.records:
        # Values are shown as they are: text that looks like Rich markup is not markup.
        table = Table(title=escape(f"{record.activity} · {record.record_id}"), show_header=False)
        for name, value in record.values.items():
            table.add_row(escape(name), escape(value))
        for name, day in record.events.items():
            table.add_row(name, day.isoformat())
        table.add_row(escape(t(messages, N_("source"))), escape(record.source))
        out().print(table)


def erase(
    subject: Annotated[str, typer.Argument(help=N_("The subject id."))],
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            help=N_(
                "Why the person is erased (a request number, never their name): the audit log keeps it after they are gone."
            ),
        ),
    ],
    fmt: FormatOpt = OutputFormat.text,
    lang: LangOpt = None,
) -> None:
    """Erase a data subject: destroy their data key and delete their records (DPO only)."""
    messages = language(lang)
    subject_id = subject_id_of(subject, messages)
    context = open_context()
    with context, domain_errors(messages):
        # The data key first, committed on its own: it can never outlive the data.
        with context.unit() as (session, actor):
            shred_subject(session, context.keyring(), actor, subject_id, reason=reason)
        with context.unit() as (session, actor):
            result = erase_subject(
                session, context.keyring(), actor, subject_id, reason=reason, at=context.clock.now()
            )
        checkpoint(context.engine)
    if fmt is OutputFormat.json:
        out().print_json(
            json.dumps(
                {
                    "subject": str(result.subject_id),
                    "records": result.records,
                    "activities": result.activities,
                }
            )
        )
        return
    out().print(
        t(
            messages,
            N_(
                "Subject {subject} erased: {count} record(s) in {activities}; their data key is destroyed."
            ),
            subject=str(result.subject_id),
            count=result.records,
            activities=", ".join(result.activities) or "-",
        )
    )


def add_to(app: typer.Typer, lang: str) -> None:
    """Add the ``subject`` commands to ``app``."""
    subject_app = typer.Typer(
        help=t(lang, N_("Find, show and erase data subjects in the vault.")), no_args_is_help=True
    )
    app.add_typer(subject_app, name="subject")
    subject_app.command(
        "find", help=t(lang, N_("Find data subjects by e-mail, phone or national number."))
    )(find)
    subject_app.command(
        "show",
        help=t(lang, N_("Show a subject's records that your roles reach; the reading is audited.")),
    )(show)
    subject_app.command(
        "erase",
        help=t(
            lang,
            N_("Erase a data subject: destroy their data key and delete their records (DPO only)."),
        ),
    )(erase)
