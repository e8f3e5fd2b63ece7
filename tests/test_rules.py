"""The rules of deciding, with no database: who may, when a GP is needed, which kind, a note."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import make_request
from triage.errors import PermissionRefused, UserError
from triage.models import Action, Flag, LogEvent, Request, Role, Status, Suggestion, User
from triage.rules import decision_kind, needs_gp, require_note

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
