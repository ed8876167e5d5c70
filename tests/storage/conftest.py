"""An empty database (no table at all), on SQLite or, with KLUIS_TEST_DATABASE_URL, on
PostgreSQL, for the tests of migrations."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from kluis.storage import make_engine


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """The URL of a database with nothing in it."""
    server = os.environ.get("KLUIS_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{(tmp_path / 'empty.db').as_posix()}"
        return
    name = f"kluis_empty_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield make_url(server).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()
