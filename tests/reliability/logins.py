"""The long authentication run: `python -m tests.reliability.logins --workers 8 --guesses 200
--tokens 10000 [--postgresql URL]`.

Two attacks a person at another keyboard could make, through the login service itself:

- **Guessing a password** from several workstations at once: WORKERS processes each try
  GUESSES wrong passwords for one account on one database. No guess may be let in; the account
  must lock after exactly MAX_FAILURES counted failures however the attempts interleave (a lost
  update would let more through); while it is locked even the right password is refused; and
  when the lockout has passed, the right password works. The log must verify.
- **Forging a session**: TOKENS session files holding a random token, the token of another
  person, one that has expired, or one that was ended (logout, a password reset, access
  withdrawn). None may let anyone act without their password.

The run prints its figures and ends with status 1 if anything got in.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import secrets
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

from db import open_database
from tests.conftest import PASSWORD
from tests.test_deciding import SAMPLE_DAY
from triage.clock import FixedClock
from triage.errors import UserError
from triage.models import LogEvent, Role, User
from triage.services import auth
from triage.services.log import verify_log
from triage.services.workspace import Workspace, add_user, open_workspace, remove_user

WRONG = "not the password, guessed"


@dataclass
class MemorySessions:
    """A person's session files, held in memory (SessionFiles keeps them on disk)."""

    tokens: dict[str, str] = field(default_factory=dict)

    def load(self, name: str) -> str | None:
        return self.tokens.get(name)

    def save(self, name: str, token: str) -> None:
        self.tokens[name] = token

    def forget(self, name: str) -> None:
        self.tokens.pop(name, None)


def new_practice(url: str, folder: Path) -> Workspace:
    """A database with its manager (whoever is logged in to the computer: its first user), a
    clerk (cleo) and a GP (gwen), each with the password PASSWORD; the manager's workspace."""
    password_file = folder / "password"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    password_file.chmod(0o600)
    manager = open_workspace(
        url, None, clock=SAMPLE_DAY, passwords=auth.PasswordFile(password_file), create=True
    )
    for name, role in (("cleo", Role.CLERK), ("gwen", Role.GP)):
        add_user(manager, name, role, None, password_file)
    return manager


# --- guessing from several workstations ---------------------------------------------------------


def _guess(url: str, name: str, guesses: int) -> Counter[str]:
    """One workstation's wrong guesses; what each came to."""
    outcomes: Counter[str] = Counter()
    database = open_database(url)
    try:
        for _ in range(guesses):
            with database.read() as tx:
                user = tx.users.find(name)
            assert user is not None
            try:
                auth.log_in(database, user, auth.PasswordTyped(WRONG), None, SAMPLE_DAY)
                outcomes["let in"] += 1
            except UserError as refused:
                said = str(refused)
                outcomes["locked" if "locked out for" in said and "more minute" in said
                         else "wrong" if said.startswith("wrong password") else said] += 1  # fmt: skip
    finally:
        database.dispose()
    return outcomes


@dataclass(frozen=True)
class Guessing:
    outcomes: Counter[str]
    failures_logged: int
    lockouts_logged: int
    right_password_while_locked: str  # what it was told
    right_password_after: bool
    verifies: bool

    @property
    def held(self) -> bool:
        return (
            self.outcomes["let in"] == 0
            and self.failures_logged == auth.MAX_FAILURES
            and self.lockouts_logged == 1
            and self.right_password_while_locked.startswith("cleo is locked out")
            and self.right_password_after
            and self.verifies
            and set(self.outcomes) <= {"wrong", "locked"}
        )


def guessing(manager: Workspace, url: str, workers: int, guesses: int) -> Guessing:
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        counts = pool.starmap(_guess, [(url, "cleo", guesses)] * workers)
    outcomes: Counter[str] = sum(counts, Counter())
    database = manager.database
    with database.read() as tx:
        cleo = tx.users.find("cleo")
        entries = [entry for entry in tx.log.entries() if entry.actor == "cleo"]
    assert cleo is not None
    events = Counter(entry.event for entry in entries)
    try:
        auth.log_in(database, cleo, auth.PasswordTyped(PASSWORD), None, SAMPLE_DAY)
        while_locked = "let in"
    except UserError as refused:
        while_locked = str(refused)
    later = FixedClock(SAMPLE_DAY.now() + auth.LOCKOUT + timedelta(seconds=1))
    try:
        auth.log_in(database, cleo, auth.PasswordTyped(PASSWORD), None, later)
        after = True
    except UserError:
        after = False
    return Guessing(
        outcomes,
        events[LogEvent.LOGIN_FAILED.value],
        events[LogEvent.LOCKED_OUT.value],
        while_locked,
        after,
        verify_log(manager).ok,
    )


# --- forged, borrowed, expired and ended sessions -----------------------------------------------


def _lets_in(manager: Workspace, name: str, token: str, clock: FixedClock) -> bool:
    """Whether `name` may act holding `token`, without their password."""
    with manager.database.read() as tx:
        user = tx.users.find(name)
    assert user is not None
    try:
        auth.log_in(manager.database, user, auth.CannotAsk(), MemorySessions({name: token}), clock)
    except auth.NotLoggedIn:
        return False
    except UserError:  # access withdrawn: refused before any password is asked for
        return False
    return True


def _session_of(manager: Workspace, name: str, clock: FixedClock) -> str:
    sessions = MemorySessions()
    with manager.database.read() as tx:
        user = tx.users.find(name)
    assert user is not None
    auth.log_in(manager.database, user, auth.PasswordTyped(PASSWORD), sessions, clock)
    token = sessions.load(name)
    assert token is not None
    return token


def forged_sessions(manager: Workspace, tokens: int) -> dict[str, tuple[int, int]]:
    """For each kind of token: how many were tried, and how many let someone in (none may)."""
    now = SAMPLE_DAY
    tried: Counter[str] = Counter()
    let_in: Counter[str] = Counter()
    gwen = _session_of(manager, "gwen", now)
    assert _lets_in(manager, "gwen", gwen, now), "a real session must work, or the run is void"
    expired_at = FixedClock(now.now() + auth.SESSION_LENGTH + timedelta(seconds=1))
    kinds = ["random", "another person's", "expired", "altered"]
    for index in range(tokens):
        kind = kinds[index % len(kinds)]
        tried[kind] += 1
        if kind == "random":
            entered = _lets_in(manager, "cleo", secrets.token_urlsafe(32), now)
        elif kind == "another person's":
            entered = _lets_in(manager, "cleo", gwen, now)
        elif kind == "expired":
            entered = _lets_in(manager, "gwen", gwen, expired_at)
        else:
            position = index % len(gwen)
            altered = (
                gwen[:position] + ("A" if gwen[position] != "A" else "B") + gwen[position + 1 :]
            )
            entered = _lets_in(manager, "gwen", altered, now)
        let_in[kind] += entered
    # Ended sessions: each way of ending one, tried once (each costs a login).
    for kind, end in (
        ("logged out", lambda token: auth.log_out(manager.database, _user(manager, "gwen"),
                                                  MemorySessions({"gwen": token}), now)),
        ("password reset", lambda token: auth.reset_password(manager, "gwen", None)),
    ):  # fmt: skip
        token = _session_of(manager, "gwen", now)
        end(token)
        tried[kind] += 1
        let_in[kind] += _lets_in(manager, "gwen", token, now)
    token = _session_of(manager, "cleo", now)
    remove_user(manager, "cleo")
    tried["access withdrawn"] += 1
    let_in["access withdrawn"] += _lets_in(manager, "cleo", token, now)
    return {kind: (tried[kind], let_in[kind]) for kind in tried}


def _user(manager: Workspace, name: str) -> User:
    with manager.database.read() as tx:
        user = tx.users.find(name)
    assert user is not None
    return user


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--guesses", type=int, default=200, help="per worker")
    parser.add_argument("--tokens", type=int, default=10_000)
    parser.add_argument("--postgresql", metavar="URL", help="an empty PostgreSQL database")
    args = parser.parse_args(argv)
    failed = False
    with tempfile.TemporaryDirectory(prefix="triage-logins-") as temporary:
        folder = Path(temporary)
        os.environ["XDG_STATE_HOME"] = str(folder / "state")
        os.environ["LOGNAME"] = "pat"  # the practice's manager, for this run
        url = args.postgresql or f"sqlite:///{folder / 'practice.db'}"
        manager = new_practice(url, folder)
        manager = replace(manager, clock=SAMPLE_DAY)
        started = time.perf_counter()
        guessed = guessing(manager, url, args.workers, args.guesses)
        print(
            f"guessing: {args.workers} workers x {args.guesses} wrong passwords in "
            f"{time.perf_counter() - started:.0f} s: {dict(guessed.outcomes)}; failures logged "
            f"{guessed.failures_logged}, lockouts logged {guessed.lockouts_logged}; the right "
            f"password while locked: {guessed.right_password_while_locked!r}; after the lockout: "
            f"{'let in' if guessed.right_password_after else 'refused'}; log verifies: "
            f"{guessed.verifies}",
            flush=True,
        )
        failed |= not guessed.held
        started = time.perf_counter()
        sessions = forged_sessions(manager, args.tokens)
        let_in = sum(entered for _, entered in sessions.values())
        said = "; ".join(
            f"{kind}: {entered} of {tried}" for kind, (tried, entered) in sessions.items()
        )
        print(
            f"sessions let in, by kind of token: {said} ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
        failed |= let_in > 0
        manager.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
