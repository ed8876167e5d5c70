"""``kluis import FILE --activity ID``: load a CSV or XLSX file into an activity of the vault,
in batches that each commit with the job's progress, so that a stopped import resumes."""

from __future__ import annotations

import gc
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Annotated, Final

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from kluis.cli.console import domain_errors, err, fail, language, out, service_text, t
from kluis.cli.context import Context, open_context
from kluis.cli.options import FormatOpt, LangOpt, OutputFormat
from kluis.consent import ConsentLedger
from kluis.core.actor import Actor
from kluis.i18n import N_
from kluis.storage import checkpoint, transaction
from kluis.storage.engine import is_sqlite
from kluis.vault import Keyring
from kluis.vault.importing import (
    BATCH_SIZE,
    ImportSetup,
    ImportSummary,
    PreparedBatch,
    file_digest,
    finish_import,
    open_table,
    prepared_batches,
    read_batches,
    refresh_statistics,
    reserve_batch,
    start_import,
    write_batch,
)

#: Below this many rows, checking in worker processes costs more than it saves.
_WORKERS_FROM: Final = 20_000
#: SQLite's page cache for the import's connection, in KiB: the indexes of a large vault
#: are written at random places, and re-reading their pages from the file dominates.
_SQLITE_CACHE_KIB: Final = 262_144
#: How many pages SQLite's write-ahead log may grow to before a commit folds it into the
#: database file (the default is 1,000 pages: a checkpoint at every batch, which rewrites
#: the same index pages again and again). The log is folded in and emptied at the end.
_SQLITE_CHECKPOINT_PAGES: Final = 25_000
_SHOWN_REFUSALS: Final = 50
_GC_THRESHOLD: Final = (50_000, 20, 10)


def _mapping(pairs: list[str], messages: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        if not sep or not column.strip() or not target.strip():
            fail(messages, N_("--map takes COLUMN=FIELD, as in --map einde=contract_end"), 2)
        mapping[column.strip()] = target.strip()
    return mapping


def _workers(given: int | None, rows: int | None) -> int:
    if given is not None:
        return max(given, 0)
    if rows is None or rows < _WORKERS_FROM:
        return 0
    return min(2, os.cpu_count() or 1)


def _tune(session: Session) -> None:
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}"))
        session.execute(text(f"PRAGMA wal_autocheckpoint={_SQLITE_CHECKPOINT_PAGES}"))


def _write(
    engine: Engine,
    keyring: Keyring,
    actor: Actor,
    setup: ImportSetup,
    batch: PreparedBatch,
    at: datetime,
    ledger: ConsentLedger,
) -> None:
    """One batch: on SQLite the data keys commit first, in a transaction of their own (the key
    store is another file); on PostgreSQL keys and data commit together."""
    if is_sqlite(engine):
        with transaction(engine) as session:
            _tune(session)
            reserved = reserve_batch(session, keyring, batch, at=at)
        with transaction(engine) as session:
            write_batch(
                session, keyring, actor, setup, batch, at=at, reserved=reserved, consent=ledger
            )
        return
    with transaction(engine) as session:
        reserved = reserve_batch(session, keyring, batch, at=at)
        write_batch(session, keyring, actor, setup, batch, at=at, reserved=reserved, consent=ledger)


def _report(messages: str, path: Path, result: ImportSummary, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.json:
        document = {
            "job": result.job_id,
            "file": path.name,
            "activity": result.activity,
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "refused": result.refused,
            "refusals": [
                {
                    "row": refusal.row,
                    "column": refusal.column,
                    "reason": service_text("en", refusal.reason, refusal.params),
                }
                for refusal in result.refusals
            ],
        }
        out().print_json(json.dumps(document, ensure_ascii=False))
        return
    out().print(
        t(
            messages,
            N_(
                "Imported {file} into {activity}: {created} created, {updated} updated, {unchanged} unchanged, {refused} refused (import job {job})."
            ),
            file=path.name,
            activity=result.activity,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            refused=result.refused,
            job=result.job_id,
        )
    )
    if not result.refusals:
        return
    table = Table(t(messages, N_("Row")), t(messages, N_("Column")), t(messages, N_("Reason")))
    for refusal in result.refusals:
        table.add_row(
            str(refusal.row),
            escape(refusal.column or "-"),
            escape(service_text(messages, refusal.reason, refusal.params)),
        )
    out().print(table)
    if result.refused > len(result.refusals):
        out().print(
            t(
                messages,
                N_("… and {count} more refused rows; the first {shown} are shown."),
                count=result.refused - len(result.refusals),
                shown=len(result.refusals),
            )
        )


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err(),
        disable=not enabled,
    )


def import_command(
    file: Annotated[
        Path, typer.Argument(help=N_("A CSV or XLSX file; its first row names the columns."))
    ],
    activity: Annotated[
        str, typer.Option("--activity", "-a", help=N_("The activity the records belong to."))
    ],
    maps: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help=N_("COLUMN=FIELD: fill a field or event from a column with another name."),
        ),
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option("--ignore", help=N_("A column to leave out."))
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help=N_("Rows written per transaction."))
    ] = BATCH_SIZE,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=0,
            help=N_("Processes that check the rows (default: 2 for large files, else none)."),
        ),
    ] = None,
    fmt: FormatOpt = OutputFormat.text,
    lang: LangOpt = None,
) -> None:
    """Import records from a CSV or XLSX file into an activity; safe to stop and run again."""
    messages = language(lang)
    mapping = _mapping(maps or [], messages)
    context = open_context()
    # A batch keeps many small objects alive; the cyclic collector would walk them all
    # again and again. Collect less often while importing (measured: about 15% of the
    # writing process's CPU).
    threshold = gc.get_threshold()
    gc.set_threshold(*_GC_THRESHOLD)
    gc.freeze()  # and never walk what exists before the import starts (modules, tables)
    try:
        with context:
            result = _run(
                context, messages, file, activity, mapping, ignore or [], batch_size, workers, fmt
            )
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
    _report(messages, file, result, fmt)


def _run(
    context: Context,
    messages: str,
    file: Path,
    activity: str,
    mapping: dict[str, str],
    ignore: list[str],
    batch_size: int,
    workers: int | None,
    fmt: OutputFormat,
) -> ImportSummary:
    with domain_errors(messages), open_table(file) as table:
        if table.fell_back:
            err().print(
                t(
                    messages,
                    N_(
                        "Notice: {file} is not UTF-8; it is read as Windows-1252 (cp1252). Check accented letters in the result."
                    ),
                    file=file.name,
                )
            )
        digest = file_digest(file)
        now = context.clock.now()
        with context.unit() as (session, actor):
            setup = start_import(
                session,
                actor,
                activity=activity,
                digest=digest,
                file_name=file.name,
                header=table.header,
                mapping=mapping,
                ignore=ignore,
                rows_total=table.rows_estimate,
                at=now,
            )
        if setup.resumed_from:
            err().print(
                t(
                    messages,
                    N_("Resuming import job {job}: its first {rows} rows are in already."),
                    job=setup.job_id,
                    rows=setup.resumed_from,
                )
            )
        engine = context.engine
        batches = read_batches(table, setup.plan, skip=setup.resumed_from, size=batch_size)
        count = _workers(workers, table.rows_estimate)
        ledger = ConsentLedger()
        with _progress(fmt is OutputFormat.text) as progress:
            task = progress.add_task(
                t(messages, N_("Importing")),
                total=table.rows_estimate,
                completed=setup.resumed_from,
            )
            analysed_at = 1
            for done, batch in enumerate(
                prepared_batches(batches, setup.policy, context.keyring(), workers=count),
                start=1,
            ):
                if done == analysed_at:  # after 1, 2, 4, 8, ... batches
                    with transaction(engine) as session:
                        refresh_statistics(session)
                    analysed_at *= 2
                _write(engine, context.keyring(), actor, setup, batch, context.clock.now(), ledger)
                progress.advance(task, batch.rows.consumed)
            progress.update(task, total=progress.tasks[0].completed)
        checkpoint(engine)
        with context.unit() as (session, _actor):
            return finish_import(
                session, setup.job_id, at=context.clock.now(), limit=_SHOWN_REFUSALS
            )


def add_to(app: typer.Typer, lang: str) -> None:
    """Add ``kluis import`` to ``app``, with help texts in ``lang``."""
    app.command(
        "import",
        help=t(
            lang,
            N_(
                "Import records from a CSV or XLSX file into an activity; safe to stop and run again."
            ),
        ),
    )(import_command)
