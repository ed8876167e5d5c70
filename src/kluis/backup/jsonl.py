"""A database-neutral export: one JSON Lines file per table, read and written through the
tables' own SQLAlchemy types, so it restores into SQLite and PostgreSQL alike.

Bytes are base64, ids and moments are text; JSON columns stay JSON. Every table Kluis knows
is exported; a table in the database that Kluis does not know stops the backup rather than
being left out silently.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Final

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    Table,
    delete,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy import Uuid as UuidType

import kluis.audit.models
import kluis.consent.models
import kluis.jobs.models
import kluis.register.models
import kluis.retention.models
import kluis.subject_requests.models
import kluis.users.models
import kluis.vault.models  # noqa: F401 - every table must be known to the metadata
from kluis.backup.errors import BackupInvalid
from kluis.i18n import N_
from kluis.storage import KEYSTORE, Base, UtcDateTime

_BATCH: Final = 1000
_MIGRATIONS: Final = "alembic_version"


def data_tables() -> list[Table]:
    """The tables of the data, parents before children."""
    return [table for table in Base.metadata.sorted_tables if table.schema != KEYSTORE]


def key_tables() -> list[Table]:
    """The tables of the key store."""
    return [table for table in Base.metadata.sorted_tables if table.schema == KEYSTORE]


def check_known(connection: Connection) -> None:
    """Refuse to back up a database holding a table Kluis does not know."""
    known = {table.name for table in data_tables()} | {_MIGRATIONS}
    unknown = sorted(set(inspect(connection).get_table_names()) - known)
    if unknown:
        raise BackupInvalid(
            N_(
                "the database holds table '{table}', which this version of Kluis does not know; "
                "it would be missing from the backup"
            ),
            table=unknown[0],
        )


def _encode(value: object) -> object:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _decoder(table: Table) -> dict[str, Any]:
    decoders: dict[str, Any] = {}
    for column in table.columns:
        kind = column.type
        if isinstance(kind, LargeBinary):
            decoders[column.name] = base64.b64decode
        elif isinstance(kind, UuidType):
            decoders[column.name] = uuid.UUID
        elif isinstance(kind, UtcDateTime | DateTime):
            decoders[column.name] = datetime.fromisoformat
        elif isinstance(kind, Date):
            decoders[column.name] = date.fromisoformat
    return decoders


def dump_table(connection: Connection, table: Table, handle: IO[bytes]) -> int:
    """Write every row of ``table`` as one JSON line; how many rows."""
    count = 0
    query = select(table).order_by(*table.primary_key.columns)
    for partition in connection.execution_options(yield_per=_BATCH).execute(query).partitions():
        lines = [
            json.dumps(
                {key: _encode(value) for key, value in row._mapping.items()}, ensure_ascii=False
            )
            for row in partition
        ]
        handle.write(("\n".join(lines) + "\n").encode("utf-8"))
        count += len(lines)
    return count


def _rows(table: Table, lines: Iterable[bytes], where: Path) -> Iterator[dict[str, object]]:
    decoders = _decoder(table)
    names = {column.name for column in table.columns}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or not set(row) <= names:
                raise ValueError
            yield {
                key: (decoders[key](value) if value is not None and key in decoders else value)
                for key, value in row.items()
            }
        except (ValueError, TypeError):
            raise BackupInvalid(
                N_("{path}, line {line}: not a row of table '{table}'"),
                path=str(where),
                line=number,
                table=table.name,
            ) from None


def load_table(connection: Connection, table: Table, path: Path) -> int:
    """Insert the rows of ``path`` into ``table``; how many rows."""
    count = 0
    with path.open("rb") as handle:
        batch: list[dict[str, object]] = []
        for row in _rows(table, handle, path):
            batch.append(row)
            if len(batch) == _BATCH:
                connection.execute(insert(table), batch)
                count += len(batch)
                batch = []
        if batch:
            connection.execute(insert(table), batch)
            count += len(batch)
    return count


def clear_tables(connection: Connection, tables: list[Table]) -> None:
    """Delete every row of ``tables``, children first."""
    for table in reversed(tables):
        connection.execute(delete(table))


def reset_sequences(connection: Connection, tables: list[Table]) -> None:
    """On PostgreSQL, move each serial id's sequence past the rows just inserted."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        columns = list(table.primary_key.columns)
        if len(columns) != 1 or not isinstance(columns[0].type, Integer):
            continue
        name = table.name if table.schema is None else f"{table.schema}.{table.name}"
        column = columns[0].name
        sequence = connection.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": name, "column": column},
        ).scalar_one()
        if sequence is None:
            continue
        highest = connection.execute(select(func.max(columns[0]))).scalar_one()
        connection.execute(
            text("SELECT setval(:sequence, :value, false)"),
            {"sequence": sequence, "value": (highest or 0) + 1},
        )
