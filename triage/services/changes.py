"""Has anything changed since I last looked? The live queue asks every couple of seconds, so
that a decision made on another workstation appears without reloading by hand.

A token is compared, not the rows: it moves with every log entry (a decision, a flag, a
correction, details typed) and every import, and reading it is two primary-key lookups. The
same query serves SQLite and PostgreSQL (on PostgreSQL it needs no listening connection held
open, and it works through a connection pooler)."""

from __future__ import annotations

from triage.services.workspace import Workspace

# (last log entry, last import): each only grows, as neither is ever deleted.
ChangeToken = tuple[int, int]


def change_token(workspace: Workspace) -> ChangeToken:
    """Where the records stand now. Reveals no record, so anyone logged in may ask."""
    with workspace.database.read() as tx:
        return tx.changes.token()


def is_newer(token: ChangeToken, than: ChangeToken) -> bool:
    """Whether `token` shows a change that `than` had not: a log entry or an import since."""
    return any(now > before for now, before in zip(token, than, strict=True))


def latest(one: ChangeToken, other: ChangeToken) -> ChangeToken:
    """Where the records stand by whichever of two looks saw more, part by part."""
    return (max(one[0], other[0]), max(one[1], other[1]))
