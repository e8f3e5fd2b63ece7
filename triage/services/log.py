"""Checking the decision log: the hash chain, and each decision against the entry that
recorded it (so that editing a decision or a letter row is caught too, not only the log)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from db import Transaction
from triage import audit
from triage.models import LetterKind, LogEntry, LogEvent
from triage.rules import Permission, require
from triage.services.workspace import Workspace


@dataclass(frozen=True)
class LogCheck:
    verification: audit.Verification
    total: int  # entries stored

    @property
    def ok(self) -> bool:
        return self.verification.ok


def verify_log(workspace: Workspace) -> LogCheck:
    require(workspace.user, Permission.VIEW_LOG)
    with workspace.database.read() as tx:
        total = tx.log.count()
        verification = audit.verify(tx.log.entries(), lambda entry: _decision_problem(tx, entry))
        return LogCheck(verification, total)


def _decision_problem(tx: Transaction, entry: LogEntry) -> str:
    """How the decision an entry recorded differs from what is stored now, if it does."""
    if entry.decision_id is None:
        return ""
    body = json.loads(entry.body)  # the chain check has already shown it is what was hashed
    try:
        decision = tx.decisions.get(entry.decision_id)
    except ValueError as unreadable:  # a stored value no decision can hold ('memo' as a kind)
        ref = body.get("our_ref", entry.decision_id)
        return f"decision {ref} was changed after it was recorded ({unreadable})"
    if decision is None:
        return f"its decision {entry.decision_id} is missing"
    texts = {kind.value: audit.text_sha256(text) for kind, text in decision.letters.items()}
    stored = {kind.value: sha for kind, sha in tx.decisions.letter_hashes(decision.id).items()}
    if texts != body.get("letters_sha256") or stored != texts:
        return f"the letters of decision {decision.our_ref} were changed after it was recorded"
    if (
        body.get("action") != decision.action.value
        or body.get("our_ref") != decision.our_ref
        or (body.get("request") or {}).get("id") != decision.request_id
    ):
        return f"decision {decision.our_ref} was changed after it was recorded"
    return ""


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
