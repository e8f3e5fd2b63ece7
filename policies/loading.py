"""Reading a policy file: TOML in, a validated Policy out, or every mistake listed by line.

A file with any mistake is refused as a whole: a practice must never run on half a policy.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

from pydantic import BaseModel, ValidationError

from policies.bounds import MAX_POLICY_BYTES, bounds_problem
from policies.checks import cross_checks
from policies.problems import PolicyRejected, policy_problem
from policies.schema import (
    LEAST_SUPPLY_WINDOW_DAYS,
    LEAST_UNDER_AGE,
    Capacity,
    Funded,
    Notice,
    Policy,
    PolicyHeader,
    Review,
    Rule,
    SafeWorking,
)
from policies.toml_lines import Path, key_lines, line_of
from triage.errors import Problem

_TABLE_MODELS: dict[str, type[BaseModel]] = {
    "policy": PolicyHeader,
    "review": Review,
    "rules": Rule,
    "capacity": Capacity,
    "safe_working": SafeWorking,
    "funded": Funded,
    "notices": Notice,
}


@dataclass(frozen=True)
class LoadedPolicy:
    """A policy that passed every check, with the text it was read from."""

    policy: Policy
    text: str
    file_name: str
    sha256: str

    @property
    def label(self) -> str:
        return f"{self.policy.id} {self.policy.version}"


def load_policy_file(path: FilePath) -> LoadedPolicy:
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_POLICY_BYTES:
            raise _rejected(
                name, f"is {size:,} bytes; a policy file is at most {MAX_POLICY_BYTES:,}"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise _rejected(name, "no such file") from None
    except IsADirectoryError:
        raise _rejected(name, "is a folder, not a policy file") from None
    except OSError as error:
        raise _rejected(name, f"cannot be read ({error.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise PolicyRejected(name, [policy_problem(name, line, "", "is not UTF-8 text")]) from None
    return load_policy_text(text, name)


def load_policy_text(text: str, file_name: str) -> LoadedPolicy:
    beyond = bounds_problem(text, file_name)
    if beyond is not None:
        raise PolicyRejected(file_name, [beyond])
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyRejected(file_name, [_syntax_problem(file_name, error)]) from None
    lines = key_lines(text)
    problems = [
        policy_problem(file_name, line_of(lines, path), _key_name(path, document), problem)
        for path, problem in cross_checks(document, lines)
    ]
    try:
        policy = Policy.model_validate(document)
    except ValidationError as invalid:
        problems += _validation_problems(invalid, document, lines, file_name)
        policy = None
    if problems or policy is None:
        raise PolicyRejected(file_name, _unique(problems))
    return LoadedPolicy(policy, text, file_name, policy.content_sha256())


def _rejected(file_name: str, problem: str) -> PolicyRejected:
    return PolicyRejected(file_name, [policy_problem(file_name, None, "", problem)])


def _syntax_problem(file_name: str, error: tomllib.TOMLDecodeError) -> Problem:
    # tomllib ends its message with "(at line 3, column 7)"; that becomes our line number.
    message = str(error)
    where = re.search(r"\(at line (\d+), column \d+\)$", message)
    line = int(where.group(1)) if where else None
    if where:
        message = message[: where.start()].rstrip()
    return policy_problem(file_name, line, "", f"not valid TOML: {message}")


def _validation_problems(
    invalid: ValidationError, document: dict[str, Any], lines: dict[Path, int], file_name: str
) -> list[Problem]:
    problems = []
    for error in invalid.errors():
        path: Path = tuple(error["loc"])
        problems.append(
            policy_problem(
                file_name,
                line_of(lines, path),
                _key_name(path, document),
                _plain_message(error, path),
            )
        )
    return problems


def _plain_message(error: Any, path: Path) -> str:
    """Pydantic's message, said the way a practice manager would understand it."""
    kind, given, context = error["type"], error.get("input"), error.get("ctx") or {}
    key = path[-1] if path else ""
    if kind == "extra_forbidden":
        return "unknown key" + _did_you_mean(str(key), path)
    if kind == "missing":
        return "is required"
    if path[:1] == ("review",) and kind == "literal_error":
        return "cannot be turned off: these requests always go to a GP for safety"
    if key == "under_age" and kind == "greater_than_equal":
        return f"cannot be below {LEAST_UNDER_AGE}: under-18s always go to a GP for safety"
    if key == "supply_within_days" and kind == "greater_than_equal":
        return (
            f"cannot be below {LEAST_SUPPLY_WINDOW_DAYS} days: a patient whose supply is about "
            "to run out must reach a GP in time"
        )
    if kind in ("enum", "literal_error"):
        return f"unknown value {given!r}; use one of {context.get('expected', '')}"
    if kind.startswith("date") and isinstance(given, str):
        return f"{given!r} is in quotes; write the date as YYYY-MM-DD without them"
    if kind.startswith("date"):
        return f"{given!r} is not a date; write it as YYYY-MM-DD, without quotes"
    if kind.startswith("int") or kind.startswith("float"):
        return f"{given!r} is not a whole number (write it without quotes or a decimal point)"
    if kind == "bool_type":
        return f"{given!r} is not true or false"
    if kind.startswith("string_pattern"):
        return f"{given!r} may use only letters, digits, '-', '_' and '.'"
    if kind == "string_too_short":
        return "is empty"
    if kind == "greater_than_equal":
        return f"{given!r} is too small: the least allowed is {context.get('ge')}"
    if kind == "less_than_equal":
        return f"{given!r} is too large: the most allowed is {context.get('le')}"
    if kind == "string_type":
        return f"{given!r} should be text, in quotes"
    if kind == "string_too_long":
        return f"is too long: at most {context.get('max_length')} characters"
    if kind in ("tuple_type", "list_type"):
        return f'{given!r} is not a list; write it as ["...", "..."]'
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "should be a table ([name] or { key = value })"
    return str(error["msg"])


def _did_you_mean(key: str, path: Path) -> str:
    parent = [part for part in path[:-1] if isinstance(part, str)]
    model = _TABLE_MODELS.get(parent[-1] if parent else "", Policy)
    close = difflib.get_close_matches(key, list(model.model_fields), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _key_name(path: Path, document: dict[str, Any]) -> str:
    """rules[mgus-new].redirect_to: a rule is named by its id when it has one."""
    name = ""
    for position, part in enumerate(path):
        if isinstance(part, int):
            if position == 1 and path[0] in _LISTS_BY_ID:
                name += f"[{_item_label(document, str(path[0]), part)}]"
            else:
                name += f"[{part + 1}]"
        else:
            name += f".{part}" if name else part
    return name


_LISTS_BY_ID = ("rules", "funded", "notices")  # arrays of tables whose items have an id


def _item_label(document: dict[str, Any], key: str, index: int) -> str:
    items = document.get(key)
    if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
        item_id = items[index].get("id")
        if isinstance(item_id, str) and item_id:
            return item_id
    return f"#{index + 1}"


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))
