"""Copies of SQLite files: ``VACUUM INTO`` to take one (a consistent snapshot, compacted, with
no free page left over from deleted rows), SQLite's online backup API to put one back."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine


def vacuum_into(engine: Engine, schema: str, target: Path) -> None:
    """Write a consistent copy of ``schema`` (``main`` or the key store) to ``target``.

    The copy is switched to rollback-journal mode, so it is one self-contained file that can be
    opened read-only and hashed as it is.
    """
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(f"VACUUM {schema} INTO ?", (str(target),))
        cursor.close()
    finally:
        raw.close()
    with closing(sqlite3.connect(target)) as copy:
        copy.execute("PRAGMA journal_mode=DELETE")


def counts(path: Path) -> tuple[str | None, dict[str, int]]:
    """The migration revision (if any) and the row count of each table of an SQLite file."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as copy:
        names = [
            name
            for (name,) in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        found = {
            name: int(copy.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0])  # noqa: S608
            for name in names
        }
        revision = None
        if "alembic_version" in names:
            row = copy.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
    found.pop("alembic_version", None)
    return revision, found


def key_kek_ids(path: Path) -> set[str]:
    """The KEK ids the data keys of a key-store file are wrapped by."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as copy:
        return {kek for (kek,) in copy.execute("SELECT DISTINCT kek_id FROM subject_key")}


def has_key_table(path: Path) -> bool:
    """Whether ``path`` is a key store with its table (a lost key store is not)."""
    if not path.is_file():
        return False
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as store:
            return (
                store.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'subject_key'"
                ).fetchone()
                is not None
            )
    except sqlite3.DatabaseError:
        return False


def copy_into(source: Path, target: Path) -> None:
    """Replace the content of the SQLite file ``target`` with that of ``source``, page by page
    under SQLite's own lock (the online backup API), WAL and all."""
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as origin,
        closing(sqlite3.connect(target)) as destination,
    ):
        origin.backup(destination)
        if destination.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            destination.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def audit_head(path: Path) -> tuple[int, str] | None:
    """The newest audit entry (sequence number, hash) of an SQLite data file, if any."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as copy:
        row = copy.execute("SELECT seq, hash FROM audit_head").fetchone()
    return None if row is None else (int(row[0]), str(row[1]))
