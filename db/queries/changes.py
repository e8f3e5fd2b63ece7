"""Whether the records changed since a moment: a token that moves with every change another
workstation's screens would show (a log entry: decisions, flags, details; an import)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.tables import ImportRow, LogEntryRow


class Changes:
    def __init__(self, session: Session) -> None:
        self._session = session

    def token(self) -> tuple[int, int]:
        """The last log entry's seq and the last import's id: two primary-key lookups, so
        polling it every second or two costs nothing at any size."""
        seq = self._session.execute(select(func.max(LogEntryRow.seq))).scalar()
        imported = self._session.execute(select(func.max(ImportRow.id))).scalar()
        return (seq or 0, imported or 0)
