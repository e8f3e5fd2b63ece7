"""The rules of deciding, with no database: who may, when a GP is needed, which kind, a note."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import make_request
from triage.errors import PermissionRefused, UserError
from triage.models import Action, Flag, LogEvent, Request, Role, Status, Suggestion, User
from triage.rules import Permission, decision_kind, may, needs_gp, refusal, require_note

CLERK = User(id=1, name="cleo", role=Role.CLERK, full_name=None, active=True)
GP = User(id=2, name="drsmith", role=Role.GP, full_name=None, active=True)
MANAGER = User(id=3, name="max", role=Role.MANAGER, full_name=None, active=True)


def queued(status: Status = Status.OPEN) -> Request:
    incoming = make_request(ref="R1")
    return Request(
        **incoming.model_dump(), id=1, status=status, imported_at=datetime(2025, 1, 1, tzinfo=UTC)
    )


def suggests(action: Action, *flags: Flag) -> Suggestion:
    return Suggestion(action, "rule", (), flags, None, "because")


def test_a_request_needs_a_gp_when_waiting_for_one_sent_by_the_policy_or_to_be_confirmed() -> None:
    assert not needs_gp(queued(), suggests(Action.DECLINE))
    assert needs_gp(queued(Status.AWAITING_GP), suggests(Action.DECLINE))
    assert needs_gp(queued(), suggests(Action.GP_REVIEW))
    assert needs_gp(queued(), suggests(Action.DECLINE, Flag.GP_CONFIRMATION))


def test_a_clerk_follows_or_overrides_the_policy_but_never_decides_for_a_gp() -> None:
    request = queued()
    assert decision_kind(CLERK, request, suggests(Action.DECLINE), Action.DECLINE) is (
        LogEvent.DECISION
    )
    assert decision_kind(CLERK, request, suggests(Action.DECLINE), Action.ACCEPT) is (
        LogEvent.OVERRIDE
    )
    with pytest.raises(PermissionRefused, match="only a GP may decide R1: the policy sends it"):
        decision_kind(CLERK, request, suggests(Action.GP_REVIEW), Action.DECLINE)
    assert decision_kind(GP, request, suggests(Action.GP_REVIEW), Action.ACCEPT) is (
        LogEvent.REVIEW
    )
    with pytest.raises(PermissionRefused, match="only a clerk or a GP may decide a request"):
        decision_kind(MANAGER, request, suggests(Action.DECLINE), Action.DECLINE)


def test_a_gps_decision_and_an_override_need_a_note_and_following_the_policy_does_not() -> None:
    require_note(LogEvent.DECISION, "R1", Action.DECLINE, Action.DECLINE, None)
    require_note(LogEvent.OVERRIDE, "R1", Action.DECLINE, Action.ACCEPT, "funded locally")
    with pytest.raises(UserError, match="a GP's decision on R1 needs a note"):
        require_note(LogEvent.REVIEW, "R1", Action.GP_REVIEW, Action.ACCEPT, "  ")
    with pytest.raises(UserError, match="the policy suggests decline; to accept instead"):
        require_note(LogEvent.OVERRIDE, "R1", Action.DECLINE, Action.ACCEPT, None)


# Each permission as its refusal says it, to whoever may not (the first role without it).
REFUSALS = {
    Permission.IMPORT_REQUESTS: None,  # everyone may
    Permission.VIEW_QUEUE: None,
    Permission.VIEW_USERS: None,
    Permission.MANAGE_USERS: "only a manager may add users or reset their passwords",
    Permission.CHANGE_USERS: "only a manager may change a user's role or access",
    Permission.ACTIVATE_POLICY: "only a manager may activate a policy",
    Permission.SET_PRACTICE: "only a manager may change the practice's details",
    Permission.DECIDE: "only a clerk or a GP may decide a request",
    Permission.FLAG: None,
    Permission.REVIEW: "only a GP may decide a request flagged for a GP",
    Permission.CORRECT: "only a GP may correct a recorded decision",
    Permission.VIEW_LOG: None,
    Permission.EXPORT: "only a manager may export the decision log, its letters or the report",
    Permission.VIEW_STATISTICS: "only a manager may see the statistics",
    Permission.COMPLETE_DETAILS: "only a clerk or a GP may complete a letter's details",
    Permission.ASSIGN: None,  # everyone may; whom to is checked per request (test_assignment)
    Permission.IMPORT_CASELOAD: (
        "only a clerk or a manager may import the caseload of existing patients"
    ),
    Permission.SEND_NOTICES: "only a manager may send notice of a hand-back",
    Permission.SIGN_OFF_HAND_BACK: "only a GP may sign off a hand-back",
    Permission.CONFIRM_HAND_BACK: (
        "only a clerk or a manager may record a team's reply to a hand-back or redirect, or "
        "chase one"
    ),
}


@pytest.mark.parametrize("permission", list(Permission))
def test_every_refusal_names_the_action_and_the_roles_that_may(permission: Permission) -> None:
    refused = [user for user in (CLERK, GP, MANAGER) if not may(user, permission)]
    expected = REFUSALS[permission]
    if expected is None:
        assert refused == []
        return
    user = refused[0]
    role = {CLERK: "a clerk", GP: "a GP", MANAGER: "a manager"}[user]
    assert refusal(user, permission) == f"{expected}; you are {user.name} ({role})"
