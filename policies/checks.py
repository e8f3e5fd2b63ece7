"""Mistakes that involve several keys at once: a redirect with nowhere to redirect to, two rules
with one id, a date range that cannot happen.

They are checked on the parsed TOML rather than the validated model, so that they are reported
alongside every other mistake in the file, not only once the rest is right.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from policies.toml_lines import Path, line_of

Found = tuple[Path, str]  # where, and what is wrong


def cross_checks(document: dict[str, Any], lines: dict[Path, int]) -> Iterator[Found]:
    header = _table(document.get("policy"))
    policy_from, policy_until = (
        _date(header.get("effective_from")),
        _date(header.get("effective_until")),
    )
    if policy_from and policy_until and policy_from > policy_until:
        yield ("policy", "effective_until"), _impossible(policy_from, policy_until)
    review_on = _date(header.get("review_on"))
    if policy_from and review_on and review_on < policy_from:
        yield (
            ("policy", "review_on"),
            f"the review ({review_on}) comes before the policy starts ({policy_from})",
        )
    if header.get("default_action") == "redirect":
        yield ("policy", "default_action"), "a default cannot redirect: it has nowhere to send to"
    rules = document.get("rules")
    if not isinstance(rules, list):
        return
    first_line_of: dict[str, int] = {}
    for index, raw in enumerate(rules):
        rule = _table(raw)
        rule_id = rule.get("id")
        if isinstance(rule_id, str):
            if rule_id in first_line_of:
                first = line_of(lines, ("rules", first_line_of[rule_id], "id"))
                yield (
                    ("rules", index, "id"),
                    f"rule id {rule_id!r} is used twice (first on line {first})",
                )
            else:
                first_line_of[rule_id] = index
        for key, problem in _rule_problems(rule, policy_from, policy_until):
            yield ("rules", index, key), problem


def _rule_problems(
    rule: dict[str, Any], policy_from: date | None, policy_until: date | None
) -> Iterator[tuple[str, str]]:
    action = rule.get("action")
    when_full = rule.get("when_full")
    redirects = action == "redirect" or when_full == "redirect"
    if redirects and not rule.get("redirect_to"):
        yield "redirect_to", "a redirect needs redirect_to: the service the request goes to instead"
    if rule.get("redirect_to") and not redirects:
        yield "redirect_to", f"only a redirect goes somewhere; this rule's action is {action!r}"
    if action in ("decline", "redirect") and not rule.get("reasons"):
        yield "reasons", f"a {action} needs at least one reason: the reply letter gives them"
    if "capacity" in rule and action != "accept":
        yield "capacity", 'capacity counts accepted requests, so it needs action = "accept"'
    if "when_full" in rule and "capacity" not in rule:
        yield "when_full", "when_full only applies to a rule with a capacity"
    if when_full == "accept":
        yield "when_full", "when the capacity is full the request cannot be accepted too"
    low, high = rule.get("min_age"), rule.get("max_age")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        yield "max_age", f"no one is at least {low} and at most {high}"
    within = rule.get("within_months_of_procedure")
    after = rule.get("after_months_of_procedure")
    if isinstance(within, int) and isinstance(after, int) and after >= within:
        yield (
            "after_months_of_procedure",
            f"no date is both within {within} months of the procedure and after {after}",
        )
    start, end = _date(rule.get("effective_from")), _date(rule.get("effective_until"))
    if start and end and start > end:
        yield "effective_until", _impossible(start, end)
    elif (start and policy_until and start > policy_until) or (
        end and policy_from and end < policy_from
    ):
        yield (
            "effective_from" if start else "effective_until",
            "this rule is never in force: its dates fall outside the policy's",
        )


def _impossible(start: date, end: date) -> str:
    return f"the dates are impossible: it ends ({end}) before it starts ({start})"


def _table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _date(value: object) -> date | None:
    # tomllib gives datetime for a date-time, which is itself a date: only plain dates count.
    return value if type(value) is date else None
