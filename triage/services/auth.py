"""Who is at the keyboard: each person proves it with their own password (argon2), once per
session, and every login, failure and lockout is in the decision log (docs/security.md).

A person's first login sets their password (an account a manager has just added, or reset, has
none). Five wrong passwords in a row lock the account for 15 minutes. A session lasts 8 hours, or
until its owner logs out, a manager resets their password or removes their access. The demo has no
passwords: it holds no patients, and says so.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from db import Database, Transaction
from triage import audit, paths
from triage.clock import Clock
from triage.errors import UserError
from triage.models import LogEvent, User
from triage.rules import Permission, require

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LENGTH = timedelta(hours=8)  # a working day: asked again the next morning
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1000  # argon2 takes any length; a megabyte "password" is an attack
PASSWORD_FILE_VARIABLE = "TRIAGE_PASSWORD_FILE"  # noqa: S105 (the variable's name)

_HASHER = PasswordHasher()  # argon2id, RFC 9106's low-memory profile


class NotLoggedIn(UserError):
    """No password could be asked for or read: nothing is done."""


class PasswordSource(Protocol):
    """Where a person's password comes from: typed at a terminal, or a private file."""

    def password(self, name: str, *, new: bool) -> str:
        """The password for `name`; `new`: they have none yet, and are choosing it."""
        ...


class SessionStore(Protocol):
    """Where a login is kept between commands: the person's own private files."""

    def load(self, name: str) -> str | None: ...
    def save(self, name: str, token: str) -> None: ...
    def forget(self, name: str) -> None: ...


@dataclass(frozen=True)
class PasswordFile:
    """A password in a file only its owner can read (for scripts and tests: never an argument,
    which other users of the machine can see)."""

    path: Path

    def password(self, name: str, *, new: bool) -> str:
        return read_password_file(self.path)


class NewPasswordNeeded(UserError):
    """The person has no password yet: they must type the one they choose twice."""


@dataclass(frozen=True)
class PasswordTyped:
    """A password typed into the app's login screen; a new one, typed twice (`again`)."""

    text: str
    again: str | None = None

    def password(self, name: str, *, new: bool) -> str:
        if new and self.again is None:
            raise NewPasswordNeeded(f"{name} has no password yet: choose one, and type it twice")
        if new and self.again != self.text:
            raise UserError("the two passwords differ: type the same one twice")
        return self.text


class CannotAsk:
    """No terminal and no password file: the command stops, saying how to log in."""

    def password(self, name: str, *, new: bool) -> str:
        raise NotLoggedIn(
            f"not logged in as {name}: run a triage command at a terminal to log in, or set "
            f"{PASSWORD_FILE_VARIABLE} to a file only you can read that holds your password"
        )


class SessionFiles:
    """Each person's session for one database, in a private file of their own: the token that
    the database knows only by its SHA-256."""

    def __init__(self, database: str) -> None:
        self._key = hashlib.sha256(database.encode()).hexdigest()[:24]

    def _path(self, name: str) -> Path:
        person = hashlib.sha256(name.encode()).hexdigest()[:16]
        return paths.sessions_dir() / f"{self._key}-{person}"

    def load(self, name: str) -> str | None:
        try:
            return self._path(name).read_text(encoding="ascii").strip() or None
        except (OSError, UnicodeDecodeError):
            return None

    def save(self, name: str, token: str) -> None:
        path = self._path(name)
        paths.ensure_private_dir(path.parent)
        partial = path.with_name(path.name + ".part")
        partial.unlink(missing_ok=True)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(token)
        partial.replace(path)

    def forget(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)


def password_source_from_environment() -> PasswordSource:
    path = os.environ.get(PASSWORD_FILE_VARIABLE)
    return PasswordFile(Path(path)) if path else CannotAsk()


def read_password_file(path: Path) -> str:
    """The file's first line, refused unless only its owner may read or change it."""
    try:
        status = path.stat()
        if os.name != "nt" and (
            stat.S_IMODE(status.st_mode) & 0o077 or status.st_uid != os.getuid()
        ):
            raise UserError(f"{path}: a password file must be yours and private: chmod 600 {path}")
        with path.open(encoding="utf-8") as file:
            line = file.readline(MAX_PASSWORD_LENGTH + 2)
    except FileNotFoundError:
        raise UserError(f"{path}: no such password file ({PASSWORD_FILE_VARIABLE})") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"{path}: cannot read the password file ({error})") from None
    return line.rstrip("\r\n")


def check_new_password(name: str, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"a password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(f"a password can have at most {MAX_PASSWORD_LENGTH} characters")
    if password.strip().lower() == name.lower():
        raise UserError("a password cannot be the user name")


def hash_password(name: str, password: str) -> str:
    check_new_password(name, password)
    return _HASHER.hash(password)


def log_in(
    database: Database,
    user: User,
    source: PasswordSource,
    sessions: SessionStore | None,
    clock: Clock,
) -> None:
    """Let `user` act only once they have proved who they are: an open session of theirs, or
    their password (set now if they have none). A wrong password is counted and logged.
    On a read-only database nothing can be recorded; the password is checked all the same."""
    if sessions is not None and _session_is_open(database, user, sessions, clock):
        return
    with database.read() as tx:
        credentials = tx.users.credentials(user.id)
    _refuse_if_locked(user, credentials.locked_until, clock.now())
    first_use = credentials.password_hash is None
    if database.read_only:
        _log_in_to_read(user, credentials.password_hash, source)
        return
    password = source.password(user.name, new=first_use)
    refusal = None
    with database.write() as tx:  # a failure is recorded before the refusal is raised
        credentials = tx.users.credentials(user.id, lock=True)  # as it is now, held
        now = clock.now()
        # Locked by another workstation's guess since the check above: refused, not counted.
        _refuse_if_locked(user, credentials.locked_until, now)
        if credentials.password_hash is None:
            tx.users.set_password(user.id, hash_password(user.name, password))
            audit.append(tx, event=LogEvent.PASSWORD_SET, user=user, at=now,
                         details={"how": "first use"})  # fmt: skip
        elif not _matches(credentials.password_hash, password):
            refusal = _failed(tx, user, credentials.failed_logins + 1, now)
        else:
            tx.users.record_login(user.id, failed=0, locked_until=None)
        if refusal is None:
            audit.append(tx, event=LogEvent.LOGIN, user=user, at=now)
            token = secrets.token_urlsafe(32)
            tx.users.start_session(user.id, _sha256(token), now, now + SESSION_LENGTH)
    if refusal is not None:
        raise refusal
    if sessions is not None:
        sessions.save(user.name, token)


def _log_in_to_read(user: User, password_hash: str | None, source: PasswordSource) -> None:
    """A database that cannot be written (an auditor's copy, an archive) can record neither a
    login, a failure nor a session: the password is checked all the same.
    (Whoever may read the file can read it without this program; the password keeps this
    program from acting for someone else, not the file from being read.)"""
    if password_hash is None:
        raise UserError(
            f"{user.name} has no password yet, and one cannot be chosen on a read-only database: "
            "log in once where the database can be written"
        )
    if not _matches(password_hash, source.password(user.name, new=False)):
        raise UserError(f"wrong password for {user.name} (not counted: the database is read-only)")


def change_password(workspace: Workspace, source: PasswordSource) -> None:
    """The acting person chooses a new password (they proved the old one to get here); their
    other sessions end."""
    _refuse_with_database_roles(workspace)
    user = workspace.user
    new = hash_password(user.name, source.password(user.name, new=True))
    with workspace.database.write() as tx:
        now = workspace.clock.now()
        tx.users.set_password(user.id, new)
        tx.users.end_sessions(now, user_id=user.id)
        audit.append(tx, event=LogEvent.PASSWORD_SET, user=user, at=now,
                     details={"how": "changed"})  # fmt: skip


def reset_password(workspace: Workspace, name: str, password_file: Path | None) -> User:
    """A manager unlocks a person and clears their password, for them to choose a new one on
    their next login (or sets it from a private file); their sessions end."""
    require(workspace.user, Permission.MANAGE_USERS)
    _refuse_with_database_roles(workspace)
    new = hash_password(name, read_password_file(password_file)) if password_file else None
    with workspace.database.write() as tx:
        person = _known(tx, name)
        now = workspace.clock.now()
        tx.users.set_password(person.id, new)
        ended = tx.users.end_sessions(now, user_id=person.id)
        how = "from a file" if new else "cleared for its owner to set"
        details = {"of": person.name, "sessions_ended": ended, "how": how}
        audit.append(tx, event=LogEvent.PASSWORD_RESET, user=workspace.user, at=now,
                     details=details)  # fmt: skip
    return person


def _refuse_with_database_roles(workspace: Workspace) -> None:
    if workspace.database_roles:
        raise UserError(
            "on this database PostgreSQL checks who you are, not this program: passwords are "
            "the database administrator's to set (ALTER ROLE ... PASSWORD, or psql's \\password)"
        )


def _known(tx: Transaction, name: str) -> User:
    person = tx.users.find(name)
    if person is None:
        raise UserError(f"{name!r} is not a user of this database")
    return person


def log_out(database: Database, user: User, sessions: SessionStore, clock: Clock) -> bool:
    """End the session this person's files hold; False when there was none."""
    token = sessions.load(user.name)
    sessions.forget(user.name)
    if token is None:
        return False
    with database.write() as tx:
        return tx.users.end_sessions(clock.now(), token_sha256=_sha256(token)) > 0


def _session_is_open(database: Database, user: User, sessions: SessionStore, clock: Clock) -> bool:
    token = sessions.load(user.name)
    if token is None:
        return False
    with database.read() as tx:
        return tx.users.session_user(_sha256(token), clock.now()) == user.id


def _refuse_if_locked(user: User, locked_until: datetime | None, now: datetime) -> None:
    if locked_until is not None and locked_until > now:
        minutes = max(1, round((locked_until - now).total_seconds() / 60))
        raise UserError(
            f"{user.name} is locked out for {minutes} more minute{'s' if minutes > 1 else ''} "
            f"after {MAX_FAILURES} wrong passwords; a manager can unlock it with "
            f"`triage users reset {user.name}`"
        )


def _failed(tx: Transaction, user: User, failures: int, now: datetime) -> UserError:
    """Count a wrong password, lock the account at the limit; the refusal to raise."""
    locked = failures >= MAX_FAILURES
    tx.users.record_login(user.id, failed=failures, locked_until=now + LOCKOUT if locked else None)
    audit.append(tx, event=LogEvent.LOGIN_FAILED, user=user, at=now,
                 details={"failures_in_a_row": failures})  # fmt: skip
    if locked:
        audit.append(tx, event=LogEvent.LOCKED_OUT, user=user, at=now,
                     details={"until": (now + LOCKOUT).isoformat()})  # fmt: skip
        return UserError(
            f"wrong password for {user.name}: locked out for {LOCKOUT.seconds // 60} minutes "
            f"after {MAX_FAILURES} in a row"
        )
    left = MAX_FAILURES - failures
    return UserError(f"wrong password for {user.name} ({left} more before the account is locked)")


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


if TYPE_CHECKING:
    from triage.services.workspace import Workspace
