"""Asking a person for their password at the terminal, for the command line's login."""

from __future__ import annotations

import getpass
import os
import sys

from triage.cli import output
from triage.errors import UserError
from triage.services.auth import (
    MIN_PASSWORD_LENGTH,
    PASSWORD_FILE_VARIABLE,
    PasswordFile,
    PasswordSource,
    password_source_from_environment,
)


class TerminalPrompt:
    """The password typed at the terminal, not echoed; a new one typed twice."""

    def password(self, name: str, *, new: bool) -> str:
        try:
            if not new:
                return getpass.getpass(f"Password for {name}: ")
            output.info(
                f"{name} has no password yet: choose one of at least {MIN_PASSWORD_LENGTH} "
                "characters (it is asked for again each working day)"
            )
            first = getpass.getpass("New password: ")
            if getpass.getpass("The same again: ") != first:
                raise UserError("the two passwords differ: nothing was changed")
            return first
        except (EOFError, KeyboardInterrupt):
            raise UserError("no password given: nothing was done") from None


def password_source() -> PasswordSource:
    """A private password file when one is named, else the terminal when there is one."""
    if os.environ.get(PASSWORD_FILE_VARIABLE) or not sys.stdin.isatty():
        return password_source_from_environment()
    return TerminalPrompt()


def new_password_source(password_file: str | None) -> PasswordSource:
    """Where a new password comes from: the file given, else as a login's does."""
    from pathlib import Path

    return PasswordFile(Path(password_file)) if password_file else password_source()
