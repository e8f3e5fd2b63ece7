"""Bringing a database to the schema this program needs: Alembic migrations, applied on start.

Checking is cheap (one query against alembic_version); Alembic itself is only imported when there
is something to upgrade, because importing it costs a noticeable part of a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from db.engine import Database
from triage.errors import NotATriageDatabase, SchemaTooNew

if TYPE_CHECKING:
    from alembic.config import Config

# The newest migration in db/migrations/versions (a test keeps this in step with the scripts).
HEAD_REVISION = "0018"

# Any fixed number: PostgreSQL's advisory lock, held while one workstation migrates.
_MIGRATION_LOCK_KEY = 0x7472_6961_6765


@dataclass(frozen=True)
class SchemaChange:
    before: str | None  # None: the database was empty
    after: str


def current_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    return str(revision) if revision is not None else None


def ensure_schema(database: Database) -> SchemaChange | None:
    """Upgrade the database if it is behind; None when it was already current."""
    with database.connection(write=False) as connection:
        current = current_revision(connection) == HEAD_REVISION
    if not current:
        return upgrade(database)
    database.use_wal()
    return None


def upgrade(database: Database) -> SchemaChange | None:
    """Apply every pending migration in one transaction: all of them, or none."""
    from alembic import command

    with database.connection(write=False) as connection:
        if current_revision(connection) is None:
            _refuse_foreign_tables(connection, database.display_url)
    database.use_wal()  # the file is empty or ours: now it may be changed
    with database.connection(write=True) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
        before = current_revision(connection)  # again: another workstation may have just done it
        if before == HEAD_REVISION:
            return None
        if before is None:
            _refuse_foreign_tables(connection, database.display_url)
        config = _alembic_config(connection)
        if before is not None and not _is_known_revision(config, before):
            raise SchemaTooNew(
                f"{database.display_url} was upgraded by a newer version of this program "
                f"(schema {before}); install that version to use it"
            )
        command.upgrade(config, "head")
    return SchemaChange(before=before, after=HEAD_REVISION)


def _refuse_foreign_tables(connection: Connection, where: str) -> None:
    tables = sorted(inspect(connection).get_table_names())
    if tables:
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        raise NotATriageDatabase(
            f"{where} already holds tables that are not this program's ({shown}); "
            "refusing to change it"
        )


def _alembic_config(connection: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("db") / "migrations"))
    config.attributes["connection"] = connection
    return config


def _is_known_revision(config: Config, revision: str) -> bool:
    from alembic.script import ScriptDirectory

    return revision in {
        script.revision for script in ScriptDirectory.from_config(config).walk_revisions()
    }
