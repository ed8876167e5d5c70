"""``kluis audit``: prove the hash-chained audit log intact, or export it."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from kluis.audit import export, verify
from kluis.cli.console import fail, language, out, t
from kluis.cli.context import command_unit
from kluis.cli.options import LangOpt
from kluis.core.errors import NotAllowed
from kluis.i18n import N_

_COLUMNS = (
    "seq",
    "at",
    "actor",
    "action",
    "subject",
    "record",
    "activity",
    "reason",
    "detail",
    "prev_hash",
    "hash",
)


class ExportFormat(StrEnum):
    """Formats of the export."""

    jsonl = "jsonl"
    csv = "csv"


def verify_command(lang: LangOpt = None) -> None:
    """Recompute the audit log's hash chain; exit 1 naming the first entry altered or removed."""
    messages = language(lang)
    with command_unit(messages) as (_context, session, actor):
        if not actor.is_privacy_staff:
            raise NotAllowed("only an administrator or the DPO may verify the audit log")
        result = verify(session)
    if result.intact:
        out().print(
            t(
                messages,
                N_("The audit log is intact: {count} entries; the newest hash is {hash}."),
                count=result.entries,
                hash=result.head_hash,
            )
        )
        return
    message = {
        "altered": N_("The audit log is broken: entry {seq} was altered."),
        "head": N_(
            "The audit log is broken: the head of the chain was removed; "
            "entries from entry {seq} on may have been removed with it."
        ),
    }.get(result.problem or "", N_("The audit log is broken: entry {seq} was removed."))
    fail(messages, message, 1, seq=result.first_bad)


def export_command(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help=N_("Write to this file instead of standard output.")),
    ] = None,
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help=N_("Output format."))
    ] = ExportFormat.jsonl,
    lang: LangOpt = None,
) -> None:
    """Export the audit log, oldest entry first, as JSON Lines or CSV."""
    messages = language(lang)
    with command_unit(messages) as (_context, session, actor):
        if not actor.is_privacy_staff:
            raise NotAllowed("only an administrator or the DPO may export the audit log")
        handle = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            if fmt is ExportFormat.csv:
                writer = csv.DictWriter(handle, fieldnames=_COLUMNS)
                writer.writeheader()
                for entry in export(session):
                    writer.writerow(
                        {**entry, "detail": json.dumps(entry["detail"]) if entry["detail"] else ""}
                    )
            else:
                for entry in export(session):
                    handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        finally:
            if output:
                handle.close()


def add_to(app: typer.Typer, lang: str) -> None:
    """Add the ``audit`` commands to ``app``."""
    audit_app = typer.Typer(
        help=t(lang, N_("The audit log of every read and change.")), no_args_is_help=True
    )
    app.add_typer(audit_app, name="audit")
    audit_app.command(
        "verify",
        help=t(
            lang,
            N_(
                "Recompute the audit log's hash chain; exit 1 naming the first entry altered or removed."
            ),
        ),
    )(verify_command)
    audit_app.command(
        "export",
        help=t(lang, N_("Export the audit log, oldest entry first, as JSON Lines or CSV.")),
    )(export_command)
