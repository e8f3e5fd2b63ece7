"""The people who may use the program."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from db.queries.convert import user_from
from db.tables import UserRow
from triage.models import Role, User


class Users:
    def __init__(self, session: Session) -> None:
        self._session = session

    def count(self) -> int:
        return self._session.scalar(select(func.count()).select_from(UserRow)) or 0

    def find(self, name: str) -> User | None:
        row = self._session.scalar(select(UserRow).where(UserRow.name == name))
        return user_from(row) if row else None

    def all(self) -> list[User]:
        rows = self._session.scalars(select(UserRow).order_by(UserRow.role, UserRow.name))
        return [user_from(row) for row in rows]

    def add(
        self, name: str, role: Role, full_name: str | None, created_by: User | None, now: datetime
    ) -> User:
        row = UserRow(
            name=name,
            role=role,
            full_name=full_name,
            active=True,
            created_at=now,
            created_by_id=created_by.id if created_by else None,
        )
        self._session.add(row)
        self._session.flush()
        return user_from(row)

    def set_role(self, name: str, role: Role) -> None:
        row = self._session.scalar(select(UserRow).where(UserRow.name == name))
        assert row is not None, "the caller found the user"
        row.role = role
        self._session.flush()

    def remove(self, name: str) -> None:
        """Withdraw access; the row stays, as decisions and log entries name it."""
        row = self._session.scalar(select(UserRow).where(UserRow.name == name))
        assert row is not None, "the caller found the user"
        row.active = False
        self._session.flush()

    def as_stored(self) -> dict[str, tuple[str, bool]]:
        """Every user's (role, active) as the table holds them, the role as raw text so that
        a value no role has is compared, not refused (verifying the log reads this)."""
        rows = self._session.execute(
            select(UserRow.name, type_coerce(UserRow.role, String), UserRow.active)
        )
        return {name: (str(role), bool(active)) for name, role, active in rows}
