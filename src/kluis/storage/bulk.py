"""Inserting many rows at once, for the paths that write thousands of rows a second (an
import, the audit entries it writes).

One ``executemany`` of a statement compiled once per table and set of columns, with values
converted column by column by the columns' own bind processors (a value the whole column
shares is converted once). SQLAlchemy's ORM and its Core ``execute(insert(), rows)`` do the
same work row by row and value by value, which costs more than the insert itself at this
scale. On PostgreSQL a batch goes by ``COPY``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Dialect, LargeBinary, Table, Uuid, insert
from sqlalchemy.orm import Session

_Processor = Callable[[Any], Any] | None
_Compiled = tuple[str, tuple[str, ...], list[_Processor], bool]
_STATEMENTS: dict[tuple[str, str, tuple[str, ...], frozenset[str]], _Compiled] = {}


def _statement(
    dialect: Dialect, table: Table, keys: tuple[str, ...], raw: frozenset[str]
) -> _Compiled:
    """The SQL, the columns in the order it binds them, their processors, and whether it binds
    by position (SQLite) or by name (PostgreSQL)."""
    cache_key = (dialect.name, table.fullname, keys, raw)
    found = _STATEMENTS.get(cache_key)
    if found is None:
        compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
        positional = bool(compiled.positiontup)
        order = tuple(compiled.positiontup) if positional else keys  # type: ignore[arg-type]
        processors: list[_Processor] = [
            None
            if key in raw or isinstance(table.c[key].type, LargeBinary)
            else table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
            for key in order
        ]
        found = _STATEMENTS[cache_key] = (compiled.string, order, processors, positional)
    return found


def insert_tuples(
    session: Session,
    table: Table,
    keys: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    raw: frozenset[str] = frozenset(),
) -> None:
    """Insert ``rows``, each a sequence of values for ``keys`` in that order.

    Columns in ``raw`` are given in their stored form already (JSON text, an id from
    :func:`id_form`); bytes go to the drivers as they are.
    """
    if not rows:
        return
    connection = session.connection()
    names = tuple(keys)
    sql, order, processors, positional = _statement(connection.dialect, table, names, raw)
    position = {name: index for index, name in enumerate(names)}
    columns: list[list[Any]] = []
    for key, convert in zip(order, processors, strict=True):
        index = position[key]
        values = [row[index] for row in rows]
        if convert is None:
            columns.append(values)
        elif values.count(values[0]) == len(values):
            columns.append([convert(values[0])] * len(values))
        else:
            columns.append(list(map(convert, values)))
    params: list[Any] = list(zip(*columns, strict=True))
    if connection.dialect.name == "postgresql" and len(params) >= _COPY_FROM:
        _copy(connection.connection.driver_connection, table, order, params)
    elif positional:
        connection.exec_driver_sql(sql, params)
    else:
        connection.exec_driver_sql(
            sql, [dict(zip(order, values, strict=True)) for values in params]
        )


#: From this many rows on, PostgreSQL takes them by ``COPY``: one stream instead of a
#: statement per row, several times faster for an import's batches.
_COPY_FROM = 200


def _copy(driver: Any, table: Table, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Stream ``rows`` into ``table`` with PostgreSQL's ``COPY ... FROM STDIN``, in the
    transaction of ``driver`` (a psycopg connection)."""
    from psycopg import sql  # noqa: PLC0415 - PostgreSQL's driver, loaded only when used

    target = sql.Identifier(*([table.schema] if table.schema else []), table.name)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        target, sql.SQL(", ").join(sql.Identifier(name) for name in names)
    )
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def insert_rows(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, object]],
    *,
    raw: frozenset[str] = frozenset(),
) -> None:
    """Insert ``rows``, mappings that all have the same keys (see :func:`insert_tuples`)."""
    if not rows:
        return
    keys = tuple(rows[0])
    if len(keys) == 1:
        (key,) = keys
        insert_tuples(session, table, keys, [(row[key],) for row in rows], raw=raw)
        return
    values = itemgetter(*keys)
    insert_tuples(session, table, keys, [values(row) for row in rows], raw=raw)


def id_form(dialect: Dialect) -> Callable[[uuid.UUID], object]:
    """How an id (a UUID) is given to ``dialect``'s driver: 32 hexadecimal digits on SQLite,
    the UUID itself where the database has a type for it. Ids converted once this way can be
    bound in ``raw`` columns of every table that holds them."""
    convert = Uuid().dialect_impl(dialect).bind_processor(dialect)
    if convert is None:
        return lambda value: value
    return convert
