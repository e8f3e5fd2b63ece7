"""How a policy file's mistakes are reported: `file:line: key: problem`
(docs/policy-language.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class PolicyProblem:
    file: str
    line: int | None
    key: str  # "rules[mgus-new].redirect_to"; empty for the file as a whole
    problem: str

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line is not None else self.file
        return ": ".join(part for part in (place, self.key, self.problem) if part)


class PolicyRejected(Exception):
    """The policy file cannot be used; every problem found is listed, in line order."""

    def __init__(self, file: str, problems: Sequence[PolicyProblem]) -> None:
        self.file = file
        self.problems = sorted(problems, key=lambda problem: (problem.line or 0, problem.key))
        count = len(self.problems)
        super().__init__(
            f"{file}: the policy was not loaded: {count} problem{'s' if count != 1 else ''}"
        )
