"""Each decision's letters as plain-text files, to attach in the clinical system."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from triage.clock import practice_date
from triage.errors import UserError
from triage.models import DecisionFilter
from triage.paths import expand_user
from triage.rules import Permission, require
from triage.services.exports.files import cannot_write
from triage.services.exports.leftovers import SUFFIX, in_progress_prefix
from triage.services.exports.recording import Exported, log_anchor, log_and_place
from triage.services.exports.rows import chosen_rows, count_chosen
from triage.services.notices import hand_back_letter_files
from triage.services.workspace import Workspace

Progress = Callable[[int, int], None]
EVERY_DECISION = DecisionFilter()

_UNSAFE_IN_NAMES = re.compile(r"[^A-Za-z0-9._-]+")


def export_letters(
    workspace: Workspace,
    destination: Path,
    chosen: DecisionFilter = EVERY_DECISION,
    progress: Progress | None = None,
) -> Exported:
    """Each chosen decision's letters as plain-text files a clerk can attach in the clinical
    system, named by date, ref and NHS number: 2025-02-03_S04_6052368500_SCT-000004_patient.txt;
    and, for a request that came from a letter, that letter's file as it arrived
    (..._original.pdf); and the hand-back letters the filter covers (docs/caseload.md). The
    folder must be new or empty; it is filled completely or not at all."""
    require(workspace.user, Permission.EXPORT)
    destination = expand_user(destination)
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise UserError(f"{destination} must be a new or empty folder")
    if not destination.parent.is_dir():
        raise UserError(f"cannot write {destination}: {destination.parent} does not exist")
    # A private folder of its own beside the destination, renamed into place when complete.
    try:
        staging = Path(
            tempfile.mkdtemp(
                prefix=in_progress_prefix(destination), suffix=SUFFIX, dir=destination.parent
            )
        )
    except OSError as error:
        raise cannot_write(destination, error) from None
    listing = hashlib.sha256()
    decisions = 0
    try:
        with workspace.database.read() as tx:
            anchor = log_anchor(tx)
            total = count_chosen(tx, chosen)
            for row in chosen_rows(tx, chosen):
                parts = (
                    practice_date(row.decided_at).isoformat(),
                    row.request_ref,
                    row.nhs_number or "none",
                    row.our_ref,
                )
                stem = "_".join(
                    _UNSAFE_IN_NAMES.sub("-", str(part)).strip("-") or "none" for part in parts
                )
                for kind, text in sorted(row.letters.items()):
                    name = f"{stem}_{kind}.txt"
                    ended = text if text.endswith("\n") else text + "\n"
                    _write_private(staging / name, ended.encode("utf-8"))
                    listing.update(
                        f"{name}\n{hashlib.sha256(text.encode()).hexdigest()}\n".encode()
                    )
                original = tx.originals.get(row.original_sha256) if row.original_sha256 else None
                if original is not None:
                    name = f"{stem}_original{_suffix(original[0])}"
                    _write_private(staging / name, original[1])
                    listing.update(f"{name}\n{row.original_sha256}\n".encode())
                decisions += 1
                if progress is not None and decisions % 200 == 0:
                    progress(decisions, total)
            # Existing patients' hand-back letters: kept whole in the log (docs/caseload.md).
            for written, text in hand_back_letter_files(tx, chosen):
                name = _UNSAFE_IN_NAMES.sub("-", written)  # from the log: never a path
                ended = text if text.endswith("\n") else text + "\n"
                _write_private(staging / name, ended.encode("utf-8"))
                listing.update(f"{name}\n{hashlib.sha256(text.encode()).hexdigest()}\n".encode())
    except OSError as error:  # the disk is full, or was unplugged
        shutil.rmtree(staging)
        raise cannot_write(destination, error) from None
    except BaseException:
        shutil.rmtree(staging)
        raise
    if destination.exists():
        destination.rmdir()  # empty, checked above
    return log_and_place(
        workspace, staging, destination, "letters", chosen, decisions, anchor, listing.hexdigest()
    )


def _write_private(path: Path, content: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)  # exactly: an original is evidence, kept byte for byte


def _suffix(file_name: str) -> str:
    """The original's extension as it arrived (".pdf"), if it is a plain one."""
    suffix = Path(file_name).suffix.lower()
    return suffix if _UNSAFE_IN_NAMES.sub("", suffix[1:]) == suffix[1:] and len(suffix) <= 6 else ""
