"""Applying a policy to one request: the suggestion, the rule behind it, and one sentence saying
why (formats.md §3).

Order: a policy not in force sends everything to a GP; then the review triggers (safety signals
and unclear requests); then the first rule whose conditions all hold; else the default action.
Dates (age, months since a procedure, days to the end of supply) are taken on the decision date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from policies.capacity import window_start
from policies.schema import Policy, Rule
from triage.models import (
    Action,
    Category,
    Findings,
    Flag,
    IncomingRequest,
    Reason,
    Suggestion,
    Urgency,
    in_flag_order,
)


class CapacityLedger(Protocol):
    def accepted(self, policy_id: str, rule_id: str, start: date, end: date) -> int:
        """Requests accepted under the rule with decision dates from `start` to `end`."""
        ...


class NoDecisions:
    """A ledger with nothing recorded yet."""

    def accepted(self, policy_id: str, rule_id: str, start: date, end: date) -> int:
        return 0


def evaluate(
    policy: Policy,
    request: IncomingRequest,
    findings: Findings,
    on: date,
    ledger: CapacityLedger | None = None,
) -> Suggestion:
    header = policy.policy
    if on < header.effective_from or (header.effective_until and on > header.effective_until):
        return Suggestion(
            Action.GP_REVIEW,
            None,
            (),
            (Flag.POLICY_NOT_IN_FORCE,),
            None,
            f"A GP must review this: {header.title} ({header.version}) is not in force on "
            f"{_day(on)}; it {_period(header.effective_from, header.effective_until)}.",
        )
    category = findings.classification.category
    age = _age(request, on)
    triggers = _review_triggers(policy, request, findings, on, age)
    match = _first_rule(policy, request, category, on, age)
    if triggers:
        flags = in_flag_order(triggers)
        why = "; ".join(triggers[flag] for flag in flags)
        otherwise = ""
        if isinstance(match, Rule) and match.action is not Action.GP_REVIEW:
            otherwise = f" (otherwise rule {match.id} would {match.action.value} it)"
        return Suggestion(
            Action.GP_REVIEW, None, (), flags, None, f"A GP must review this: {why}{otherwise}."
        )
    if match is None:
        return _confirmed(policy, category, _default(policy, category))
    if isinstance(match, _UnclearProcedureDate):
        return Suggestion(
            Action.GP_REVIEW,
            match.rule.id,
            (),
            (),
            None,
            f"A GP must review this: rule {match.rule.id} depends on the date of the procedure, "
            f"{match.which}.",
        )
    return _confirmed(policy, category, _apply_rule(policy, match, on, ledger or NoDecisions()))


def _confirmed(policy: Policy, category: Category | None, suggestion: Suggestion) -> Suggestion:
    """Equality-sensitive categories: the suggestion stands, and a GP must confirm it."""
    if category not in policy.review.confirm_by_gp or suggestion.action is Action.GP_REVIEW:
        return suggestion
    return Suggestion(
        suggestion.action,
        suggestion.rule,
        suggestion.reasons,
        (*suggestion.flags, Flag.GP_CONFIRMATION),
        suggestion.redirect_to,
        suggestion.explanation[:-1] + "; a GP must confirm it before the reply is sent.",
    )


# --- Review triggers ---------------------------------------------------------------------------


def _review_triggers(
    policy: Policy, request: IncomingRequest, findings: Findings, on: date, age: int | None
) -> dict[Flag, str]:
    """Each safety signal or unclear request found, with the words that explain it."""
    review = policy.review
    found: dict[Flag, str] = {}
    if age is None:
        found[Flag.UNDER_18] = "the date of birth is not given, so the patient may be under 18"
    elif age < 0:  # a simulation dated before the birth
        found[Flag.UNDER_18] = f"the patient was not yet born on {_day(on)}"
    elif age < review.under_age:
        found[Flag.UNDER_18] = f"the patient is {age}, under {review.under_age}"
    if request.supply_ends is not None:
        days = (request.supply_ends - on).days
        if days <= review.supply_within_days:
            found[Flag.SUPPLY_RISK] = _supply(request.supply_ends, days)
    if request.urgency is Urgency.URGENT:
        found[Flag.URGENT] = "the sender marked it urgent"
    if findings.red_flags:
        first = findings.red_flags[0]
        more = len(findings.red_flags) - 1
        found[Flag.RED_FLAG] = f"the letter mentions {first.found!r} ({first.why})" + (
            f" and {more} more red flag{'s' if more > 1 else ''}" if more else ""
        )
    if not request.patient.nhs_number_valid or Flag.INVALID_NHS_NUMBER in request.flags:
        found[Flag.INVALID_NHS_NUMBER] = (
            "the NHS number is missing"
            if not request.patient.nhs_number
            else "the NHS number fails its check digit"
        )
    classification = findings.classification
    if review.mixed_categories and classification.mixed:
        found[Flag.MIXED_CATEGORIES] = classification.mixed_because
    if review.unclassified and classification.unclassified:
        found[Flag.UNCLASSIFIED] = "it does not match any shared-care category"
    return found


def _supply(ends: date, days: int) -> str:
    if days < 0:
        return f"their supply ran out on {_day(ends)}"
    if days == 0:
        return "their supply runs out today"
    return f"their supply runs out on {_day(ends)}, in {days} day{'s' if days > 1 else ''}"


# --- Rules -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _UnclearProcedureDate:
    """The rule would apply, but the procedure date it depends on is missing or not yet."""

    rule: Rule
    which: str  # what is wrong with the date, completing "depends on the date of the procedure, "


def _first_rule(
    policy: Policy, request: IncomingRequest, category: Category | None, on: date, age: int | None
) -> Rule | _UnclearProcedureDate | None:
    if category is None:
        return None
    for rule in policy.rules:
        if rule.category is not category or not _in_force(rule, on):
            continue
        if rule.request_types is not None and request.request_type not in rule.request_types:
            continue
        if rule.provider_types is not None and request.provider_type not in rule.provider_types:
            continue
        if rule.min_age is not None and (age is None or age < rule.min_age):
            continue
        if rule.max_age is not None and (age is None or age > rule.max_age):
            continue
        if rule.within_months_of_procedure is None and rule.after_months_of_procedure is None:
            return rule
        if request.procedure_date is None:
            return _UnclearProcedureDate(rule, "which the request does not give")
        if request.procedure_date > on:  # planned, or mistyped: no monitoring has begun
            return _UnclearProcedureDate(
                rule, f"which the request gives as {_day(request.procedure_date)}, a date to come"
            )
        months = _whole_months(request.procedure_date, on)
        within = rule.within_months_of_procedure
        after = rule.after_months_of_procedure
        if (within is None or months < within) and (after is None or months >= after):
            return rule
    return None


def _in_force(rule: Rule, on: date) -> bool:
    if rule.effective_from is not None and on < rule.effective_from:
        return False
    return rule.effective_until is None or on <= rule.effective_until


def _apply_rule(policy: Policy, rule: Rule, on: date, ledger: CapacityLedger) -> Suggestion:
    what = rule.note or f"it covers {rule.category.label} requests"
    if rule.capacity is not None:
        start = window_start(on, rule.capacity.per)
        accepted = ledger.accepted(policy.id, rule.id, start, on)
        limit = f"{rule.capacity.limit} a {rule.capacity.per}"
        if accepted >= rule.capacity.limit:
            action = rule.when_full or Action.GP_REVIEW
            reasons = (
                rule.reasons
                if Reason.CAPACITY in rule.reasons
                else (*rule.reasons, Reason.CAPACITY)
            )
            return Suggestion(
                action,
                rule.id,
                reasons if action is not Action.GP_REVIEW else (),
                (Flag.CAPACITY_REACHED,),
                rule.redirect_to if action is Action.REDIRECT else None,
                f"{_phrase(action, rule.redirect_to)}: rule {rule.id} accepts up to {limit} and "
                f"{accepted} {'has' if accepted == 1 else 'have'} been accepted since "
                f"{_day(start)}.",
            )
        what = f"{_sentence_end(what)} ({accepted} of {limit} accepted so far)"
    return Suggestion(
        rule.action,
        rule.id,
        rule.reasons if rule.action is not Action.ACCEPT else (),
        (),
        rule.redirect_to if rule.action is Action.REDIRECT else None,
        f"{_phrase(rule.action, rule.redirect_to)} under rule {rule.id}: {_sentence_end(what)}.",
    )


def _default(policy: Policy, category: Category | None) -> Suggestion:
    action = policy.policy.default_action
    subject = f"{category.label} requests" if category else "this request"
    reasons = (Reason.PRACTICE_POLICY,) if action is Action.DECLINE else ()
    return Suggestion(
        action,
        None,
        reasons,
        (),
        None,
        f"No rule in this policy covers {subject}, so its default applies: "
        f"{_phrase(action, None, lower=True)}.",
    )


# --- Words -------------------------------------------------------------------------------------


_PHRASES = {
    Action.DECLINE: "Decline",
    Action.ACCEPT: "Accept",
    Action.GP_REVIEW: "A GP reviews it",
}


def _phrase(action: Action, redirect_to: str | None, *, lower: bool = False) -> str:
    phrase = f"Redirect to {redirect_to}" if action is Action.REDIRECT else _PHRASES[action]
    return phrase[0].lower() + phrase[1:] if lower else phrase


def _sentence_end(text: str) -> str:
    return text.rstrip().rstrip(".")


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _period(start: date, end: date | None) -> str:
    if end is None:
        return f"runs from {_day(start)}"
    return f"runs from {_day(start)} to {_day(end)}"


def _age(request: IncomingRequest, on: date) -> int | None:
    born = request.patient.date_of_birth
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _whole_months(start: date, end: date) -> int:
    """Whole calendar months from `start` to `end` (negative when `end` is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months
