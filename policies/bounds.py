"""What a policy file may be before the TOML parser sees it: its size, its lines' length, how
deeply its arrays and inline tables nest, and how many parts a dotted key has.

tomllib recurses once per level of "[" and "{" (so a deep file ended in RecursionError), and its
memory grows with the square of a dotted key's parts (50,000 parts took 15 GB). A policy is a
page of rules, a few levels deep with keys of two or three parts: nothing honest comes near these
limits (docs/reliability.md §3.4).
"""

from __future__ import annotations

import re

from policies.problems import policy_problem
from triage.errors import Problem

MAX_POLICY_BYTES = 1_000_000
MAX_LINE_CHARACTERS = 4_000  # a text value may be 2,000 characters
MAX_DEPTH = 32
MAX_KEY_PARTS = 64

# Strings and comments, whose brackets, dots and hashes are text: multi-line strings first.
_TEXT = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''.*?'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'[^'\n]*'"
    r"|#[^\n]*",
    re.DOTALL,
)
_NOT_COUNTED = re.compile(r"[^\[\]{}.\n]+")


def bounds_problem(text: str, file_name: str, what: str = "a policy") -> Problem | None:
    """The first limit the text (`what`: a policy, or another TOML file) goes beyond, or None."""
    if len(text) > MAX_POLICY_BYTES:
        return policy_problem(
            file_name,
            None,
            "",
            f"is {len(text):,} characters; {what} is at most {MAX_POLICY_BYTES:,}",
        )
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > MAX_LINE_CHARACTERS:
            return policy_problem(
                file_name,
                number,
                "",
                f"is {len(line):,} characters long; the lines of {what} are at most "
                f"{MAX_LINE_CHARACTERS:,}",
            )
    # Each string or comment becomes the newlines it held, so the lines keep their numbers.
    code = _TEXT.sub(lambda text: "\n" * text.group().count("\n"), text)
    depth = 0
    for number, line in enumerate(_NOT_COUNTED.sub("", code).split("\n"), start=1):
        if line.count(".") >= MAX_KEY_PARTS:  # a dotted key is on one line; policies hold no floats
            return policy_problem(
                file_name, number, "", f"has a key of more than {MAX_KEY_PARTS} parts"
            )
        for character in line:
            if character in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return policy_problem(
                        file_name, number, "", f"is nested more than {MAX_DEPTH} levels deep"
                    )
            elif character in "]}" and depth:
                depth -= 1
    return None
