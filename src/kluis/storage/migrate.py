"""Alembic migrations, run from code: ``kluis init`` and every command bring the database to
the newest revision before use; tests migrate their databases the same way."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

_LOCATION = "kluis.storage:migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", _LOCATION)
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database of ``engine`` to ``revision``."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database of ``engine`` back to ``revision`` (``base``: no Kluis table left)."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision Kluis knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()
