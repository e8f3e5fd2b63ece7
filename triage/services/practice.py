"""The practice's own details (letterhead, contact route), its letter templates folder, and the
order its queue opens in."""

from __future__ import annotations

from pathlib import Path

from triage import audit
from triage.errors import UserError
from triage.models import LogEvent, Practice, QueueSort
from triage.paths import expand_user
from triage.rules import Permission, require
from triage.services.workspace import Workspace


def practice_details(workspace: Workspace) -> tuple[Practice, str | None] | None:
    with workspace.database.read() as tx:
        return tx.practice.get()


def queue_opening_order(workspace: Workspace) -> QueueSort:
    """How the queue opens for everyone: oldest first unless the practice chose otherwise (the
    soonest due, say: the most urgent first)."""
    with workspace.database.read() as tx:
        return _order(tx.practice.queue_opens())


def _order(chosen: str | None) -> QueueSort:
    return QueueSort(chosen) if chosen in set(QueueSort) else QueueSort.OLDEST


def set_practice_details(
    workspace: Workspace,
    practice: Practice,
    letters_dir: Path | None,
    queue_opens: QueueSort | None = None,
) -> QueueSort:
    """Save the details (managers only), with a log entry saying who changed them. The queue's
    opening order is kept as it was unless given; returns the one now in force."""
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
        letters = str(folder) if folder else None
        queue_opens = queue_opens or _order(tx.practice.queue_opens())
        tx.practice.save(practice, letters, queue_opens.value, workspace.user, now)
        details: dict[str, object] = {
            **practice.model_dump(),
            "letters_dir": letters or "",
            "queue_opens": queue_opens.value,
        }
        audit.append(
            tx,
            event=LogEvent.PRACTICE_UPDATED,
            user=workspace.user,
            at=now,
            details=details,
        )
    return queue_opens
