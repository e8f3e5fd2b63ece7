"""A quick authentication run (tests/reliability/README.md): wrong passwords from several
workstations at once lock the account after exactly five, however they interleave, and no
forged, borrowed, expired or ended session lets anyone act. The long run is
`python -m tests.reliability.logins --workers 8 --guesses 200 --tokens 10000`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability import logins
from triage.services.auth import MAX_FAILURES
from triage.services.workspace import Workspace


@pytest.fixture
def manager(tmp_path: Path) -> Iterator[Workspace]:
    workspace = logins.new_practice(f"sqlite:///{tmp_path / 'practice.db'}", tmp_path)
    yield workspace
    workspace.close()


def test_guesses_from_four_workstations_at_once_lock_after_exactly_five(
    manager: Workspace, tmp_path: Path
) -> None:
    guessed = logins.guessing(manager, f"sqlite:///{tmp_path / 'practice.db'}", 4, 4)
    assert guessed.outcomes == {"wrong": MAX_FAILURES, "locked": 16 - MAX_FAILURES}
    assert (guessed.failures_logged, guessed.lockouts_logged) == (MAX_FAILURES, 1)
    assert guessed.right_password_while_locked.startswith("cleo is locked out for 15 more")
    assert guessed.right_password_after and guessed.verifies
    assert guessed.held


def test_no_forged_borrowed_expired_or_ended_session_lets_anyone_in(manager: Workspace) -> None:
    sessions = logins.forged_sessions(manager, 40)
    assert sessions == {
        "random": (10, 0),
        "another person's": (10, 0),
        "expired": (10, 0),
        "altered": (10, 0),
        "logged out": (1, 0),
        "password reset": (1, 0),
        "access withdrawn": (1, 0),
    }
