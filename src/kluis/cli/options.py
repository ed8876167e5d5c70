"""Options every command shares: the language of messages and the output format."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated

import typer

from kluis.cli.console import fail
from kluis.i18n import N_

LangOpt = Annotated[
    str | None, typer.Option("--lang", help=N_("Language of messages: nl, en or fr."))
]


class OutputFormat(StrEnum):
    """How results are written: for people, or as JSON for programs."""

    text = "text"
    json = "json"


FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help=N_("Output format."))]


def parse_day(value: str | None, messages: str) -> date | None:
    """An ISO date given on the command line (None stays None); exits with a clear message
    when it is not one."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(messages, N_("'{value}' is not an ISO date such as 2026-01-31"), 2, value=value)


def parse_moment(value: str | None, messages: str) -> datetime | None:
    """An ISO date or moment given on the command line, in UTC when it names no zone (None
    stays None); exits with a clear message when it is neither."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(
            messages,
            N_("'{value}' is not an ISO date or moment such as 2026-03-01T10:30"),
            2,
            value=value,
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


__all__ = ["FormatOpt", "LangOpt", "OutputFormat", "parse_day", "parse_moment"]
