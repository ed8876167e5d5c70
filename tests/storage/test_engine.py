"""Engines: SQLite in WAL mode with foreign keys and the key store attached as a second
file; PostgreSQL through psycopg 3; transactions that commit or roll back whole."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlalchemy.pool import NullPool

from kluis.audit.models import AuditHead
from kluis.storage import (
    KEYSTORE,
    Checkpointer,
    checkpoint,
    is_sqlite,
    keystore_path,
    make_engine,
    transaction,
    upgrade,
)
from kluis.storage import engine as storage_engine
from kluis.storage.engine import normalise_url
from kluis.users.models import User
from kluis.vault.models import Record, SubjectKey

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    built = make_engine(f"sqlite:///{(tmp_path / 'kluis.db').as_posix()}")
    upgrade(built)
    return built


def _pragma(engine: Engine, name: str) -> object:
    with engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_engine: Engine) -> None:
    assert _pragma(sqlite_engine, "journal_mode") == "wal"
    assert _pragma(sqlite_engine, "foreign_keys") == 1
    assert _pragma(sqlite_engine, "secure_delete") == 1
    assert _pragma(sqlite_engine, f"{KEYSTORE}.secure_delete") == 1
    # The key store keeps a rollback journal: an erased key leaves no copy in a WAL.
    assert _pragma(sqlite_engine, f"{KEYSTORE}.journal_mode") == "delete"
    sqlite_engine.dispose()


def test_the_key_store_is_attached_as_its_own_file(sqlite_engine: Engine, tmp_path: Path) -> None:
    with sqlite_engine.connect() as connection:
        attached = {
            row[1]: row[2] for row in connection.exec_driver_sql("PRAGMA database_list").all()
        }
    sqlite_engine.dispose()
    assert Path(attached["main"]) == tmp_path / "kluis.db"
    assert Path(attached[KEYSTORE]) == tmp_path / "kluis-keys.db"
    with sqlite3.connect(tmp_path / "kluis-keys.db") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_a_data_key_is_written_to_the_key_store_file_only(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    subject = uuid.uuid4()
    wrapped = b"\x01WRAPPED-KEY-MARKER\x02"
    with transaction(sqlite_engine) as session:
        session.execute(
            insert(SubjectKey),
            [{"subject_id": subject, "kek_id": "kek-1", "wrapped": wrapped, "created_at": NOW}],
        )
    checkpoint(sqlite_engine)
    sqlite_engine.dispose()
    data = b"".join(
        path.read_bytes() for path in tmp_path.iterdir() if path.name.startswith("kluis.db")
    )
    assert wrapped not in data
    assert wrapped in (tmp_path / "kluis-keys.db").read_bytes()


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with pytest.raises(IntegrityError), transaction(engine) as session:
        session.execute(
            insert(Record),
            [
                {
                    "id": uuid.uuid4(),
                    "subject_id": uuid.uuid4(),  # no such subject
                    "activity": "candidates",
                    "source": "data_subject",
                    "status": "active",
                    "fields": "",
                    "data": {},
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            ],
        )


def test_a_transaction_commits_at_the_end_and_rolls_back_on_error(engine: Engine) -> None:
    with transaction(engine) as session:
        session.add(User(name="ada", roles=["admin"], active=True, created_at=NOW))
    with pytest.raises(RuntimeError), transaction(engine) as session:
        session.add(User(name="bob", roles=[], active=True, created_at=NOW))
        session.flush()
        raise RuntimeError("stop")
    with transaction(engine) as session:
        names = session.execute(select(User.name)).scalars().all()
    assert names == ["ada"]


def test_moments_are_stored_in_utc_and_naive_ones_refused(engine: Engine) -> None:
    brussels = timezone(timedelta(hours=1))
    with transaction(engine) as session:
        session.add(
            User(
                name="ada",
                roles=[],
                active=True,
                created_at=datetime(2026, 1, 1, 13, tzinfo=brussels),
            )
        )
    with transaction(engine) as session:
        stored = session.execute(select(User.created_at)).scalar_one()
    assert stored == datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert stored.tzinfo == UTC
    with pytest.raises(StatementError, match="timezone-aware"), transaction(engine) as session:
        session.add(User(name="bob", roles=[], active=True, created_at=datetime(2026, 1, 1)))
        session.flush()


def test_the_key_store_table_is_in_its_own_schema(engine: Engine) -> None:
    with transaction(engine) as session:
        count = session.execute(select(func.count()).select_from(SubjectKey)).scalar_one()
        assert count == 0
        if engine.dialect.name == "postgresql":
            schema = session.execute(
                text(
                    "SELECT table_schema FROM information_schema.tables "
                    "WHERE table_name = 'subject_key'"
                )
            ).scalar_one()
            assert schema == KEYSTORE
        assert session.get(AuditHead, 1) is None


def test_postgresql_urls_use_psycopg_3() -> None:
    for raw in ("postgresql://u@h/db", "postgres://u@h/db", "postgresql+psycopg://u@h/db"):
        assert normalise_url(raw).drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///k.db").drivername == "sqlite"


def test_the_key_store_file_is_named_after_the_data_file() -> None:
    assert keystore_path(normalise_url("sqlite:////srv/kluis/kluis.db")) == Path(
        "/srv/kluis/kluis-keys.db"
    )
    assert keystore_path(normalise_url("sqlite:////srv/vault")) == Path("/srv/vault-keys.db")
    assert keystore_path(normalise_url("postgresql://u@h/db")) is None
    assert keystore_path(normalise_url("sqlite:///:memory:")) is None


def test_an_in_memory_database_is_refused() -> None:
    with pytest.raises(ValueError, match="SQLite database file"):
        make_engine("sqlite:///:memory:")


def test_checkpoint_empties_the_wal(sqlite_engine: Engine, tmp_path: Path) -> None:
    assert is_sqlite(sqlite_engine)
    with transaction(sqlite_engine) as session:
        session.add(User(name="ada", roles=[], active=True, created_at=NOW))
    wal = tmp_path / "kluis.db-wal"
    assert wal.stat().st_size > 0
    checkpoint(sqlite_engine)
    assert wal.stat().st_size == 0
    sqlite_engine.dispose()


def test_writers_of_two_engines_queue_on_the_lock_file(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Two engines on one file (as two processes have) take turns: the second writer waits
    for the first to commit, then writes, without a 'database is locked' error."""
    other = make_engine(f"sqlite:///{(tmp_path / 'kluis.db').as_posix()}")
    order: list[str] = []
    holding = threading.Event()

    def second() -> None:
        holding.wait(10)
        with transaction(other) as session:
            order.append("second writes")
            session.execute(text("CREATE TABLE IF NOT EXISTS probe_b (n INTEGER)"))

    helper = threading.Thread(target=second)
    helper.start()
    with transaction(sqlite_engine) as session:
        session.execute(text("CREATE TABLE probe_a (n INTEGER)"))
        holding.set()
        time.sleep(0.3)
        order.append("first commits")
    helper.join(10)
    other.dispose()
    assert order == ["first commits", "second writes"]
    lock = tmp_path / "kluis-writers.lock"
    assert lock.exists() and lock.stat().st_mode & 0o777 == 0o600


def test_read_only_work_does_not_wait_for_a_writer(sqlite_engine: Engine) -> None:
    """A read-only transaction begins deferred: it reads beside a writer holding the lock
    (one beginning IMMEDIATE would wait for it, then fail with 'database is locked')."""
    with transaction(sqlite_engine) as writing:
        writing.execute(text("CREATE TABLE probe_c (n INTEGER)"))
        with transaction(sqlite_engine, read_only=True) as reading:
            assert reading.execute(text("SELECT count(*) FROM user_account")).scalar() == 0


def test_a_read_only_transaction_refuses_every_write(engine: Engine) -> None:
    """Work meant to write nothing cannot write (on SQLite outside the writers' queue):
    SQLite's ``query_only`` and PostgreSQL's ``READ ONLY`` refuse it, and nothing stays."""
    at = datetime(2026, 11, 22, 12, tzinfo=UTC)
    with pytest.raises(DBAPIError), transaction(engine, read_only=True) as session:
        session.execute(insert(AuditHead).values(id=1, seq=0, hash="0" * 64))
    with pytest.raises(DBAPIError), transaction(engine, read_only=True) as session:
        session.add(SubjectKey(subject_id=uuid.uuid4(), kek_id="k", wrapped=b"x", created_at=at))
        session.flush()
    with transaction(engine, read_only=True) as session:
        assert session.execute(select(func.count()).select_from(AuditHead)).scalar() == 0
        assert session.execute(select(func.count()).select_from(SubjectKey)).scalar() == 0


def test_a_connection_writes_again_after_a_read_only_transaction(engine: Engine) -> None:
    """The read-only mode ends with its transaction: the same pooled connection writes in
    the next one, and reads only in the one after."""
    for round_ in range(3):
        with transaction(engine, read_only=True) as session:
            session.execute(select(func.count()).select_from(AuditHead))
        with transaction(engine) as session:
            session.execute(delete(AuditHead))
            session.execute(insert(AuditHead).values(id=1, seq=round_, hash="0" * 64))
    with transaction(engine, read_only=True) as session:
        assert session.execute(select(AuditHead.seq)).scalar_one() == 2


def test_a_pooled_connection_that_died_while_idle_is_replaced(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: a connection ended by the server while it lay in the pool is found dead
    before use and replaced, so the next transaction does not fail; one used a moment ago
    is not checked (no round trip)."""
    if is_sqlite(engine):
        pytest.skip("an SQLite connection is a file, not a server's connection")
    with transaction(engine) as session:
        first = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    other = make_engine(engine.url.render_as_string(hide_password=False), poolclass=NullPool)
    with other.connect() as killer:
        killer.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        killer.commit()
    other.dispose()
    time.sleep(0.2)
    monkeypatch.setattr(storage_engine, "IDLE_BEFORE_PING", 0.0)
    with transaction(engine, read_only=True) as session:
        again = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    assert again != first
    pings: list[int] = []
    monkeypatch.setattr(storage_engine, "IDLE_BEFORE_PING", 60.0)
    monkeypatch.setattr(engine.dialect, "do_ping", lambda _c: pings.append(1) or True)
    with transaction(engine) as session:
        session.execute(text("SELECT 1"))
    assert pings == []


def _write_some(engine: Engine, rounds: int = 5) -> None:
    for round_ in range(rounds):
        with transaction(engine) as session:
            session.execute(delete(AuditHead))
            session.execute(insert(AuditHead).values(id=1, seq=round_, hash="0" * 64))


def test_the_checkpointer_folds_the_log_and_starts_it_again(sqlite_engine: Engine) -> None:
    _write_some(sqlite_engine)
    checkpoints = Checkpointer(sqlite_engine, restart_after=1)
    pages, restarted = checkpoints.run_once()
    assert pages > 0 and restarted
    _write_some(sqlite_engine, rounds=1)
    again, _restarted = checkpoints.run_once()
    assert 0 < again < pages  # the log began again: only the newest write is in it
    assert _pragma(sqlite_engine, "busy_timeout") == 30_000


def test_the_checkpointer_does_not_wait_for_a_reader(sqlite_engine: Engine) -> None:
    """A reader on the log keeps it from starting again: the round says so at once, and
    writers go on (the log starts again in a later round)."""
    _write_some(sqlite_engine)
    checkpoints = Checkpointer(sqlite_engine, restart_after=1)
    with transaction(sqlite_engine, read_only=True) as reading:
        reading.execute(select(func.count()).select_from(AuditHead)).scalar_one()
        _write_some(sqlite_engine, rounds=1)  # the reader now reads an older snapshot
        started = time.monotonic()
        _pages, restarted = checkpoints.run_once()
        assert not restarted
        assert time.monotonic() - started < 1.0
        _write_some(sqlite_engine, rounds=1)
    assert checkpoints.run_once()[1]


def test_the_checkpointer_runs_in_a_thread_until_stopped(sqlite_engine: Engine) -> None:
    _write_some(sqlite_engine)
    checkpoints = Checkpointer(sqlite_engine, interval=0.05, restart_after=1)
    assert checkpoints.last is None
    checkpoints.start()
    try:
        deadline = time.monotonic() + 10
        while checkpoints.last is None:
            assert time.monotonic() < deadline, "no round ran"
            time.sleep(0.05)
    finally:
        checkpoints.stop()
    pages, restarted = checkpoints.last
    assert pages > 0 and restarted
    assert not any(thread.name == "kluis-checkpoints" for thread in threading.enumerate())
