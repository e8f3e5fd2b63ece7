"""Every action by a person who proved who they are: passwords (argon2) set by their owner,
sessions that end, lockout after wrong passwords, each login in the decision log; `--user` picks
whom to log in as and never skips the password."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, Run
from triage.clock import Clock
from triage.services.auth import LOCKOUT, MAX_FAILURES, SESSION_LENGTH


@dataclass
class MovingClock(Clock):
    """The time, moved on by the test: sessions and lockouts run out."""

    at: datetime

    def now(self) -> datetime:
        return self.at

    def advance(self, by: timedelta) -> None:
        self.at += by


@pytest.fixture
def clock() -> MovingClock:  # the clock `run` gives every command
    return MovingClock(datetime.now(UTC))


def log_events(db_path: Path) -> list[tuple[str, str, dict[str, object]]]:
    with sqlite3.connect(db_path) as connection:
        rows = connection.execute("SELECT event, actor, body FROM log_entries ORDER BY seq")
        return [(event, actor, json.loads(body)) for event, actor, body in rows]


def private_file(path: Path, text: str) -> Path:
    path.write_text(text + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.fixture
def practice(run: Run, db_path: Path) -> Path:
    """A database whose first manager, pat, has logged in; cleo, a clerk, has no password yet."""
    assert run("--db", db_path, "users", "add", "cleo", "--role", "clerk").status == 0
    return db_path


def test_the_first_command_makes_its_caller_the_manager_with_the_password_they_chose(
    run: Run, db_path: Path
) -> None:
    ran = run("--db", db_path, "users", "list")
    assert ran.status == 0
    assert [(event, actor) for event, actor, _ in log_events(db_path)] == [
        ("user_added", "pat"),  # the first manager, as the log records every user
        ("password_set", "pat"),
        ("login", "pat"),
    ]
    with sqlite3.connect(db_path) as connection:
        [(stored,)] = connection.execute("SELECT password_hash FROM users").fetchall()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_a_session_saves_the_password_until_it_ends(
    run: Run, practice: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the session pat's first command kept, the password file is no longer read.
    monkeypatch.setenv("TRIAGE_PASSWORD_FILE", str(tmp_path / "gone"))
    assert run("--db", practice, "users", "list").status == 0
    assert run("--db", practice, "logout").out.strip() == "Logged out."
    again = run("--db", practice, "users", "list")
    assert again.status == 1
    assert "no such password file (TRIAGE_PASSWORD_FILE)" in again.err


def test_a_session_expires_after_a_working_day(
    run: Run, practice: Path, clock: MovingClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIAGE_PASSWORD_FILE", str(tmp_path / "gone"))
    clock.advance(SESSION_LENGTH + timedelta(minutes=1))
    ran = run("--db", practice, "users", "list")
    assert ran.status == 1 and "no such password file" in ran.err


def test_user_names_whom_to_log_in_as_and_never_skips_their_password(
    run: Run, practice: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # cleo's first login sets her password; afterwards a wrong one is refused, and counted.
    assert run("--db", practice, "--user", "cleo", "queue").status == 0
    assert run("--db", practice, "--user", "cleo", "logout").status == 0
    monkeypatch.setenv("TRIAGE_PASSWORD_FILE", str(private_file(tmp_path / "guess", "letmein123")))
    refused = run("--db", practice, "--user", "cleo", "queue")
    assert refused.status == 1
    assert refused.err.strip().endswith(
        f"wrong password for cleo ({MAX_FAILURES - 1} more before the account is locked)"
    )
    assert "Traceback" not in refused.err
    assert log_events(practice)[-1][:2] == ("login_failed", "cleo")


def test_wrong_passwords_lock_the_account_until_the_lock_runs_out(
    run: Run, practice: Path, clock: MovingClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("--db", practice, "--user", "cleo", "queue").status == 0  # sets her password
    assert run("--db", practice, "--user", "cleo", "logout").status == 0
    right = tmp_path / "password"
    monkeypatch.setenv("TRIAGE_PASSWORD_FILE", str(private_file(tmp_path / "guess", "letmein123")))
    for _ in range(MAX_FAILURES):
        run("--db", practice, "--user", "cleo", "queue")
    events = [event for event, actor, _ in log_events(practice) if actor == "cleo"]
    assert events[-MAX_FAILURES - 1 :] == ["login_failed"] * MAX_FAILURES + ["locked_out"]

    monkeypatch.setenv("TRIAGE_PASSWORD_FILE", str(right))  # even the right password waits
    locked = run("--db", practice, "--user", "cleo", "queue")
    assert locked.status == 1
    assert "cleo is locked out for 15 more minutes after 5 wrong passwords" in locked.err
    assert "`triage users reset cleo`" in locked.err

    clock.advance(LOCKOUT)
    assert run("--db", practice, "--user", "cleo", "queue").status == 0
    assert log_events(practice)[-1][:2] == ("login", "cleo")


def test_a_manager_resets_a_password_for_its_owner_to_choose_again(
    run: Run, practice: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("--db", practice, "--user", "cleo", "queue").status == 0  # sets her password
    reset = run("--db", practice, "users", "reset", "cleo")  # by pat, the manager
    assert reset.status == 0
    assert (
        reset.out.strip()
        == "Reset the password of cleo: they choose a new one at their next login."
    )
    event, actor, body = log_events(practice)[-1]
    assert (event, actor, body["of"], body["sessions_ended"]) == (
        "password_reset",
        "pat",
        "cleo",
        1,
    )
    new = private_file(tmp_path / "new", "cleo's new secret")
    monkeypatch.setenv("TRIAGE_PASSWORD_FILE", str(new))
    assert run("--db", practice, "--user", "cleo", "queue").status == 0  # chosen now
    assert [event for event, _, _ in log_events(practice)[-2:]] == ["password_set", "login"]


def test_a_password_file_others_can_read_is_refused(
    run: Run, practice: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    shared.write_text(PASSWORD + "\n", encoding="utf-8")
    shared.chmod(0o644)
    monkeypatch.setenv("TRIAGE_PASSWORD_FILE", str(shared))
    ran = run("--db", practice, "--user", "cleo", "queue")  # cleo has no session yet
    assert ran.status == 1
    assert f"{shared}: a password file must be yours and private: chmod 600 {shared}" in ran.err


def test_without_a_terminal_or_password_file_nothing_is_done(
    run: Run, practice: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRIAGE_PASSWORD_FILE")
    ran = run("--db", practice, "--user", "cleo", "queue")
    assert ran.status == 1
    assert "not logged in as cleo: run a triage command at a terminal to log in" in ran.err


def test_a_first_password_from_a_file_and_a_short_one_refused(
    run: Run, practice: Path, tmp_path: Path
) -> None:
    short = private_file(tmp_path / "short", "abc")
    refused = run("--db", practice, "users", "add", "gwen", "--role", "gp",
                  "--password-file", short)  # fmt: skip
    assert refused.status == 1 and "a password must have at least 10 characters" in refused.err
    good = private_file(tmp_path / "gwen", "a long enough secret")
    added = run("--db", practice, "users", "add", "gwen", "--role", "gp", "--password-file", good)
    assert added.status == 0 and added.out.strip() == "Added gwen as gp."


def test_a_removed_user_cannot_log_in_and_their_session_ends(run: Run, practice: Path) -> None:
    assert run("--db", practice, "--user", "cleo", "queue").status == 0  # a session of hers
    assert run("--db", practice, "users", "remove", "cleo").status == 0
    refused = run("--db", practice, "--user", "cleo", "queue")
    assert refused.status == 1 and "'cleo' no longer has access to this database" in refused.err
    with sqlite3.connect(practice) as connection:
        open_sessions = connection.execute(
            "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id "
            "WHERE u.name = 'cleo' AND s.ended_at IS NULL"
        ).fetchone()[0]
    assert open_sessions == 0
    assert "removed" in run("--db", practice, "users", "list").out
    assert log_events(practice)[-1][:2] == ("user_removed", "pat")


def test_only_a_manager_resets_or_removes(run: Run, practice: Path) -> None:
    for action in (("users", "reset", "pat"), ("users", "remove", "pat")):
        ran = run("--db", practice, "--user", "cleo", *action)
        assert ran.status == 1 and "only a manager may" in ran.err, ran.err


def test_changing_ones_own_password_ends_ones_other_sessions(
    run: Run, practice: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new = private_file(tmp_path / "new", "a brand new secret")
    changed = run("--db", practice, "users", "password", "--password-file", new)
    assert changed.status == 0 and "Changed the password of pat." in changed.out
    monkeypatch.setenv("TRIAGE_PASSWORD_FILE", str(new))
    assert run("--db", practice, "users", "list").status == 0  # the session ended: new password
    assert log_events(practice)[-1][:2] == ("login", "pat")
