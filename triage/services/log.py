"""Checking the decision log: the hash chain, what its entries recorded against the tables
(services/log_checks.py), and signed checkpoints kept outside the database (triage/anchors.py):
`verify_log` and `anchor_log`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from db import Transaction
from triage import anchors, audit
from triage.anchors import KEY_ENVIRONMENT, Checkpoint
from triage.errors import UserError
from triage.models import LetterKind, LogEntry, LogEvent
from triage.rules import Permission, require
from triage.services.log_checks import LogChecks, Stamps
from triage.services.workspace import Workspace

__all__ = [
    "KEY_ENVIRONMENT",
    "Anchored",
    "LogCheck",
    "LogPage",
    "Stamps",
    "anchor_log",
    "log_page",
    "verify_log",
]


@dataclass(frozen=True)
class LogCheck:
    verification: audit.Verification
    total: int  # entries stored
    checkpoints: list[tuple[Path, Checkpoint]] = field(default_factory=list)  # held, oldest first
    stamps: Stamps = field(default_factory=Stamps)  # who the database recorded writing entries

    @property
    def ok(self) -> bool:
        return self.verification.ok


def verify_log(
    workspace: Workspace,
    against: Sequence[Path] = (),
    *,
    trusted: Sequence[Path] = (),
    key: Path | None = None,
) -> LogCheck:
    """Walk the chain, compare what it recorded with the tables, and show that the log still
    holds each checkpoint `against` names (files, or folders of them). A checkpoint must be
    signed by a `trusted` public key, or by default by the public half of the signing `key`."""
    require(workspace.user, Permission.VIEW_LOG)
    checkpoints = _trusted_checkpoints(against, trusted, key)
    with workspace.database.read() as tx:
        total = tx.log.count()
        checks = LogChecks(tx)
        verification = audit.verify(checks.prefetched(tx.log.entries()), checks.entry)
        if verification.ok:
            verification = _against(tx, verification, checkpoints) or verification
        if verification.ok and (found := checks.tables()):
            verification = audit.Verification(
                verification.count, verification.head_hash, found.seq, found.problem
            )
        return LogCheck(verification, total, checkpoints, checks.stamps)


def _trusted_checkpoints(
    against: Sequence[Path], trusted: Sequence[Path], key: Path | None
) -> list[tuple[Path, Checkpoint]]:
    if not against:
        return []
    keys = {anchors.trusted_public_key(path) for path in trusted}
    if not keys:
        own = anchors.existing_public_key(key)
        if own is None:
            raise UserError(
                "say which key the checkpoints must be signed with: --public-key FILE (the .pub "
                "written beside the signing key)"
            )
        keys = {own}
    read = [(path, anchors.read_checkpoint(path)) for path in anchors.checkpoint_files(against)]
    for path, checkpoint in read:
        if checkpoint.public_key not in keys:
            raise UserError(
                f"{path}: signed by key {checkpoint.key_id}, which is not a trusted key; "
                "the checkpoint proves nothing (anyone can make a key)"
            )
    return sorted(read, key=lambda item: (item[1].count, item[1].at))


def _against(
    tx: Transaction, verification: audit.Verification, checkpoints: list[tuple[Path, Checkpoint]]
) -> audit.Verification | None:
    """The first checkpoint the log no longer holds, as a failed verification."""
    for path, checkpoint in checkpoints:
        taken = f"checkpoint {path.name} (taken {checkpoint.at:%Y-%m-%d %H:%M} UTC)"
        if verification.count < checkpoint.count:
            happened = (
                "the log was emptied"
                if verification.count == 0
                else "entries were removed from its end"
            )
            return audit.Verification(
                verification.count,
                verification.head_hash,
                None,
                f"the log has {verification.count} entries, but {taken} recorded "
                f"{checkpoint.count}: {happened}",
            )
        if checkpoint.count and tx.log.hash_at(checkpoint.head_seq) != checkpoint.head_hash:
            return audit.Verification(
                verification.count,
                verification.head_hash,
                checkpoint.head_seq,
                f"it is not the entry {taken} signed: the log was rewritten at or before it"
                + _another_practice(checkpoint, _practice_words(tx)),
            )
    return None


def _practice_words(tx: Transaction) -> str | None:
    """The practice as a checkpoint names it: which database it was taken of, in words."""
    practice = tx.practice.get()
    return f"{practice[0].name} ({practice[0].ods_code})" if practice else None


def _another_practice(checkpoint: Checkpoint, practice: str | None) -> str:
    if checkpoint.practice is None or checkpoint.practice == practice:
        return ""
    return f" (or the checkpoint is of another database: it names {checkpoint.practice})"


@dataclass(frozen=True)
class Anchored:
    path: Path  # the checkpoint file written
    checkpoint: Checkpoint
    key: anchors.SigningKey


def anchor_log(workspace: Workspace, out: Path, key: Path | None = None) -> Anchored:
    """Sign the head of a log that verifies and write it to `out` (a new file, or a new file in
    the folder `out`), for keeping outside the database."""
    check = verify_log(workspace)
    result = check.verification
    if not result.ok:
        raise UserError(
            f"the decision log does not verify, so it is not anchored: {result.described}"
        )
    signing = anchors.signing_key(key)
    with workspace.database.read() as tx:
        practice = _practice_words(tx)
    checkpoint = anchors.sign(
        signing.key,
        count=result.count,
        head_seq=result.count,  # the chain verified: sequence numbers run 1..count
        head_hash=result.head_hash,
        at=workspace.clock.now(),
        practice=practice,
    )
    return Anchored(anchors.write_checkpoint(checkpoint, out), checkpoint, signing)


@dataclass(frozen=True)
class LogPage:
    entries: list[LogEntry]  # newest first
    total: int  # entries matching the filter
    stored: int  # entries in the whole log
    letters: dict[int, dict[LetterKind, str]]  # by decision id, for the entries shown


def log_page(
    workspace: Workspace, *, event: LogEvent | None = None, limit: int, offset: int = 0
) -> LogPage:
    require(workspace.user, Permission.VIEW_LOG)
    kind = event.value if event else None
    with workspace.database.read() as tx:
        entries = tx.log.latest(event=kind, limit=limit, offset=offset)
        total = tx.log.count(kind)
        stored = total if kind is None else tx.log.count()
        ids = [entry.decision_id for entry in entries if entry.decision_id is not None]
        letters = {decision.id: decision.letters for decision in tx.decisions.by_id(ids)}
    return LogPage(entries, total, stored, letters)
