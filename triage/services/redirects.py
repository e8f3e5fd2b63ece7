"""Following up redirects (docs/domain.md, "Following up a redirect"): a redirect asks the
service the request went to to confirm it took the patient on by a date; a clerk records the
reply, and those past their date are listed, so a redirected patient is not lost between two
services."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from db import Transaction
from triage import audit
from triage.errors import UserError
from triage.models import LogEvent, Recorded, practice_date
from triage.rules import Permission, require
from triage.services.workspace import Workspace


@dataclass(frozen=True)
class RedirectFollowUp:
    request_id: int
    ref: str
    our_ref: str
    patient_name: str | None
    nhs_number: str | None
    redirect_to: str
    decided_on: date
    confirm_by: date
    confirmed: Recorded | None

    def overdue(self, today: date) -> bool:
        return self.confirmed is None and today > self.confirm_by


def redirect_follow_ups(
    workspace: Workspace, *, overdue_only: bool = False
) -> list[RedirectFollowUp]:
    """Every redirect in force that asks for confirmation, soonest due first; with
    `overdue_only`, those past their date and not confirmed."""
    require(workspace.user, Permission.VIEW_QUEUE)
    today = workspace.clock.today()
    with workspace.database.read() as tx:
        follow_ups = _follow_ups(tx)
    return [f for f in follow_ups if f.overdue(today)] if overdue_only else follow_ups


def _follow_ups(tx: Transaction) -> list[RedirectFollowUp]:
    confirmed: dict[str, Recorded] = {}
    for entry in tx.log.of_events([LogEvent.REDIRECT_CONFIRMED.value]):
        body = json.loads(entry.body)
        confirmed[body["our_ref"]] = Recorded(
            entry.actor, practice_date(entry.at), entry.seq, body.get("note")
        )
    return [
        RedirectFollowUp(
            request_id=redirect.request_id,
            ref=redirect.ref,
            our_ref=redirect.our_ref,
            patient_name=redirect.patient_name,
            nhs_number=redirect.nhs_number,
            redirect_to=redirect.redirect_to or "",
            decided_on=practice_date(redirect.decided_at),
            confirm_by=redirect.confirm_by,
            confirmed=confirmed.get(redirect.our_ref),
        )
        for redirect in tx.decisions.redirects_to_confirm()
    ]


def confirm_redirect(workspace: Workspace, ref: str, note: str) -> RedirectFollowUp:
    """Record that the service a request was redirected to took the patient on. `ref` is the
    request's ref or our reference for the redirect (SCT-000004)."""
    require(workspace.user, Permission.CONFIRM_HAND_BACK)
    if not note.strip():
        raise UserError("say how the service confirmed, e.g. 'e-mail from the haematology team'")
    wanted = ref.strip()
    now = workspace.clock.now()
    with workspace.database.write() as tx:
        tx.log.head()  # hold the log: two clerks recording the same reply are taken in turn
        found = [f for f in _follow_ups(tx) if wanted in (f.ref, f.our_ref.casefold(), f.our_ref)]
        if not found:
            raise UserError(f"{wanted}: no redirect in force waits for this confirmation")
        follow_up = found[0]
        if follow_up.confirmed is not None:
            raise UserError(
                f"{follow_up.ref} was already confirmed on {follow_up.confirmed.on.isoformat()} "
                f"by {follow_up.confirmed.by}"
            )
        audit.append(
            tx,
            event=LogEvent.REDIRECT_CONFIRMED,
            user=workspace.user,
            at=now,
            request=tx.requests.get(follow_up.request_id),
            details={
                "our_ref": follow_up.our_ref,
                "redirect_to": follow_up.redirect_to,
                "note": note.strip(),
            },
        )
    return follow_up
