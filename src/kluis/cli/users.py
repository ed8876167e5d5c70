"""``kluis init`` (a vault in the working folder) and ``kluis user`` (who may act, with
which roles)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from kluis.cli.console import domain_errors, fail, language, out, say, t
from kluis.cli.context import command_unit, open_context
from kluis.cli.options import LangOpt
from kluis.config import load_settings, render_config
from kluis.core.actor import ADMIN, DPO, Actor
from kluis.core.clock import SystemClock
from kluis.crypto import generate_key_material, write_key_file
from kluis.i18n import N_
from kluis.storage import keystore_path, make_engine, transaction, upgrade
from kluis.storage.engine import normalise_url
from kluis.users import add_user, deactivate_user, list_users, set_roles
from kluis.users.auth import disable_totp, set_password, sign_in_of

RoleOpt = Annotated[
    list[str],
    typer.Option(
        "--role",
        "-r",
        help=N_("A role: one of the register's roles, dpo or admin. Repeat for more."),
    ),
]


def _private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists: it holds personal data or secrets."""
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def init(
    folder: Annotated[Path, typer.Argument(help=N_("The folder for the vault."))] = Path(),
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url", help=N_("A PostgreSQL URL; default: an SQLite file in the folder.")
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user", help=N_("The first user, made admin and DPO; default: your login name.")
        ),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Create a vault: settings, key file (mode 0600) and database, and its first user."""
    messages = language(lang)
    folder.mkdir(parents=True, exist_ok=True)
    environ = {k: v for k, v in os.environ.items() if k != "KLUIS_HOME"}
    if database_url:
        environ["KLUIS_DATABASE_URL"] = database_url
    if user:
        environ["KLUIS_USER"] = user
    with domain_errors(messages):
        settings = load_settings(folder, environ)
        if settings.key_file.exists():
            fail(
                messages,
                N_("{path} exists already; a key file is never overwritten"),
                4,
                path=str(settings.key_file),
            )
        if not settings.config_file.exists():
            # Private too: a PostgreSQL URL in it may carry a password.
            _private_file(settings.config_file)
            settings.config_file.write_text(render_config(settings), encoding="utf-8")
        clock = SystemClock()
        write_key_file(settings.key_file, generate_key_material(clock.now().date()))
        url = normalise_url(settings.database_url)
        if url.get_backend_name() == "sqlite" and url.database:
            _private_file(Path(url.database))
            keys = keystore_path(url)
            if keys is not None:
                _private_file(keys)
        engine = make_engine(settings.database_url)
        upgrade(engine)
        with transaction(engine) as session:
            if not list_users(session):
                first = Actor(settings.user, frozenset({ADMIN, DPO}))
                add_user(session, settings.user, [ADMIN, DPO], actor=first, at=clock.now())
        engine.dispose()
    say(
        out(),
        t(
            messages,
            N_(
                "Vault created in {folder}; key file {key} (keep it private, back it up apart from the data). "
                "User '{user}' is admin and DPO. Next: kluis register apply register.yaml"
            ),
            folder=str(settings.folder),
            key=str(settings.key_file),
            user=settings.user,
        ),
    )


def add(
    name: Annotated[str, typer.Argument(help=N_("The user's name."))],
    role: RoleOpt,
    lang: LangOpt = None,
) -> None:
    """Add a user with roles (administrators only)."""
    messages = language(lang)
    with command_unit(messages) as (context, session, actor):
        add_user(session, name, role, actor=actor, at=context.clock.now())
    say(
        out(),
        t(
            messages,
            N_("User '{name}' added with roles: {roles}"),
            name=name,
            roles=", ".join(role),
        ),
    )


def roles(
    name: Annotated[str, typer.Argument(help=N_("The user's name."))],
    role: RoleOpt,
    lang: LangOpt = None,
) -> None:
    """Replace a user's roles (administrators only)."""
    messages = language(lang)
    with command_unit(messages) as (context, session, actor):
        set_roles(session, name, role, actor=actor, at=context.clock.now())
    say(
        out(),
        t(messages, N_("User '{name}' now has roles: {roles}"), name=name, roles=", ".join(role)),
    )


def deactivate(
    name: Annotated[str, typer.Argument(help=N_("The user's name."))], lang: LangOpt = None
) -> None:
    """Stop a user from acting (administrators only); the audit log keeps their entries."""
    messages = language(lang)
    with command_unit(messages) as (context, session, actor):
        deactivate_user(session, name, actor=actor, at=context.clock.now())
    say(out(), t(messages, N_("User '{name}' deactivated"), name=name))


def password(
    name: Annotated[str, typer.Argument(help=N_("The user's name."))],
    email: Annotated[
        str | None,
        typer.Option("--email", help=N_("An e-mail address for password resets.")),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Give a user a new password for the web interface, asked twice and never shown (an
    administrator for anyone, a user for themself); every session of the user ends."""
    messages = language(lang)
    with command_unit(messages) as (_context, session, actor):
        sign_in_of(session, name, actor=actor)  # refused before a password is typed
    new = typer.prompt(
        t(messages, N_("New password for '{name}'"), name=name),
        hide_input=True,
        confirmation_prompt=t(messages, N_("The same password again")),
        err=True,
    )
    with command_unit(messages) as (context, session, actor):
        set_password(session, name, new, actor=actor, at=context.clock.now(), email=email)
    say(
        out(),
        t(messages, N_("User '{name}' has a new password; their sessions have ended."), name=name),
    )


def second_factor_off(
    name: Annotated[str, typer.Argument(help=N_("The user's name."))], lang: LangOpt = None
) -> None:
    """Turn a user's second factor off, for one who lost their authenticator (an
    administrator for anyone, a user for themself)."""
    messages = language(lang)
    with command_unit(messages) as (context, session, actor):
        disable_totp(session, name, actor=actor, at=context.clock.now())
    say(
        out(),
        t(
            messages,
            N_(
                "The second factor of '{name}' is off: they sign in with their password until "
                "they turn it on again."
            ),
            name=name,
        ),
    )


def list_command(lang: LangOpt = None) -> None:
    """List the users and their roles."""
    messages = language(lang)
    context = open_context()
    with context, domain_errors(messages), context.unit() as (session, _actor):
        table = Table(t(messages, N_("User")), t(messages, N_("Roles")), t(messages, N_("Active")))
        for user in list_users(session):
            table.add_row(
                Text(user.name),
                ", ".join(user.roles),
                t(messages, N_("yes") if user.active else N_("no")),
            )
    out().print(table)


def add_to(app: typer.Typer, lang: str) -> None:
    """Add ``init`` and the ``user`` commands to ``app``."""
    app.command(
        "init",
        help=t(
            lang,
            N_(
                "Create a vault here: settings, a key file (mode 0600), the database and its first user."
            ),
        ),
    )(init)
    user_app = typer.Typer(
        help=t(lang, N_("Users of Kluis and their roles.")), no_args_is_help=True
    )
    app.add_typer(user_app, name="user")
    user_app.command("add", help=t(lang, N_("Add a user with roles (administrators only).")))(add)
    user_app.command("roles", help=t(lang, N_("Replace a user's roles (administrators only).")))(
        roles
    )
    user_app.command(
        "deactivate",
        help=t(lang, N_("Stop a user from acting; the audit log keeps their entries.")),
    )(deactivate)
    user_app.command("list", help=t(lang, N_("List the users and their roles.")))(list_command)
    user_app.command(
        "password",
        help=t(
            lang,
            N_(
                "Give a user a new password for the web interface (yours, or anyone's as an administrator)."
            ),
        ),
    )(password)
    user_app.command(
        "second-factor-off",
        help=t(
            lang,
            N_(
                "Turn a user's second factor off, for one who lost it (yours, or anyone's as an administrator)."
            ),
        ),
    )(second_factor_off)
