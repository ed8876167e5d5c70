"""Output of the command: Rich consoles, translated messages, and domain errors turned
into a message and an exit status, once for the whole command."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from typing import Final, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kluis.core.errors import Conflict, InvalidInput, KluisError, NotAllowed, NotFound
from kluis.i18n import gettext, negotiate

EXIT_CODES: Final[dict[type[KluisError], int]] = {
    InvalidInput: 2,
    NotFound: 3,
    Conflict: 4,
    NotAllowed: 5,
}


@cache
def out() -> Console:
    """The console for results (standard output)."""
    return Console(highlight=False, soft_wrap=True)


@cache
def err() -> Console:
    """The console for messages about the run (standard error)."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def say(console: Console, text: str) -> None:
    """Print ``text`` as it is: paths and names may hold brackets Rich would take for markup."""
    console.print(text, markup=False)


def language(option: str | None) -> str:
    """The language of messages: ``--lang``, else KLUIS_LANG or the locale, else English."""
    return negotiate(option)


def t(lang: str, message: str, /, **params: object) -> str:
    """Translate a message of the ``cli`` domain."""
    return gettext(lang, "cli", message, **params)


def fail(lang: str, message: str, code: int = 2, /, **params: object) -> NoReturn:
    """Print ``message`` to standard error and exit with ``code``."""
    err().print(f"[bold red]kluis:[/] {escape(t(lang, message, **params))}")
    raise typer.Exit(code)


def service_text(lang: str, message: str, params: Mapping[str, object]) -> str:
    """A message of the services (the ``vault`` domain) in ``lang``, filled with ``params``;
    the English text if the translation does not fit them."""
    try:
        return gettext(lang, "vault", message, **params)
    except (KeyError, IndexError, ValueError):
        return message.format(**params) if params else message


def _translated(lang: str, error: KluisError) -> str:
    """The error's message in ``lang``."""
    if not error.message:
        return str(error)
    try:
        return service_text(lang, error.message, error.params)
    except (KeyError, IndexError, ValueError):
        return str(error)


@contextmanager
def domain_errors(lang: str, describe: Callable[[KluisError], str] | None = None) -> Iterator[None]:
    """Turn a :class:`KluisError` raised inside into a message and an exit status."""
    try:
        yield
    except KluisError as error:
        code = next((c for kind, c in EXIT_CODES.items() if isinstance(error, kind)), 1)
        text = describe(error) if describe else _translated(lang, error)
        err().print(f"[bold red]kluis:[/] {escape(text)}")
        raise typer.Exit(code) from None


def progress(*, enabled: bool = True, transient: bool = True) -> Progress:
    """A progress bar on standard error, for long work: what, how far, how long (a
    ``transient`` one disappears when done)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err(),
        transient=transient,
        disable=not enabled,
    )
