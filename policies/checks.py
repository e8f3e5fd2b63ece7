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
    yield from _unique_ids(document, lines, "rules", "rule")
    yield from _unique_ids(document, lines, "funded", "funded arrangement")
    yield from _unique_ids(document, lines, "notices", "notice")
    for index, rule in _items(document, "rules"):
        for key, problem in _rule_problems(rule, policy_from, policy_until):
            yield ("rules", index, key), problem
    for index, funded in _items(document, "funded"):
        for key, problem in _funded_problems(funded):
            yield ("funded", index, key), problem
    noticed: dict[object, int] = {}
    for index, notice in _items(document, "notices"):
        category = notice.get("category")
        if isinstance(category, str) and category in noticed:
            first = line_of(lines, ("notices", noticed[category], "category"))
            yield (
                ("notices", index, "category"),
                f"{category!r} already has a notice (line {first}): a patient gets one notice",
            )
        noticed.setdefault(category, index)
        for key, problem in _notice_problems(notice, policy_from):
            yield ("notices", index, key), problem


def _items(document: dict[str, Any], key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    items = document.get(key)
    if isinstance(items, list):
        yield from ((index, _table(raw)) for index, raw in enumerate(items))


def _unique_ids(
    document: dict[str, Any], lines: dict[Path, int], key: str, what: str
) -> Iterator[Found]:
    first_index_of: dict[str, int] = {}
    for index, item in _items(document, key):
        item_id = item.get("id")
        if not isinstance(item_id, str):
            continue
        if item_id in first_index_of:
            first = line_of(lines, (key, first_index_of[item_id], "id"))
            yield (key, index, "id"), f"{what} id {item_id!r} is used twice (first on line {first})"
        else:
            first_index_of[item_id] = index


def _funded_problems(funded: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if funded.get("kind") == "named_provider" and not funded.get("provider"):
        yield "provider", "a named provider's arrangement needs provider: the provider's name"
    start, end = _date(funded.get("effective_from")), _date(funded.get("effective_until"))
    if start and end and start > end:
        yield "effective_until", _impossible(start, end)


def _notice_problems(notice: dict[str, Any], policy_from: date | None) -> Iterator[tuple[str, str]]:
    hand_back_on = _date(notice.get("hand_back_on"))
    if hand_back_on and policy_from and hand_back_on < policy_from:
        yield (
            "hand_back_on",
            f"the hand-back ({hand_back_on}) comes before the policy starts ({policy_from})",
        )


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
    if "confirm_within_days" in rule and not redirects:
        yield (
            "confirm_within_days",
            f"only a redirect is confirmed by the service it went to; this rule's action is "
            f"{action!r}",
        )
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
