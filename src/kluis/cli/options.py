"""Options every command shares: the language of messages and the output format."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from kluis.i18n import N_

LangOpt = Annotated[
    str | None, typer.Option("--lang", help=N_("Language of messages: nl, en or fr."))
]


class OutputFormat(StrEnum):
    """How results are written: for people, or as JSON for programs."""

    text = "text"
    json = "json"


FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help=N_("Output format."))]

__all__ = ["FormatOpt", "LangOpt", "OutputFormat"]
