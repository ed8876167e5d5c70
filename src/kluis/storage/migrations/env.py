"""Alembic environment: migrations always run on a connection handed in by
:func:`kluis.storage.migrate.upgrade`, never on a URL read here."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
