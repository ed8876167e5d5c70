"""``kluis keys``: rotate the key-encryption key and show which KEK wraps how many data keys
(administrators only)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import Engine

from kluis.cli.console import domain_errors, err, language, out, say, t
from kluis.cli.console import progress as console_progress
from kluis.cli.context import command_unit, open_context
from kluis.cli.options import FormatOpt, LangOpt, OutputFormat
from kluis.crypto import LocalKeyProvider, read_key_file
from kluis.i18n import N_
from kluis.storage import transaction
from kluis.users.auth import seal_totp_secrets
from kluis.vault import (
    KekStatus,
    Rotation,
    forget_keks,
    forgettable,
    kek_status,
    key_counts,
    pending_keys,
    record_rotation,
    require_admin,
    rewrap_batch,
    start_rotation,
    wrapped_counts,
)

#: Data keys rewrapped per transaction, unless --batch says otherwise.
_BATCH = 1000


def _rewrap_data_keys(
    engine: Engine, provider: LocalKeyProvider, *, batch: int, messages: str
) -> int:
    """Rewrap every data key not yet under the current KEK, ``batch`` per transaction, with
    a progress bar; how many were rewrapped."""
    with transaction(engine) as session:
        total = pending_keys(session, provider.current_kek)
    rewrapped = 0
    with console_progress() as progress:
        task = progress.add_task(t(messages, N_("Rewrapping data keys")), total=total)
        after = None
        while True:
            with transaction(engine) as session:
                step = rewrap_batch(session, provider, size=batch, after=after)
            if not step.count:
                if after is None:
                    break
                # End of a pass: start again if keys were written meanwhile behind it.
                with transaction(engine) as session:
                    after = None
                    if not pending_keys(session, provider.current_kek):
                        break
                continue
            rewrapped += step.count
            after = step.last
            progress.advance(task, step.count)
    return rewrapped


def rotate(
    batch: Annotated[
        int, typer.Option("--batch", min=1, help=N_("Data keys rewrapped per transaction."))
    ] = _BATCH,
    lang: LangOpt = None,
) -> None:
    """Add a new key-encryption key and rewrap every data key under it, without downtime."""
    messages = language(lang)
    context = open_context()
    settings = context.settings
    today = context.clock.now().date()
    with context, domain_errors(messages):
        with context.unit() as (session, actor):
            require_admin(actor)
        material = read_key_file(settings.key_file)
        with transaction(context.engine) as session:
            resumed = pending_keys(session, material.current) > 0
        if resumed:
            say(
                err(),
                t(
                    messages,
                    N_("An unfinished rotation to {kek} is completed first."),
                    kek=material.current,
                ),
            )
        else:
            material = start_rotation(settings.key_file, today)
        provider = LocalKeyProvider(material)
        rewrapped = _rewrap_data_keys(context.engine, provider, batch=batch, messages=messages)
        with transaction(context.engine) as session:
            sealed = seal_totp_secrets(session, provider)
        with transaction(context.engine) as session:
            counts = key_counts(session)
            in_use = wrapped_counts(session)
        forgotten = forgettable(material, in_use, today=today, keep_days=settings.key_backup_days)
        if forgotten:
            material = forget_keks(settings.key_file, material, forgotten)
        rotation = Rotation(
            kek_id=material.current,
            resumed=resumed,
            rewrapped=rewrapped,
            keys=sum(counts.values()),
            forgotten=forgotten,
            secrets=sealed,
        )
        with context.unit() as (session, actor):
            record_rotation(session, actor, rotation, at=context.clock.now())
    say(
        out(),
        t(
            messages,
            N_("{count} data key(s) rewrapped; every data key is now wrapped by {kek}."),
            count=rewrapped,
            kek=material.current,
        ),
    )
    if sealed:
        say(
            out(),
            t(messages, N_("{count} second-factor secret(s) rewrapped."), count=sealed),
        )
    if forgotten:
        say(
            out(),
            t(
                messages,
                N_("Old key-encryption keys removed from the key file: {keks}"),
                keks=", ".join(forgotten),
            ),
        )


def _state(status: KekStatus, messages: str) -> str:
    if not status.held:
        return t(messages, N_("missing from the key file"))
    if status.current:
        return t(messages, N_("current"))
    return t(messages, N_("retired"))


def status(
    fmt: FormatOpt = OutputFormat.text,
    lang: LangOpt = None,
) -> None:
    """Show each key-encryption key: created, retired, and how many data keys it wraps."""
    messages = language(lang)
    with command_unit(messages) as (context, session, actor):
        require_admin(actor)
        material = read_key_file(context.settings.key_file)
        statuses = kek_status(session, material)
    if fmt is OutputFormat.json:
        out().print_json(
            json.dumps(
                [
                    {
                        "kek": s.kek_id,
                        "created": s.created.isoformat() if s.created else None,
                        "retired": s.retired.isoformat() if s.retired else None,
                        "keys": s.keys,
                        "second_factors": s.secrets,
                        "current": s.current,
                        "held": s.held,
                    }
                    for s in statuses
                ]
            )
        )
        return
    table = Table(
        t(messages, N_("Key-encryption key")),
        t(messages, N_("Created")),
        t(messages, N_("Retired")),
        t(messages, N_("Data keys")),
        t(messages, N_("Second factors")),
        t(messages, N_("State")),
    )
    # What is copied from here (a KEK id) and read (the days) is never cut short; the
    # headers wrap instead.
    table.columns[0].min_width = max((len(s.kek_id) for s in statuses), default=0)
    table.columns[1].min_width = table.columns[2].min_width = len("YYYY-MM-DD")
    for s in statuses:
        table.add_row(
            s.kek_id,
            s.created.isoformat() if s.created else "-",
            s.retired.isoformat() if s.retired else "-",
            str(s.keys),
            str(s.secrets),
            _state(s, messages),
        )
    out().print(table)
    waiting = sum(s.keys for s in statuses if not s.current)
    if waiting:
        say(
            out(),
            t(
                messages,
                N_("{count} data key(s) are not yet under the current key; run: kluis keys rotate"),
                count=waiting,
            ),
        )


def add_to(app: typer.Typer, lang: str) -> None:
    """Add the ``keys`` commands to ``app``, with help texts in ``lang``."""
    keys_app = typer.Typer(
        help=t(lang, N_("Rotate and inspect the key-encryption keys (administrators only).")),
        no_args_is_help=True,
    )
    app.add_typer(keys_app, name="keys")
    keys_app.command(
        "rotate",
        help=t(
            lang,
            N_(
                "Add a new key-encryption key and rewrap every data key under it, without downtime."
            ),
        ),
    )(rotate)
    keys_app.command(
        "status",
        help=t(
            lang,
            N_("Show each key-encryption key: created, retired, and how many data keys it wraps."),
        ),
    )(status)
