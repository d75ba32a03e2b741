"""Alembic environment: runs against the connection handed over by
:func:`schakel.store.migrate.upgrade` (never reads alembic.ini)."""

from alembic import context

from schakel.store.models import Base

target_metadata = Base.metadata
connection = context.config.attributes["connection"]
context.configure(
    connection=connection, target_metadata=target_metadata, render_as_batch=True
)
with context.begin_transaction():
    context.run_migrations()
