"""The server's state, built once by ``create_app`` and kept on the application."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from kluis.config import Settings
from kluis.core.clock import Clock
from kluis.crypto.keys import KeyProvider
from kluis.server.auditing import AuditCommitter
from kluis.storage import transaction
from kluis.vault.keyring import Keyring

if TYPE_CHECKING:
    from kluis.server.auth import Caller


@dataclass
class ServerState:
    """Settings, the database, the key provider and the clock of one server process.
    ``setup_code`` guards the page that creates the first administrator."""

    settings: Settings
    engine: Engine
    provider: KeyProvider
    clock: Clock
    setup_code: str
    #: Whether cookies carry the ``Secure`` flag (always, except in tests over plain HTTP).
    secure_cookies: bool = True
    extras: dict[str, object] = field(default_factory=dict)
    #: Callers authenticated lately: credential -> (valid until, monotonic seconds; caller).
    callers: dict[str, tuple[float, Caller]] = field(default_factory=dict)
    #: Commits the audit entries of concurrent reads together.
    audit: AuditCommitter = field(init=False)

    def __post_init__(self) -> None:
        self.audit = AuditCommitter(self.engine)

    def keyring(self) -> Keyring:
        """A keyring for one unit of work."""
        return Keyring(self.provider)

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[Session]:
        """One transaction: commits when the block ends, rolls back if it raises;
        ``read_only`` for work that writes nothing (it does not wait for writers)."""
        with transaction(self.engine, read_only=read_only) as session:
            yield session


def state_of(connection: HTTPConnection) -> ServerState:
    """The state of the application serving ``connection``."""
    state: ServerState = connection.app.state.kluis
    return state
