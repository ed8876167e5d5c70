"""Importing a file (CSV or XLSX) into an activity: columns mapped to the activity's fields
and the record's events, rows validated by the register, written in batches.

An import is a job, keyed by the file's SHA-256, the activity and the column mapping. Each
batch commits its rows together with the job's progress and its refused rows, so a run that
is stopped at any point (even ``kill -9``) resumes after the last committed batch: nothing
is lost and nothing is written twice. Running a finished import again writes nothing new:
each record keeps a keyed digest of the row it came from, and a row seen before is
``unchanged``.

The interface owns the transactions (DESIGN rule 2): for each batch it calls
:func:`reserve_batch` in one transaction (the new people's data keys) and
:func:`write_batch` in the next (the records, their audit entries, the job's progress). On
PostgreSQL both may share one transaction. :func:`import_file` runs a whole file in the
caller's session.

Validation and sealing are pure computation; :func:`prepared_batches` spreads them over
worker processes so that the database writes of one batch overlap the checks of the next.
"""

from __future__ import annotations

import codecs
import csv
import gc
import hashlib
import multiprocessing
import os
import re
import threading
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Final, Literal

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from kluis.core.actor import Actor
from kluis.core.errors import InvalidInput, NotFound
from kluis.crypto import BlindIndexer
from kluis.register.versions import require_version
from kluis.vault.consent_gate import CONSENT_COLUMNS, ConsentGate
from kluis.vault.keyring import Keyring
from kluis.vault.models import ImportJob, ImportRefusal
from kluis.vault.policy import EVENTS, ActivityPolicy, activity_policy
from kluis.vault.writes import (
    Prepared,
    RecordInput,
    Refusal,
    Reserved,
    Written,
    check_writable,
    prepare_records,
    reserve_subjects,
    write_prepared,
)

BATCH_SIZE: Final = 5000
SOURCE_COLUMN: Final = "source"
_SAMPLE = 64 * 1024
_CHUNK = 1 << 20
_NAME_NOISE = re.compile(r"[\s_\-]+")

Target = Literal["field", "event", "source", "consent"]


class ImportFileInvalid(InvalidInput):
    """The file cannot be imported as it is: unreadable, of an unknown kind, or its columns
    do not fit the activity. Names files and columns, never cell values."""

    code = "import_file_invalid"


# --- Reading files -------------------------------------------------------------------------


@dataclass(frozen=True)
class FileRow:
    """One row of a file: its number as a spreadsheet or text editor shows it, and its cells."""

    number: int
    cells: list[str]


@dataclass
class TableFile:
    """An opened file: its header, its rows, and how it was read."""

    kind: Literal["csv", "xlsx"]
    header: list[str]
    rows: Iterator[FileRow]
    #: The rows the file holds at most (lines of a CSV file), for a progress bar; None if unknown.
    rows_estimate: int | None
    encoding: str | None = None
    delimiter: str | None = None
    #: The file is not UTF-8 and was read as Windows-1252.
    fell_back: bool = False


def file_digest(path: Path) -> str:
    """The SHA-256 of the file's bytes, which identifies an import job."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _encoding(path: Path) -> tuple[str, bool]:
    """``utf-8-sig`` or ``utf-8`` if the whole file decodes as UTF-8, else ``cp1252`` (and
    True: a notice is due); :class:`ImportFileInvalid` if it is neither."""
    with path.open("rb") as handle:
        bom = handle.read(3) == codecs.BOM_UTF8
    if _decodes(path, "utf-8"):
        return ("utf-8-sig" if bom else "utf-8"), False
    if _decodes(path, "cp1252"):
        return "cp1252", True
    raise ImportFileInvalid("{file} is neither UTF-8 nor Windows-1252 text", file=path.name)


def _delimiter(sample: str) -> str:
    """``;`` or ``,`` (or a tab): the one that splits the header line into most columns."""
    header = sample.split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        try:
            return csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
        except csv.Error:
            return ","
    return best


def _count_lines(path: Path) -> int:
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            lines += chunk.count(b"\n")
    return lines


def _csv_rows(reader: Iterator[list[str]], line_num: Callable[[], int]) -> Iterator[FileRow]:
    start = line_num() + 1
    for cells in reader:
        yield FileRow(start, cells)
        start = line_num() + 1


@contextmanager
def _open_csv(path: Path) -> Iterator[TableFile]:
    encoding, fell_back = _encoding(path)
    try:
        handle = path.open(encoding=encoding, newline="", errors="strict")
    except OSError as error:
        raise ImportFileInvalid(
            "{file} cannot be read: {reason}", file=path.name, reason=error.strerror or "-"
        ) from None
    with handle:
        sample = handle.read(_SAMPLE)
        handle.seek(0)
        delimiter = _delimiter(sample)
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise ImportFileInvalid("{file} is empty", file=path.name) from None
        lines = _count_lines(path)
        try:
            yield TableFile(
                kind="csv",
                header=[cell.strip() for cell in header],
                rows=_csv_rows(reader, lambda: reader.line_num),
                rows_estimate=max(lines - 1, 0),
                encoding=encoding,
                delimiter=delimiter,
                fell_back=fell_back,
            )
        except (UnicodeDecodeError, csv.Error) as error:
            raise ImportFileInvalid(
                "{file} cannot be read as CSV after line {line}: {reason}",
                file=path.name,
                line=reader.line_num,
                reason=type(error).__name__,
            ) from None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == dtime() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_rows(rows: Iterator[tuple[object, ...]]) -> Iterator[FileRow]:
    for number, values in enumerate(rows, start=2):
        yield FileRow(number, [_cell_text(value) for value in values])


@contextmanager
def _open_xlsx(path: Path) -> Iterator[TableFile]:
    import openpyxl  # noqa: PLC0415 - loaded only when a workbook is imported
    from openpyxl.utils.exceptions import InvalidFileException  # noqa: PLC0415

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as error:
        raise ImportFileInvalid(
            "{file} is not a readable XLSX workbook ({reason})",
            file=path.name,
            reason=type(error).__name__,
        ) from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        try:
            header = [_cell_text(value) for value in next(rows)]
        except StopIteration:
            raise ImportFileInvalid("{file} is empty", file=path.name) from None
        total = sheet.max_row
        yield TableFile(
            kind="xlsx",
            header=header,
            rows=_xlsx_rows(rows),
            rows_estimate=(total - 1) if isinstance(total, int) and total > 1 else None,
        )
    finally:
        book.close()


@contextmanager
def open_table(path: Path) -> Iterator[TableFile]:
    """Open a CSV or XLSX file for reading (by its name's suffix)."""
    if not path.is_file():
        raise NotFound("no file {file}", file=str(path))
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        with _open_xlsx(path) as table:
            yield table
    elif suffix in {".csv", ".txt", ".tsv"}:
        with _open_csv(path) as table:
            yield table
    else:
        raise ImportFileInvalid(
            "{file}: only CSV (.csv) and Excel (.xlsx) files can be imported", file=path.name
        )


# --- Columns -------------------------------------------------------------------------------


def name_key(name: str) -> str:
    """A column or field name compared without case, spaces, underscores or hyphens."""
    return _NAME_NOISE.sub("", unicodedata.normalize("NFKC", name).casefold())


@dataclass(frozen=True)
class Column:
    """A column of the file and what it fills: a field, an event, or the record's source."""

    index: int
    name: str
    target: str
    kind: Target


@dataclass(frozen=True)
class ColumnPlan:
    """How a file's columns map onto an activity."""

    columns: list[Column]
    ignored: list[str] = field(default_factory=list)
    width: int = 0

    @property
    def mapping(self) -> dict[str, str]:
        """``{column: field or event}``, the form stored with the job."""
        return {column.name: column.target for column in self.columns}

    def column_of(self, target: str | None) -> str | None:
        """The column that fills ``target`` (a field or event name)."""
        for column in self.columns:
            if column.target == target:
                return column.name
        return None

    def record(self, row: FileRow) -> RecordInput:
        """The record input of a row: its cells by field, event and source."""
        cells = row.cells
        size = len(cells)
        values: dict[str, str] = {}
        events: dict[str, str] = {}
        consent: dict[str, str] = {}
        source: str | None = None
        for column in self.columns:
            cell = cells[column.index] if column.index < size else ""
            if column.kind == "field":
                values[column.target] = cell
            elif column.kind == "event":
                events[column.target] = cell
            elif column.kind == "consent":
                consent[column.target] = cell
            elif cell.strip():
                source = cell.strip()
        return RecordInput(values, events, source, row.number, consent)


def _targets(policy: ActivityPolicy) -> dict[str, tuple[str, Target]]:
    targets: dict[str, tuple[str, Target]] = {name_key(SOURCE_COLUMN): (SOURCE_COLUMN, "source")}
    for event in EVENTS:
        targets[name_key(event)] = (event, "event")
    if policy.consent_purpose is not None:
        for column in CONSENT_COLUMNS:
            targets[name_key(column)] = (column, "consent")
    for name in policy.fields:
        targets[name_key(name)] = (name, "field")
    return targets


def plan_columns(
    header: Sequence[str],
    policy: ActivityPolicy,
    mapping: Mapping[str, str] | None = None,
    ignore: Sequence[str] = (),
    *,
    file_name: str = "-",
) -> ColumnPlan:
    """Map each column of ``header`` to a field or event of the activity.

    A column named like a field, an event or ``source`` (ignoring case, spaces, underscores
    and hyphens), or for an activity based on consent like a consent column
    (``consent_given``, ``consent_channel``, ...), maps by itself; ``mapping`` names the others (``{"einde": "contract_end"}``);
    ``ignore`` lists columns to leave out. Any other column is refused, all named at once.
    """
    targets = _targets(policy)
    given = {name_key(column): target for column, target in (mapping or {}).items()}
    skipped = {name_key(column) for column in ignore}
    known = {name_key(name) for name in header}
    missing = [c for c in [*(mapping or {}), *ignore] if name_key(c) not in known]
    if missing:
        raise ImportFileInvalid(
            "{file} has no column {columns} (its columns: {header})",
            file=file_name,
            columns=", ".join(f"'{name}'" for name in missing),
            header=", ".join(header),
        )
    columns: list[Column] = []
    unknown: list[str] = []
    ignored: list[str] = []
    for index, name in enumerate(header):
        key = name_key(name)
        if not key or key in skipped:
            ignored.append(name)
            continue
        wanted = given.get(key)
        found = targets.get(name_key(wanted) if wanted is not None else key)
        if found is None:
            if wanted is not None:
                raise ImportFileInvalid(
                    "--map {column}={target}: activity '{activity}' has no field or event '{target}'; fields: {fields}; events: {events}",
                    column=name,
                    target=wanted,
                    activity=policy.id,
                    fields=", ".join(policy.fields) or "-",
                    events=", ".join(EVENTS),
                )
            unknown.append(name)
            continue
        columns.append(Column(index, name, found[0], found[1]))
    if unknown:
        raise ImportFileInvalid(
            "{file}: columns {columns} are neither a field of activity '{activity}' nor an event; map them with --map COLUMN=FIELD or leave them out with --ignore COLUMN (fields: {fields}; events: {events})",
            file=file_name,
            columns=", ".join(f"'{name}'" for name in unknown),
            activity=policy.id,
            fields=", ".join(policy.fields) or "-",
            events=", ".join(EVENTS),
        )
    seen: dict[str, str] = {}
    for column in columns:
        if column.target in seen:
            raise ImportFileInvalid(
                "columns '{first}' and '{second}' both fill '{target}'; keep one with --ignore",
                first=seen[column.target],
                second=column.name,
                target=column.target,
            )
        seen[column.target] = column.name
    if not any(column.kind == "field" for column in columns):
        raise ImportFileInvalid(
            "{file}: no column fills a field of activity '{activity}' ({fields})",
            file=file_name,
            activity=policy.id,
            fields=", ".join(policy.fields) or "-",
        )
    return ColumnPlan(columns, ignored, len(header))


# --- Batches -------------------------------------------------------------------------------


@dataclass
class RowBatch:
    """Rows read from the file: their records, and the rows refused before any check."""

    items: list[RecordInput]
    #: Rows with cells beyond the header: ``(row, count)``.
    overlong: list[tuple[int, int]]
    #: How many rows of the file this batch consumed (blank rows included).
    consumed: int


def read_batches(
    table: TableFile, plan: ColumnPlan, *, skip: int = 0, size: int = BATCH_SIZE
) -> Iterator[RowBatch]:
    """The file's rows in batches of ``size``, after skipping the ``skip`` first rows."""
    items: list[RecordInput] = []
    overlong: list[tuple[int, int]] = []
    consumed = 0
    width = plan.width
    for position, row in enumerate(table.rows):
        if position < skip:
            continue
        consumed += 1
        cells = row.cells
        if not any(cell.strip() for cell in cells):
            pass
        elif len(cells) > width and any(cell.strip() for cell in cells[width:]):
            overlong.append((row.number, len(cells)))
        else:
            items.append(plan.record(row))
        if consumed >= size:
            yield RowBatch(items, overlong, consumed)
            items, overlong, consumed = [], [], 0
    if consumed:
        yield RowBatch(items, overlong, consumed)


# --- Preparing (pure, possibly in worker processes) ----------------------------------------


@dataclass
class PreparedBatch:
    """A batch after validation: one outcome per record (a refusal or a prepared record)."""

    rows: RowBatch
    outcomes: list[Refusal | Prepared]

    @property
    def prepared(self) -> list[Prepared]:
        """The records that passed validation."""
        return [outcome for outcome in self.outcomes if isinstance(outcome, Prepared)]


def prepare_batch(policy: ActivityPolicy, indexer: BlindIndexer, rows: RowBatch) -> PreparedBatch:
    """Validate and normalise a batch, and compute its blind indexes."""
    outcomes, _prepared = prepare_records(policy, rows.items, indexer, seal=True)
    # The inputs stay behind: only what writing needs travels back from a worker.
    return PreparedBatch(RowBatch([], rows.overlong, rows.consumed), outcomes)


_WORKER: dict[str, object] = {}


def _watch_parent(parent: int) -> None:  # pragma: no cover - runs in a worker process
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(1)


def _start_worker(policy: ActivityPolicy, secret: bytes, parent: int) -> None:  # pragma: no cover
    _WORKER["policy"] = policy
    _WORKER["indexer"] = BlindIndexer(secret)
    gc.set_threshold(50_000, 20, 10)  # a batch is many small objects, none in cycles
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _prepare_in_worker(rows: RowBatch) -> PreparedBatch:  # pragma: no cover - in a worker
    policy = _WORKER["policy"]
    indexer = _WORKER["indexer"]
    assert isinstance(policy, ActivityPolicy) and isinstance(indexer, BlindIndexer)
    return prepare_batch(policy, indexer, rows)


def prepared_batches(
    batches: Iterator[RowBatch],
    policy: ActivityPolicy,
    keyring: Keyring,
    *,
    workers: int = 0,
) -> Iterator[PreparedBatch]:
    """Prepare ``batches`` in order: here (``workers=0``) or in worker processes, keeping a
    few batches in flight so that checking overlaps writing. A worker holds the blind-index
    secret, never a key-encryption key, and ends when this process does."""
    if workers <= 0:
        for rows in batches:
            yield prepare_batch(policy, keyring.indexer, rows)
        return
    context = multiprocessing.get_context("spawn")
    secret = keyring.provider.index_secret()
    with ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(policy, secret, os.getpid()),
    ) as pool:
        pending: list[Future[PreparedBatch]] = []
        for rows in batches:
            pending.append(pool.submit(_prepare_in_worker, rows))
            if len(pending) > workers * 2:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


# --- Jobs and writing ----------------------------------------------------------------------


@dataclass(frozen=True)
class ImportSetup:
    """What an import runs with: the job, the activity's policy, the register version."""

    job_id: int
    policy: ActivityPolicy
    version: int
    plan: ColumnPlan
    #: Rows done by an earlier run of the same job, skipped by this one.
    resumed_from: int


@dataclass
class BatchCounts:
    """The outcomes of one batch."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0


@dataclass(frozen=True)
class RefusedRow:
    """A refused row as reported: row number, column, reason; never the value."""

    row: int
    column: str | None
    reason: str
    params: dict[str, str]


@dataclass(frozen=True)
class ImportSummary:
    """The outcome of a finished import job."""

    job_id: int
    activity: str
    rows: int
    created: int
    updated: int
    unchanged: int
    refused: int
    refusals: list[RefusedRow]


def start_import(
    session: Session,
    actor: Actor,
    *,
    activity: str,
    digest: str,
    file_name: str,
    header: Sequence[str],
    mapping: Mapping[str, str] | None = None,
    ignore: Sequence[str] = (),
    rows_total: int | None = None,
    at: datetime,
) -> ImportSetup:
    """Check the actor and the columns, then resume the unfinished job of this file, activity
    and mapping, or start a new one."""
    stored = require_version(session)
    policy = activity_policy(stored, activity)
    check_writable(policy, actor)
    plan = plan_columns(header, policy, mapping, ignore, file_name=file_name)
    jobs = session.execute(
        select(ImportJob)
        .where(
            ImportJob.file_digest == digest,
            ImportJob.activity == activity,
            ImportJob.status == "running",
        )
        .order_by(ImportJob.id)
    ).scalars()
    for job in jobs:
        if job.mapping == plan.mapping:
            return ImportSetup(job.id, policy, stored.version, plan, job.rows_done)
    job = ImportJob(
        file_digest=digest,
        file_name=file_name,
        activity=activity,
        mapping=plan.mapping,
        actor=actor.name,
        status="running",
        rows_total=rows_total or 0,
        rows_done=0,
        created=0,
        updated=0,
        unchanged=0,
        refused=0,
        started_at=at,
    )
    session.add(job)
    session.flush()
    return ImportSetup(job.id, policy, stored.version, plan, 0)


def reserve_batch(
    session: Session, keyring: Keyring, batch: PreparedBatch, *, at: datetime
) -> dict[int, Reserved]:
    """Store the data keys of the batch's new people (commit before :func:`write_batch`)."""
    return reserve_subjects(session, keyring, batch.prepared, at=at)


def _refusal_row(plan: ColumnPlan, job_id: int, refusal: Refusal) -> dict[str, object]:
    error = refusal.error
    field_name = error.field
    column = plan.column_of(field_name) if field_name else None
    params = {key: str(value) for key, value in error.params.items()}
    return {
        "job_id": job_id,
        "row": refusal.row or 0,
        "column": column,
        "reason": error.message,
        "params": params,
    }


def write_batch(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    setup: ImportSetup,
    batch: PreparedBatch,
    *,
    at: datetime,
    reserved: Mapping[int, Reserved] | None = None,
    consent: ConsentGate | None = None,
) -> BatchCounts:
    """Write a prepared batch, its refused rows and the job's progress, in the caller's
    transaction. An activity based on consent needs ``consent`` (see ``write_prepared``)."""
    written = write_prepared(
        session,
        keyring,
        actor,
        setup.policy,
        batch.prepared,
        version=setup.version,
        at=at,
        reason=f"import {setup.job_id}",
        reserved=reserved,
        consent=consent,
    )
    counts = BatchCounts(rows=batch.rows.consumed)
    refusals: list[dict[str, object]] = [
        {
            "job_id": setup.job_id,
            "row": number,
            "column": None,
            "reason": "row {row} has {count} cells, more than the {width} columns of the header",
            "params": {"row": str(number), "count": str(count), "width": str(setup.plan.width)},
        }
        for number, count in batch.rows.overlong
    ]
    for outcome in batch.outcomes:
        result = written[outcome.position] if isinstance(outcome, Prepared) else outcome
        if isinstance(result, Written):
            setattr(counts, result.outcome, getattr(counts, result.outcome) + 1)
        else:
            refusals.append(_refusal_row(setup.plan, setup.job_id, result))
    counts.refused = len(refusals)
    if refusals:
        session.execute(insert(ImportRefusal.__table__), refusals)  # type: ignore[arg-type]
    job = session.get(ImportJob, setup.job_id, with_for_update=True)
    if job is None:
        raise NotFound("no import job {job}", job=setup.job_id)
    job.rows_done += counts.rows
    job.created += counts.created
    job.updated += counts.updated
    job.unchanged += counts.unchanged
    job.refused += counts.refused
    session.flush()
    return counts


def refresh_statistics(session: Session) -> None:
    """Let PostgreSQL's planner know how large the vault's tables have grown.

    An import can grow a table from nothing to millions of rows within minutes, before the
    autovacuum daemon analyses it; with the old statistics the planner may match blind
    indexes by scanning every identifier of a kind. The import calls this each time the
    rows it wrote double. (SQLite plans by its indexes without statistics.)
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE identifier, record, subject"))


def finish_import(session: Session, job_id: int, *, at: datetime, limit: int = 50) -> ImportSummary:
    """Mark the job done; its totals and its first ``limit`` refused rows."""
    job = session.get(ImportJob, job_id)
    if job is None:
        raise NotFound("no import job {job}", job=job_id)
    if job.status != "done":
        job.status = "done"
        job.finished_at = at
        session.flush()
    return summary(session, job_id, limit=limit)


def summary(session: Session, job_id: int, *, limit: int | None = 50) -> ImportSummary:
    """The totals of an import job and its first ``limit`` refused rows (all with None)."""
    job = session.get(ImportJob, job_id)
    if job is None:
        raise NotFound("no import job {job}", job=job_id)
    query = select(ImportRefusal).where(ImportRefusal.job_id == job_id).order_by(ImportRefusal.row)
    if limit is not None:
        query = query.limit(limit)
    refusals = [
        RefusedRow(r.row, r.column, r.reason, dict(r.params))
        for r in session.execute(query).scalars()
    ]
    return ImportSummary(
        job.id,
        job.activity,
        job.rows_done,
        job.created,
        job.updated,
        job.unchanged,
        job.refused,
        refusals,
    )


def refusal_count(session: Session, job_id: int) -> int:
    """How many refused rows the job holds."""
    return session.execute(
        select(func.count()).select_from(ImportRefusal).where(ImportRefusal.job_id == job_id)
    ).scalar_one()


def import_file(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    path: Path,
    *,
    activity: str,
    at: datetime,
    mapping: Mapping[str, str] | None = None,
    ignore: Sequence[str] = (),
    batch_size: int = BATCH_SIZE,
    consent: ConsentGate | None = None,
) -> ImportSummary:
    """Import a whole file in the caller's session and transaction (the API's way; the CLI
    commits per batch)."""
    with open_table(path) as table:
        setup = start_import(
            session,
            actor,
            activity=activity,
            digest=file_digest(path),
            file_name=path.name,
            header=table.header,
            mapping=mapping,
            ignore=ignore,
            rows_total=table.rows_estimate,
            at=at,
        )
        batches = read_batches(table, setup.plan, skip=setup.resumed_from, size=batch_size)
        analysed_at = 1
        for done, batch in enumerate(prepared_batches(batches, setup.policy, keyring), start=1):
            if done == analysed_at:
                refresh_statistics(session)
                analysed_at *= 2
            reserved = reserve_batch(session, keyring, batch, at=at)
            write_batch(
                session, keyring, actor, setup, batch, at=at, reserved=reserved, consent=consent
            )
    return finish_import(session, setup.job_id, at=at)


__all__ = [
    "BATCH_SIZE",
    "BatchCounts",
    "ColumnPlan",
    "ImportFileInvalid",
    "ImportSetup",
    "ImportSummary",
    "PreparedBatch",
    "RefusedRow",
    "RowBatch",
    "TableFile",
    "file_digest",
    "finish_import",
    "import_file",
    "name_key",
    "open_table",
    "plan_columns",
    "prepare_batch",
    "prepared_batches",
    "read_batches",
    "refresh_statistics",
    "refusal_count",
    "reserve_batch",
    "start_import",
    "summary",
    "write_batch",
]
