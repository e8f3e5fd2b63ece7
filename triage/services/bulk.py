"""One action on several marked requests: record the suggestion, send to a GP, or assign.

Each request is its own transaction through the same service function a single action uses, so
a refusal or a clash on one (a colleague decided it, it waits for a GP) undoes nothing done to
the others, and the result says what happened to each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from triage.errors import DatabaseError, UserError
from triage.presentation import first_few
from triage.services.assignment import assign
from triage.services.deciding import decide, flag
from triage.services.workspace import Workspace

__all__ = ["BulkAction", "Outcome", "apply_to_each", "listed"]


class BulkAction(StrEnum):
    RECORD = "record"  # accept the policy's suggestion
    FLAG = "flag"  # send to a GP with the note
    ASSIGN = "assign"  # give to the named person, with the note


@dataclass(frozen=True)
class Outcome:
    request_id: int
    ref: str
    done: bool
    said: str  # what was done, or the one-line reason it was not

    def __str__(self) -> str:
        return f"{self.ref}: {self.said}"


def apply_to_each(
    workspace: Workspace,
    action: BulkAction,
    requests: Sequence[tuple[int, str]],
    *,
    note: str = "",
    assignee: str = "",
) -> list[Outcome]:
    """The action on each (id, ref) in turn, each saved or refused on its own."""
    if action is BulkAction.FLAG and not note.strip():
        raise UserError("say why a GP should see them")
    if action is BulkAction.ASSIGN and not assignee.strip():
        raise UserError("say whom to assign them to")
    step = _STEPS[action]
    outcomes = []
    for request_id, ref in requests:
        try:
            said = step(workspace, request_id, note, assignee)
        except (UserError, DatabaseError) as refused:  # refused, busy or changed meanwhile
            outcomes.append(Outcome(request_id, ref, False, str(refused)))
        else:
            outcomes.append(Outcome(request_id, ref, True, said))
    return outcomes


def _record(workspace: Workspace, request_id: int, _note: str, _assignee: str) -> str:
    decision = decide(workspace, request_id)
    return f"recorded: {decision.action.value} ({decision.our_ref})"


def _flag(workspace: Workspace, request_id: int, note: str, _assignee: str) -> str:
    flag(workspace, request_id, note)
    return "sent to a GP"


def _assign(workspace: Workspace, request_id: int, note: str, assignee: str) -> str:
    return f"assigned to {assign(workspace, request_id, assignee, note).name}"


_STEPS: dict[BulkAction, Callable[[Workspace, int, str, str], str]] = {
    BulkAction.RECORD: _record,
    BulkAction.FLAG: _flag,
    BulkAction.ASSIGN: _assign,
}


def listed(refs: Sequence[str]) -> str:
    """Refs for a confirmation: all of them when few, else the first five "and N more"."""
    return first_few(refs, at_most=5)
