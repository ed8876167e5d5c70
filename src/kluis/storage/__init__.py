"""Storage: the declarative base, engines, transactions and migrations. Imports only
``kluis.core`` and SQLAlchemy/Alembic; features define their own tables on :class:`Base`."""

from kluis.storage.base import KEYSTORE, Base, UtcDateTime
from kluis.storage.engine import (
    Checkpointer,
    checkpoint,
    is_sqlite,
    keystore_path,
    make_engine,
    transaction,
)
from kluis.storage.migrate import current_revision, downgrade, head_revision, upgrade

__all__ = [
    "KEYSTORE",
    "Base",
    "Checkpointer",
    "UtcDateTime",
    "checkpoint",
    "current_revision",
    "downgrade",
    "head_revision",
    "is_sqlite",
    "keystore_path",
    "make_engine",
    "transaction",
    "upgrade",
]
