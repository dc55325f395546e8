"""Alembic environment: runs on the connection handed over by store.db.upgrade_schema."""

from alembic import context

from store.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI directly
    from sqlalchemy import create_engine

    from ktm.config import database_url

    connection = create_engine(database_url()).connect()

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
