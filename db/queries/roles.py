"""Who is connected, on a PostgreSQL database whose roles are set up (db/roles.py): the
person's own login role is who acts, and their group is their role."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from db.roles import GROUPS
from triage.models import Role


class DatabaseRoles:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._postgres = session.get_bind().dialect.name == "postgresql"

    def enforced(self) -> bool:
        """Whether this database grants the triage groups (setup-roles was run on it): then each
        person connects as themselves. Always False on SQLite."""
        if not self._postgres:
            return False
        # CASE, not AND: has_table_privilege raises for a role that does not exist.
        return bool(
            self._session.scalar(
                text(
                    "SELECT CASE WHEN to_regrole(:g) IS NULL THEN false "
                    "ELSE has_table_privilege(:g, 'log_entries', 'INSERT') END"
                ),
                {"g": GROUPS[Role.CLERK]},
            )
        )

    def connected_as(self) -> str:
        """The login role PostgreSQL authenticated (session_user: not changed by SET ROLE)."""
        return str(self._session.scalar(text("SELECT session_user")))

    def groups_held(self) -> set[Role]:
        """The roles whose group's privileges the connected login has."""
        return {
            role
            for role, group in GROUPS.items()
            if self._session.scalar(
                text("SELECT pg_has_role(session_user, :g, 'USAGE')"), {"g": group}
            )
        }

    def can_log_in(self, name: str) -> bool:
        """Whether `name` is a PostgreSQL role that may log in (and is not a superuser)."""
        return bool(
            self._session.scalar(
                text(
                    "SELECT EXISTS (SELECT 1 FROM pg_roles "
                    "WHERE rolname = :name AND rolcanlogin AND NOT rolsuper)"
                ),
                {"name": name},
            )
        )

    def sync_member(self, name: str) -> str:
        """Make the person's group membership what the users table says (in this transaction):
        their role's group while they have access, none once withdrawn. Returns the group, or
        "none". Only triage_manager may run it; the database refuses anyone else."""
        return str(self._session.scalar(text("SELECT triage_sync_member(:name)"), {"name": name}))
