"""What every export shares: the log head it carries, and being logged before it is placed."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from db import Transaction
from triage import audit
from triage.models import DecisionFilter, LogEvent
from triage.services.exports.files import file_sha256
from triage.services.exports.leftovers import remove_leftovers
from triage.services.exports.rows import Anchor
from triage.services.workspace import Workspace


@dataclass(frozen=True)
class Exported:
    path: Path
    rows: int  # decisions
    sha256: str  # of the file (for letters: of the list of files and their hashes)
    anchor: Anchor
    notes: tuple[str, ...] = ()  # for the user: leftovers removed, or that it was not logged


def log_anchor(tx: Transaction) -> Anchor:
    head = tx.log.head(lock=False)
    return Anchor(*head) if head else Anchor(0, audit.GENESIS)


def log_and_place(
    workspace: Workspace,
    temporary: Path,
    destination: Path,
    what: str,
    chosen: DecisionFilter,
    rows: int,
    anchor: Anchor,
    sha256: str | None = None,
) -> Exported:
    """Log the export, then move it into place: an export on disk is always in the log (of a
    database that may be written). Then remove what earlier exports to the same place, stopped
    part way, left beside it."""
    notes = []
    try:
        sha256 = sha256 or file_sha256(temporary)
        if workspace.database.read_only:
            # A copy kept for reading (an auditor's, an archive): its log cannot be added to,
            # and is not the practice's live log. The file carries the head it was taken at.
            notes.append(
                "the database is read-only, so this export is not in its decision log; it "
                f"carries the log head it was taken at ({anchor.count} {anchor.hash[:16]})"
            )
            temporary.replace(destination)
            return Exported(destination, rows, sha256, anchor, tuple(notes))
        with workspace.database.write() as tx:
            audit.append(
                tx,
                event=LogEvent.EXPORT,
                user=workspace.user,
                at=workspace.clock.now(),
                details={
                    "format": what,
                    "filter": chosen.describe(),
                    "rows": rows,
                    "file": destination.name,
                    "file_sha256": sha256,
                    "anchor": {"count": anchor.count, "hash": anchor.hash},
                },
            )
        temporary.replace(destination)
    finally:  # not placed (the log write failed): nothing is left behind
        if temporary.is_dir():
            shutil.rmtree(temporary)
        else:
            temporary.unlink(missing_ok=True)
    notes.extend(remove_leftovers(destination))
    return Exported(destination, rows, sha256, anchor, tuple(notes))
