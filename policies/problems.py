"""How a policy file's mistakes are reported: `file:line: key: problem`
(docs/policy-language.md)."""

from __future__ import annotations

from collections.abc import Sequence

from triage.errors import Place, Problem


def policy_problem(file: str, line: int | None, key: str, message: str) -> Problem:
    """A mistake at a line of a policy file; `key` names the setting ("rules[mgus-new].redirect_to",
    empty for the file as a whole)."""
    return Problem(file, Place(line=line) if line is not None else None, key or None, message)


class PolicyRejected(Exception):
    """The policy file cannot be used; every problem found is listed, in line order."""

    def __init__(self, file: str, problems: Sequence[Problem]) -> None:
        self.file = file
        self.problems = sorted(problems, key=_line_then_key)
        count = len(self.problems)
        super().__init__(
            f"{file}: the policy was not loaded: {count} problem{'s' if count != 1 else ''}"
        )


def _line_then_key(problem: Problem) -> tuple[int, str]:
    line = problem.place.line if problem.place else None
    return line or 0, problem.field or ""
