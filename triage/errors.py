"""Errors the person at the keyboard caused and can put right (exit status 1, never a traceback)."""

from __future__ import annotations

from collections.abc import Sequence


class UserError(Exception):
    """One clear sentence: what is wrong and, where it helps, what to do about it."""


class UnknownUser(UserError):
    pass


class PermissionRefused(UserError):
    pass


class ProblemsFound(UserError):
    """Several problems, each on its own line (an import naming every bad row and field)."""

    def __init__(self, summary: str, lines: Sequence[str]) -> None:
        super().__init__(summary)
        self.lines = list(lines)
