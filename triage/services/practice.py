"""The practice's own details (letterhead, contact route) and its letter templates folder."""

from __future__ import annotations

from pathlib import Path

from triage import audit
from triage.errors import UserError
from triage.models import LogEvent, Practice
from triage.paths import expand_user
from triage.rules import Permission, require
from triage.services.workspace import Workspace


def practice_details(workspace: Workspace) -> tuple[Practice, str | None] | None:
    with workspace.database.read() as tx:
        return tx.practice.get()


def set_practice_details(
    workspace: Workspace, practice: Practice, letters_dir: Path | None
) -> None:
    """Save the details (managers only), with a log entry saying who changed them."""
    require(workspace.user, Permission.SET_PRACTICE)
    for field, value in practice.model_dump().items():
        if not str(value).strip():
            raise UserError(f"the practice's {field.replace('_', ' ')} is empty")
    folder = None
    if letters_dir is not None:
        folder = expand_user(letters_dir).resolve()
        if not folder.is_dir():
            raise UserError(f"{letters_dir}: no such folder of letter templates")
    with workspace.database.write() as tx:
        now = workspace.clock.now()
        tx.practice.save(practice, str(folder) if folder else None, workspace.user, now)
        details: dict[str, object] = {**practice.model_dump(), "letters_dir": str(folder or "")}
        audit.append(
            tx,
            event=LogEvent.PRACTICE_UPDATED,
            user=workspace.user,
            at=now,
            details=details,
        )
