"""Commands of the vault (being written)."""

from __future__ import annotations

import typer


def add_to(app: typer.Typer, lang: str) -> None:
    """Add this module's commands to ``app``, with help texts in ``lang``."""
