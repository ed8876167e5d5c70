"""Engines for SQLite (the embedded default) and PostgreSQL, and the transaction the
interfaces open around each use case (services never commit; DESIGN rule 2).

On SQLite the data file runs in WAL mode and the key store is a second file attached as
:data:`KEYSTORE`, in rollback-journal mode: both have ``secure_delete`` on, so an erased data key is
overwritten in the file rather than left in a free page. Every transaction starts with
``BEGIN IMMEDIATE`` so that writers queue instead of failing half-way.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session

from kluis.storage.base import KEYSTORE

_log = logging.getLogger("kluis.storage")


class _Writers:
    """The queue of an SQLite database's writers: the threads of this process on a lock of
    their own, and the processes on an exclusive ``flock`` of a file beside the database,
    so that a writer waits for the one before it and starts the moment it is done, instead
    of sleeping in SQLite's busy handler (1, 2, 5, 10 ms and more at each retry)."""

    def __init__(self, path: Path) -> None:
        self._threads = threading.RLock()
        self._path = path
        self._file: int | None = None
        self._depth = 0

    def __enter__(self) -> None:
        self._threads.acquire()
        self._depth += 1
        if self._depth == 1:
            try:
                if self._file is None:
                    self._file = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self._file, fcntl.LOCK_EX)
            except OSError:
                self._depth -= 1
                self._threads.release()
                raise

    def __exit__(self, *_exc: object) -> None:
        self._depth -= 1
        if self._depth == 0 and self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._threads.release()

    def close(self) -> None:
        """Close the lock file (the engine is disposed of)."""
        if self._file is not None:
            os.close(self._file)
            self._file = None


#: The writers' queue of each SQLite engine.
_WRITERS: weakref.WeakKeyDictionary[Engine, _Writers] = weakref.WeakKeyDictionary()


def writer_lock_path(url: URL) -> Path | None:
    """The file SQLite writers of ``url`` queue on (``kluis.db`` → ``kluis-writers.lock``)."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    data = Path(url.database)
    return data.with_name(f"{data.stem}-writers.lock")


_READ_ONLY = "kluis_read_only"
_QUERY_ONLY = "kluis_query_only"
#: How long SQLite retries a lock held by someone outside Kluis's writers' queue.
BUSY_TIMEOUT_MS: Final = 30_000


def keystore_path(url: URL) -> Path | None:
    """The key-store file beside an SQLite database file (``kluis.db`` → ``kluis-keys.db``)."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    data = Path(url.database)
    return data.with_name(f"{data.stem}-keys{data.suffix or '.db'}")


def normalise_url(raw: str) -> URL:
    """The URL with the psycopg 3 driver for PostgreSQL (``postgresql://`` means psycopg)."""
    url = make_url(raw)
    if url.drivername in {"postgresql", "postgres"}:
        url = url.set(drivername="postgresql+psycopg")
    return url


def make_engine(raw_url: str, *, wal_autocheckpoint: int | None = None, **options: Any) -> Engine:
    """An engine for ``raw_url``, set up for Kluis (pragmas and key store on SQLite).

    ``wal_autocheckpoint``: on SQLite, the size of the write-ahead log (in pages) at which
    a committing transaction folds it into the database file itself (SQLite's default:
    1,000 pages); a server that does it in the background (:class:`Checkpointer`) sets it
    high, as a safety net only."""
    url = normalise_url(raw_url)
    if url.get_backend_name() != "sqlite":
        return _ping_when_idle(create_engine(url, **options))
    keys = keystore_path(url)
    if keys is None:
        raise ValueError("Kluis needs an SQLite database file, not an in-memory database")
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's BEGIN below start transactions, not the driver.
        connection.isolation_level = None
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA secure_delete=ON")
        if wal_autocheckpoint is not None:
            cursor.execute(f"PRAGMA wal_autocheckpoint={int(wal_autocheckpoint)}")
        # Read the data file through a memory map (up to SQLite's 2 GB limit) instead of one
        # read() per page: a look-up in a large vault touches a dozen pages.
        cursor.execute("PRAGMA mmap_size=2147418112")
        cursor.execute(f"ATTACH DATABASE ? AS {KEYSTORE}", (str(keys),))
        cursor.execute(f"PRAGMA {KEYSTORE}.journal_mode=DELETE")
        cursor.execute(f"PRAGMA {KEYSTORE}.secure_delete=ON")
        cursor.execute(f"PRAGMA {KEYSTORE}.synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        deferred = connection.get_execution_options().get(_READ_ONLY, False)
        # Straight to the driver: these run at every transaction, and SQLAlchemy's statement
        # machinery would cost more than SQLite takes to run them.
        driver = connection.connection.driver_connection
        # A read-only transaction is refused every write (``query_only``), so that work
        # meant to write nothing cannot write outside the writers' queue.
        if connection.info.get(_QUERY_ONLY, False) != deferred:
            driver.execute(f"PRAGMA query_only={'ON' if deferred else 'OFF'}")
            connection.info[_QUERY_ONLY] = deferred
        driver.execute("BEGIN" if deferred else "BEGIN IMMEDIATE")

    lock = writer_lock_path(url)
    assert lock is not None
    writers = _WRITERS[engine] = _Writers(lock)
    weakref.finalize(engine, writers.close)
    return engine


#: A pooled connection unused this long is checked before use (the server may have
#: restarted, or a firewall dropped the idle connection meanwhile).
IDLE_BEFORE_PING: Final = 10.0


def _ping_when_idle(engine: Engine) -> Engine:
    """Check a pooled connection before it is used if it lay idle for
    :data:`IDLE_BEFORE_PING` seconds, and replace it if it is dead. SQLAlchemy's
    ``pool_pre_ping`` checks at every use: a round trip to the server for each
    transaction, a tenth of a look-up's time under load, for connections that were in use
    a moment ago."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_BEFORE_PING:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error:
            alive = False
        if not alive:  # the pool drops this connection and tries another
            raise DisconnectionError("a pooled connection was closed while idle")

    return engine


def is_sqlite(engine: Engine) -> bool:
    """Whether ``engine`` is the embedded SQLite database."""
    return engine.dialect.name == "sqlite"


@contextmanager
def transaction(engine: Engine, *, read_only: bool = False) -> Iterator[Session]:
    """A session whose work commits when the block ends and rolls back if it raises.

    On SQLite a transaction that writes takes the write lock when it begins
    (``BEGIN IMMEDIATE``), and writers queue for it (threads and processes, see
    :class:`_Writers`) rather than in SQLite's busy handler, which sleeps; ``read_only`` work
    begins deferred and reads a snapshot beside the writer. A ``read_only`` transaction is
    refused every write, on both databases (SQLite's ``query_only``, PostgreSQL's
    ``READ ONLY``).
    """
    writers = _WRITERS.get(engine)
    if writers is None:
        bind = engine.execution_options(postgresql_readonly=True) if read_only else engine
        with Session(bind, expire_on_commit=False) as session, session.begin():
            yield session
        return
    if read_only:
        deferred = engine.execution_options(**{_READ_ONLY: True})
        with Session(deferred, expire_on_commit=False) as session, session.begin():
            yield session
        return
    with writers, Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


class Checkpointer:
    """Folds an SQLite database's write-ahead log into the database file from a thread of
    its own, every ``interval`` seconds, so that no request pays for it.

    Otherwise the transaction whose commit takes the log past 1,000 pages does it, and
    waits for the disk to flush the database file: on a server, a request every few
    hundred that waits a hundred milliseconds or more, holding the write lock meanwhile.

    Each round checkpoints ``PASSIVE``ly first: it waits for no reader and no writer, and
    does the copying and the flush. Then, if the log is long, it starts the log again
    from its beginning (``RESTART``), which under a steady stream of reads and writes
    SQLite never finds a moment to do by itself (some reader is always on the log): the
    log file would grow without end, or until a commit checkpoints after all. The restart
    holds the writers' queue (so writers wait in line, not in SQLite's busy handler, which
    sleeps) and waits for no reader: it is tried a few times a millisecond apart, and again
    next round."""

    #: Tries at restarting the log in one round, a millisecond apart.
    RESTART_TRIES: Final = 5

    def __init__(
        self, engine: Engine, *, interval: float = 1.0, restart_after: int = 1_000
    ) -> None:
        self._engine = engine
        self._interval = interval
        self._restart_after = restart_after
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        #: What the last round of the thread found (:meth:`run_once`), if one ran.
        self.last: tuple[int, bool] | None = None

    def start(self) -> None:
        """Start checkpointing (nothing to do for PostgreSQL)."""
        if not is_sqlite(self._engine) or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="kluis-checkpoints", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop, after the checkpoint under way if any."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def run_once(self) -> tuple[int, bool]:
        """One round: how many pages the log held, and whether it was started again."""
        raw = self._engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA main.wal_checkpoint(PASSIVE)")
            row = cursor.fetchone()
            pages = int(row[1]) if row else -1  # -1: the database is not in WAL mode
            restarted = pages >= self._restart_after and self._restart(cursor)
            cursor.close()
            return pages, restarted
        finally:
            raw.close()

    def _restart(self, cursor: Any) -> bool:
        writers = _WRITERS.get(self._engine)
        if writers is None:
            return False
        cursor.execute("PRAGMA busy_timeout=0")
        try:
            with writers:
                for attempt in range(self.RESTART_TRIES):
                    if attempt:
                        time.sleep(0.001)
                    cursor.execute("PRAGMA main.wal_checkpoint(RESTART)")
                    busy, _pages, _copied = cursor.fetchone()
                    if busy == 0:
                        return True
            return False
        finally:
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                self.last = self.run_once()
            except Exception as error:  # the next round tries again; commits still fold the log
                _log.warning("a background checkpoint failed: %s", type(error).__name__)


def checkpoint(engine: Engine) -> None:
    """Fold SQLite's WAL into the database file and empty it (after an erasure)."""
    if not is_sqlite(engine):
        return
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()
