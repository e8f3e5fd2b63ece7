"""Letters' files as they arrived, by SHA-256 (added once, never changed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.tables import OriginalRow


class Originals:
    def __init__(self, session: Session) -> None:
        self._session = session

    def keep(self, sha256: str, file_name: str, content: bytes, at: datetime) -> None:
        """Store the file unless the same bytes are already stored."""
        if self._session.get(OriginalRow, sha256) is None:
            self._session.add(
                OriginalRow(
                    sha256=sha256, file_name=file_name, size=len(content), content=content,
                    added_at=at,
                )
            )  # fmt: skip
            self._session.flush()

    def get(self, sha256: str) -> tuple[str, bytes] | None:
        """The file's name when first imported, and its bytes."""
        row = self._session.execute(
            select(OriginalRow.file_name, OriginalRow.content).where(OriginalRow.sha256 == sha256)
        ).first()
        return (row.file_name, row.content) if row else None
