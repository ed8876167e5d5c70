"""What every vault command needs: settings, the database (migrated), the key provider, the
acting user, and one transaction per use case (services never commit)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kluis.cli.console import domain_errors
from kluis.config import Settings, load_settings
from kluis.core.actor import Actor
from kluis.core.clock import Clock, SystemClock
from kluis.core.errors import NotFound
from kluis.crypto import LocalKeyProvider, read_key_file
from kluis.storage import current_revision, head_revision, make_engine, transaction, upgrade
from kluis.storage.engine import normalise_url
from kluis.users import actor_for
from kluis.vault.keyring import Keyring


@dataclass
class Context:
    """The settings of the working folder and what follows from them, opened lazily."""

    settings: Settings
    clock: Clock = field(default_factory=SystemClock)

    @cached_property
    def engine(self) -> Engine:
        """The database, brought to the newest revision."""
        url = normalise_url(self.settings.database_url)
        if (
            url.get_backend_name() == "sqlite"
            and url.database
            and not (self.settings.config_file.exists() or _exists(url.database))
        ):
            raise NotFound(
                "no Kluis vault in {folder}; run 'kluis init' there first",
                folder=str(self.settings.folder),
            )
        engine = make_engine(self.settings.database_url)
        if current_revision(engine) != head_revision():
            upgrade(engine)
        return engine

    @cached_property
    def provider(self) -> LocalKeyProvider:
        """The key provider over the key file."""
        return LocalKeyProvider(read_key_file(self.settings.key_file))

    def keyring(self) -> Keyring:
        """A keyring for one unit of work."""
        return Keyring(self.provider)

    def close(self) -> None:
        """Close the database connections, if any were opened."""
        engine = self.__dict__.pop("engine", None)
        if engine is not None:
            engine.dispose()

    def __enter__(self) -> Context:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def unit(self) -> Iterator[tuple[Session, Actor]]:
        """One transaction, and the acting user (``KLUIS_USER``, else the login name)."""
        with transaction(self.engine) as session:
            yield session, actor_for(session, self.settings.user)


def _exists(path: str) -> bool:
    return Path(path).exists()


def open_context() -> Context:
    """The context of the working folder (or ``KLUIS_HOME``); use it in a ``with`` block so
    that its connections are closed."""
    return Context(load_settings())


@contextmanager
def command_unit(messages: str) -> Iterator[tuple[Context, Session, Actor]]:
    """A command's whole work in one transaction: the context of the working folder, the
    session and the acting user, with domain errors turned into a message in ``messages``
    and an exit status."""
    context = open_context()
    with context, domain_errors(messages), context.unit() as (session, actor):
        yield context, session, actor
