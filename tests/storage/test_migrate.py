"""Migrations: an empty database goes to the newest revision, and back, on SQLite and
PostgreSQL alike; the key store lands apart from the data."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from kluis.storage import (
    KEYSTORE,
    current_revision,
    downgrade,
    head_revision,
    keystore_path,
    make_engine,
    upgrade,
)
from kluis.storage.engine import normalise_url

pytestmark = pytest.mark.db

#: Tables of the data database; the key store holds ``subject_key`` alone.
DATA_TABLES = {
    "anonymous_record",
    "audit_entry",
    "audit_head",
    "consent_event",
    "identifier",
    "import_job",
    "import_refusal",
    "legal_hold",
    "record",
    "register_version",
    "request_step",
    "retention_run",
    "subject",
    "subject_request",
    "suppression",
    "user_account",
}


@pytest.fixture
def empty_engine(empty_database_url: str) -> Iterator[Engine]:
    built = make_engine(empty_database_url)
    yield built
    built.dispose()


def _tables(engine: Engine, schema: str | None = None) -> set[str]:
    return set(inspect(engine).get_table_names(schema=schema)) - {"alembic_version"}


def test_an_empty_database_is_migrated_to_the_newest_revision(empty_engine: Engine) -> None:
    assert current_revision(empty_engine) is None
    assert _tables(empty_engine) == set()
    upgrade(empty_engine)
    assert head_revision() is not None
    assert current_revision(empty_engine) == head_revision()
    assert _tables(empty_engine) >= DATA_TABLES
    assert "subject_key" not in _tables(empty_engine)
    assert _tables(empty_engine, KEYSTORE) == {"subject_key"}
    upgrade(empty_engine)  # a second run changes nothing
    assert current_revision(empty_engine) == head_revision()


def test_the_key_store_is_a_separate_file_on_sqlite(empty_engine: Engine) -> None:
    if empty_engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps the key store in a schema of its own")
    upgrade(empty_engine)
    url = normalise_url(empty_engine.url.render_as_string(hide_password=False))
    data, keys = Path(str(url.database)), keystore_path(url)
    assert keys is not None
    assert keys.exists()

    def names(path: Path) -> set[str]:
        with sqlite3.connect(path) as raw:
            rows = raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            return {name for (name,) in rows}

    assert names(keys) == {"subject_key"}
    assert "subject_key" not in names(data)
    assert names(data) >= DATA_TABLES


def test_downgrade_to_base_and_upgrade_again(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    downgrade(empty_engine, "base")
    assert current_revision(empty_engine) is None
    assert _tables(empty_engine) == set()
    assert _tables(empty_engine, KEYSTORE) == set()
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    assert _tables(empty_engine) >= DATA_TABLES
    assert _tables(empty_engine, KEYSTORE) == {"subject_key"}


def test_the_test_databases_are_at_the_newest_revision(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()


def test_a_vault_at_an_earlier_revision_gets_what_came_after(empty_engine: Engine) -> None:
    # A vault made by an earlier Kluis is upgraded in place: 0002 as it was released.
    upgrade(empty_engine, "0002")
    assert "consent_event" not in _tables(empty_engine)
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    assert _tables(empty_engine) >= DATA_TABLES
    columns = {column["name"] for column in inspect(empty_engine).get_columns("record")}
    assert {"renewals", "consent_given", "consent_withdrawn", "reviewed"} <= columns
    indexes = {index["name"] for index in inspect(empty_engine).get_indexes("record")}
    assert "ix_record_activity_id" in indexes and "ix_record_subject_id" not in indexes


def test_a_downgrade_never_silently_drops_a_wrapped_second_factor(empty_engine: Engine) -> None:
    """Going back before 0007 would drop the wrapped secrets, which a migration cannot
    unwrap: refused while one remains, so that no user loses their second factor unseen."""
    upgrade(empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO user_account (id, name, roles, active, created_at) "
                "VALUES (1, 'dora', '[\"dpo\"]', :yes, :at)"
            ),
            {"yes": True, "at": "2026-11-22 12:00:00"},
        )
        connection.execute(
            text(
                "INSERT INTO user_login (user_id, password_hash, totp_kek_id, totp_wrapped, "
                "changed_at) VALUES (1, 'x', 'kek-1', :wrapped, :at)"
            ),
            {"wrapped": b"\x00" * 48, "at": "2026-11-22 12:00:00"},
        )
    with pytest.raises(RuntimeError, match="1 user\\(s\\) sign in with a second factor"):
        downgrade(empty_engine, "0006")
    assert current_revision(empty_engine) == head_revision()
    with empty_engine.begin() as connection:
        connection.execute(text("UPDATE user_login SET totp_kek_id = NULL, totp_wrapped = NULL"))
    downgrade(empty_engine, "0006")
    assert current_revision(empty_engine) == "0006"
