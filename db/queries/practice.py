"""The practice's details: its letterhead."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from db.tables import PracticeRow
from triage.models import Practice, User


class PracticeDetails:
    def __init__(self, session: Session) -> None:
        self._session = session
        # The session holds the objects it loaded only weakly: holding the row here keeps it
        # there, so a transaction deciding many requests reads the letterhead once.
        self._row: PracticeRow | None = None

    def get(self) -> tuple[Practice, str | None] | None:
        """The practice's details and its own letter templates folder, once set."""
        row = self._row = self._session.get(PracticeRow, 1)
        if row is None:
            return None
        practice = Practice(
            name=row.name,
            ods_code=row.ods_code,
            address=row.address,
            phone=row.phone,
            email=row.email,
        )
        return practice, row.letters_dir

    def queue_opens(self) -> str | None:
        """The order the practice chose for the queue to open in, if it chose one."""
        row = self._session.get(PracticeRow, 1)
        return row.queue_opens if row else None

    def save(
        self,
        practice: Practice,
        letters_dir: str | None,
        queue_opens: str | None,
        by: User,
        at: datetime,
    ) -> None:
        row = self._session.get(PracticeRow, 1) or PracticeRow(id=1)
        row.name, row.ods_code, row.address = practice.name, practice.ods_code, practice.address
        row.phone, row.email, row.letters_dir = practice.phone, practice.email, letters_dir
        row.queue_opens = queue_opens
        row.updated_by_id, row.updated_at = by.id, at
        self._session.add(row)
        self._session.flush()
