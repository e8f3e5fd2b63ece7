"""The people who may use the program."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, func, select, type_coerce, update
from sqlalchemy.orm import Session

from db.queries.convert import user_from
from db.tables import SessionRow, UserRow
from triage.models import Role, User


@dataclass(frozen=True)
class Credentials:
    """What a login is checked against; never leaves the services that check it."""

    password_hash: str | None  # None: no password set yet
    failed_logins: int
    locked_until: datetime | None


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

    def credentials(self, user_id: int, *, lock: bool = False) -> Credentials:
        row = self._session.get(UserRow, user_id, with_for_update=lock)
        assert row is not None
        return Credentials(row.password_hash, row.failed_logins, row.locked_until)

    def set_password(self, user_id: int, password_hash: str | None) -> None:
        """A new password (None: none, for its owner to set), with any lockout lifted."""
        self._session.execute(
            update(UserRow)
            .where(UserRow.id == user_id)
            .values(password_hash=password_hash, failed_logins=0, locked_until=None)
        )

    def record_login(self, user_id: int, *, failed: int, locked_until: datetime | None) -> None:
        self._session.execute(
            update(UserRow)
            .where(UserRow.id == user_id)
            .values(failed_logins=failed, locked_until=locked_until)
        )

    # --- sessions ---------------------------------------------------------------------------

    def start_session(
        self, user_id: int, token_sha256: str, started: datetime, expires: datetime
    ) -> None:
        self._session.add(
            SessionRow(
                token_sha256=token_sha256, user_id=user_id, started_at=started, expires_at=expires
            )
        )
        self._session.flush()

    def session_user(self, token_sha256: str, now: datetime) -> int | None:
        """The user of a session still open at `now`, if any."""
        row = self._session.scalar(
            select(SessionRow).where(SessionRow.token_sha256 == token_sha256)
        )
        if row is None or row.ended_at is not None or row.expires_at <= now:
            return None
        return row.user_id

    def end_sessions(
        self, now: datetime, *, user_id: int | None = None, token_sha256: str | None = None
    ) -> int:
        """End one session (by token) or all of a user's; how many were open."""
        condition = (
            SessionRow.token_sha256 == token_sha256
            if token_sha256 is not None
            else SessionRow.user_id == user_id
        )
        result = self._session.execute(
            update(SessionRow).where(condition, SessionRow.ended_at.is_(None)).values(ended_at=now)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
