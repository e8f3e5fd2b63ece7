"""Alembic environment. The program runs migrations through db.schema with a connection that is
already inside a write transaction; developers creating a new migration use the alembic.ini at the
repository root (see README, "Changing the schema")."""

from alembic import context
from sqlalchemy import Connection

from db.engine import open_database
from db.tables import Base

config = context.config
connection = config.attributes.get("connection")


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite can only change tables by copying them
        transactional_ddl=True,  # all of a migration, or none of it
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set sqlalchemy.url in alembic.ini, or run `triage db upgrade`")
    database = open_database(url)
    with database.connection(write=True) as developer_connection:
        _run(developer_connection)
    database.dispose()
