"""``kluis backup`` and ``kluis restore``: consistent backups of the data and of the key store,
kept apart; a restore that keeps erased people erased (administrators only)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kluis.backup import (
    find_manifest,
    make_backup,
    plan_restore,
    prune_key_copies,
    record_backup,
    record_prune,
    restore,
)
from kluis.cli.console import domain_errors, err, fail, language, out, say, t
from kluis.cli.context import Context, open_context
from kluis.cli.options import LangOpt
from kluis.crypto import read_key_file
from kluis.i18n import N_
from kluis.vault import Keyring, require_admin

#: The blind-index kind under which the HMAC key of backup manifests is derived.
_MANIFEST_KEY = "backup-manifest"


def _mac_key(context: Context) -> bytes:
    return Keyring(context.provider).indexer.key(_MANIFEST_KEY)


def backup_command(
    to: Annotated[
        Path | None,
        typer.Option(
            "--to", help=N_("The backup folder (default: backup_folder of the settings).")
        ),
    ] = None,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune",
            help=N_("Only delete key-store copies older than key_backup_days; make no backup."),
        ),
    ] = False,
    lang: LangOpt = None,
) -> None:
    """Back up the data and the key store, apart; delete key-store copies past their days."""
    messages = language(lang)
    context = open_context()
    folder = (to or context.settings.backup_folder).resolve()
    days = context.settings.key_backup_days
    with context, domain_errors(messages):
        with context.unit() as (_, actor):
            require_admin(actor)
        now = context.clock.now()
        if prune:
            pruned = prune_key_copies(folder, now=now, keep_days=days)
            with context.unit() as (session, actor):
                record_prune(session, actor, pruned, at=now)
        else:
            result = make_backup(
                context.engine, folder, at=now, keep_days=days, mac_key=_mac_key(context)
            )
            pruned = result.pruned
            with context.unit() as (session, actor):
                record_backup(session, actor, result, at=now)
    if not prune:
        say(
            out(),
            t(
                messages,
                N_("Backup {name} written to {folder}: the data in data/, the key store in keys/."),
                name=result.data.name,
                folder=str(folder),
            ),
        )
        say(
            out(),
            t(
                messages,
                N_("{subjects} subject(s), {records} record(s), {keys} data key(s)."),
                subjects=result.data.counts.get("subject", 0),
                records=result.data.counts.get("record", 0),
                keys=result.keys.counts.get("subject_key", 0),
            ),
        )
    say(
        out(),
        t(
            messages,
            N_("{count} key-store copy(ies) older than {days} days deleted."),
            count=len(pruned),
            days=days,
        ),
    )


def restore_command(
    backup: Annotated[
        str,
        typer.Argument(
            help=N_("The backup: its name, 'latest', or the path of its manifest or file.")
        ),
    ],
    yes: Annotated[bool, typer.Option("--yes", help=N_("Do not ask for confirmation."))] = False,
    keys_from_backup: Annotated[
        bool,
        typer.Option(
            "--keys-from-backup",
            help=N_("Put back the newest key-store copy, for a key store that is lost."),
        ),
    ] = False,
    source: Annotated[
        Path | None,
        typer.Option(
            "--from", help=N_("The backup folder (default: backup_folder of the settings).")
        ),
    ] = None,
    lang: LangOpt = None,
) -> None:
    """Restore the data from a backup into this folder's database, then drop every subject whose
    data key no longer exists (erased since the backup)."""
    messages = language(lang)
    context = open_context()
    folder = (source or context.settings.backup_folder).resolve()
    with context, domain_errors(messages):
        with context.unit() as (_, actor):
            require_admin(actor)
        plan = plan_restore(
            context.engine,
            find_manifest(folder, backup),
            mac_key=_mac_key(context),
            known_keks=set(read_key_file(context.settings.key_file).keks),
            keys_from_backup=keys_from_backup,
        )
        keys_from = (
            t(messages, N_("the key-store copy {name}"), name=plan.keys.name)
            if plan.keys
            else t(messages, N_("the current key store"))
        )
        say(
            err(),
            t(
                messages,
                N_(
                    "Backup {name} of {created}: {subjects} subject(s), {records} record(s); keys from {keys}."
                ),
                name=plan.data.name,
                created=plan.data.created.isoformat(timespec="seconds"),
                subjects=plan.data.counts.get("subject", 0),
                records=plan.data.counts.get("record", 0),
                keys=keys_from,
            ),
        )
        question = t(
            messages,
            N_("Replace every record of the database {database} with this backup?"),
            database=_where(context),
        )
        if not yes and not typer.confirm(question, default=False, err=True):
            fail(messages, N_("Nothing was restored."), 1)
        result = restore(context.engine, plan, actor=actor, at=context.clock.now())
    say(
        out(),
        t(
            messages,
            N_(
                "Backup {name} restored: {subjects} subject(s); {dropped} subject(s) erased since the backup were dropped."
            ),
            name=result.name,
            subjects=result.subjects,
            dropped=result.dropped,
        ),
    )


def _where(context: Context) -> str:
    return context.engine.url.render_as_string(hide_password=True)


def add_to(app: typer.Typer, lang: str) -> None:
    """Add ``backup`` and ``restore`` to ``app``, with help texts in ``lang``."""
    app.command(
        "backup",
        help=t(
            lang,
            N_(
                "Back up the data and the key store, apart; delete key-store copies past their days."
            ),
        ),
    )(backup_command)
    app.command(
        "restore",
        help=t(
            lang,
            N_(
                "Restore the data from a backup into this folder's database, then drop every subject whose data key no longer exists."
            ),
        ),
    )(restore_command)
