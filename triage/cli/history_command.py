"""`triage history REF`: every note, flag, claim and decision on a request, and the other
requests for the same NHS number."""

from __future__ import annotations

import click

from triage.cli import context, output
from triage.cli.options import sender_option
from triage.clock import PRACTICE_TIME, practice_date
from triage.presentation import ACTION_LABELS
from triage.services.deciding import find_request
from triage.services.history import History, request_history


@click.command("history")
@click.argument("ref")
@sender_option
def history_command(ref: str, sender: str | None) -> None:
    """Every note, flag, claim and decision on request REF, oldest first, and the other
    requests for the same NHS number."""
    workspace = context.current().workspace()
    request = find_request(workspace, ref, sender)
    print_history(request_history(workspace, request.id))


def print_history(history: History) -> None:
    request = history.request
    output.plain(f"{request.ref} from {request.organisation}: {request.status.value}")
    for entry in history.entries:
        when = f"{entry.at.astimezone(PRACTICE_TIME):%Y-%m-%d %H:%M}"
        who = f" {entry.who}" if entry.who else ""
        output.plain(f"{when}{who}: {entry.what}")
        if entry.note:
            output.letter(f"  note: {entry.note}")
    if not history.same_patient:
        output.plain("No other requests for this NHS number.")
        return
    output.plain(f"Other requests for this NHS number ({len(history.same_patient)}):")
    for other in history.same_patient:
        standing = ""
        if other.decided is not None:
            action, our_ref = other.decided
            standing = f", {ACTION_LABELS[action]} ({our_ref})"
        received = practice_date(other.request.received).isoformat()
        output.plain(
            f"  {other.request.ref}  received {received}  {other.request.status.value}{standing}"
        )
