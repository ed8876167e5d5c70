"""``kluis serve``: the web interface, the public pages and the REST API over this vault."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from kluis.app import SETUP_CODE_VARIABLE, new_setup_code, open_engine, serve
from kluis.cli.console import domain_errors, err, language, say, t
from kluis.cli.options import LangOpt
from kluis.config import load_settings
from kluis.crypto import read_key_file
from kluis.i18n import N_
from kluis.storage import transaction
from kluis.users.auth import anyone_can_sign_in


def serve_command(
    host: Annotated[
        str, typer.Option("--host", help=N_("The address to listen on."))
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help=N_("The port to listen on."))] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help=N_("Server processes; they share the database (on SQLite, writes take turns)."),
        ),
    ] = 1,
    lang: LangOpt = None,
) -> None:
    """Serve the web interface, the public pages and the REST API until interrupted."""
    messages = language(lang)
    with domain_errors(messages):
        settings = load_settings()
        # Refused here, in one clear line, rather than by every server process as it starts.
        read_key_file(settings.key_file)
        engine = open_engine(settings)
        try:
            with transaction(engine) as session:
                ready = anyone_can_sign_in(session)
        finally:
            engine.dispose()
    address = f"http://{host}:{port}"
    say(
        err(),
        t(
            messages,
            "Kluis serves {folder} at {address}",
            folder=str(settings.folder),
            address=address,
        ),
    )
    if not ready:
        code = os.environ.get(SETUP_CODE_VARIABLE) or new_setup_code()
        os.environ[SETUP_CODE_VARIABLE] = code
        say(
            err(),
            t(
                messages,
                "Nobody can sign in yet: open {address}/setup?code={code} to create the first administrator.",
                address=address,
                code=code,
            ),
        )
    else:
        say(err(), t(messages, "Sign in at {address}/login", address=address))
    serve(settings, host=host, port=port, workers=workers)


def add_to(app: typer.Typer, lang: str) -> None:
    """Register ``kluis serve`` on ``app``."""
    app.command(
        "serve",
        help=t(lang, N_("Serve the web interface, the public pages and the REST API.")),
    )(serve_command)
