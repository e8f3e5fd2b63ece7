"""Applying a policy to one request: the suggestion, the rule behind it, and one sentence saying
why (docs/policy-language.md).

Order: a policy not in force sends everything to a GP; then the review triggers (safety signals
and unclear requests); then the first rule whose conditions all hold; else the default action.
Dates (age, months since a procedure, days to the end of supply) are taken on the decision date.

The letter's prose counts as much as the request's fields (clinical-signals.md §4): the earlier of
the two dates for the next dose wins and both are shown; an operation date the two disagree on,
or a request type the letter's words leave unclear, sends a rule that depends on it to a GP.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple, Protocol

from policies.capacity import window_start
from policies.funding import described, funding_for
from policies.schema import Policy, Rule
from triage.models import (
    Action,
    Category,
    DateInLetter,
    Findings,
    Flag,
    IncomingRequest,
    Reason,
    Request,
    RequestType,
    Suggestion,
    Urgency,
    Written,
    day_in_words,
    in_flag_order,
    practice_date,
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
            f"{day_in_words(on)}; it {_period(header.effective_from, header.effective_until)}.",
        )
    category = findings.classification.category
    age = _age(request, on)
    triggers = _review_triggers(policy, request, findings, on, age)
    facts = _Facts.of(request, findings)
    funded_aside: list[str] = []  # rules a funded arrangement set aside, in words
    match = _first_rule(policy, facts, category, on, age, funded_aside)
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
        return _funded(_confirmed(policy, category, _default(policy, category)), funded_aside)
    if isinstance(match, _Unclear):
        return Suggestion(
            Action.GP_REVIEW,
            match.rule.id,
            (),
            (),
            None,
            f"A GP must review this: rule {match.rule.id} depends on {match.which}.",
        )
    suggestion = _apply_rule(policy, match, on, ledger or NoDecisions())
    if match.request_types is not None and facts.request_type_read:
        suggestion = suggestion._replace(
            explanation=f"{_sentence_end(suggestion.explanation)}; {facts.request_type_read}."
        )
    return _funded(_confirmed(policy, category, suggestion, match), funded_aside)


def _confirmed(
    policy: Policy, category: Category | None, suggestion: Suggestion, rule: Rule | None = None
) -> Suggestion:
    """Equality-sensitive categories, and rules that only say "consider": the suggestion
    stands, and a GP must confirm it."""
    considered = rule is not None and rule.consider
    if suggestion.action is Action.GP_REVIEW or not (
        considered or category in policy.review.confirm_by_gp
    ):
        return suggestion
    why = (
        f"rule {rule.id} only says to consider it, so a GP decides before the reply is sent"
        if considered and rule is not None
        else "a GP must confirm it before the reply is sent"
    )
    return Suggestion(
        suggestion.action,
        suggestion.rule,
        suggestion.reasons,
        (*suggestion.flags, Flag.GP_CONFIRMATION),
        suggestion.redirect_to,
        f"{_sentence_end(suggestion.explanation)}; {why}.",
    )


def _funded(suggestion: Suggestion, funded_aside: list[str]) -> Suggestion:
    """Say which rules a funded arrangement set aside, so nobody wonders why they did not apply."""
    if not funded_aside:
        return suggestion
    return suggestion._replace(
        explanation=f"{_sentence_end(suggestion.explanation)}; {'; '.join(funded_aside)}."
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
        found[Flag.UNDER_18] = f"the patient was not yet born on {day_in_words(on)}"
    elif age < review.under_age:
        found[Flag.UNDER_18] = f"the patient is {age}, under {review.under_age}"
    supply = _supply_end(request, findings.written)
    if supply is not None:
        ends, said = supply
        days = (ends - on).days
        if days <= review.supply_within_days:
            found[Flag.SUPPLY_RISK] = _supply(ends, days) + said
    if request.urgency is Urgency.URGENT:
        found[Flag.URGENT] = "the sender marked it urgent"
    if findings.red_flags:
        shown = findings.red_flags[:_RED_FLAGS_SHOWN]
        more = len(findings.red_flags) - len(shown)
        found[Flag.RED_FLAG] = (
            "the letter mentions "
            + "; ".join(f"{flag.found!r} ({flag.why})" for flag in shown)
            + (f"; and {more} more red flag{'s' if more > 1 else ''}" if more else "")
        )
    if not request.patient.nhs_number_valid or Flag.INVALID_NHS_NUMBER in request.flags:
        found[Flag.INVALID_NHS_NUMBER] = (
            "the NHS number is missing"
            if not request.patient.nhs_number
            else "the NHS number fails its check digit"
        )
    if Flag.DOUBTFUL_SCAN in request.flags:
        found[Flag.DOUBTFUL_SCAN] = (
            f"the letter is a scan ({request.how_text_was_read or 'read by OCR'}): "
            "check it against the original"
        )
    if isinstance(request, Request) and request.repeat_of is not None:
        earlier = request.repeat_of
        found[Flag.REPEAT_REQUEST] = (
            f"the same team asked for this patient before: {earlier.ref} was {earlier.said} "
            f"on {day_in_words(practice_date(earlier.decided_at))} ({earlier.our_ref})"
        )
    classification = findings.classification
    if review.mixed_categories and classification.mixed:
        found[Flag.MIXED_CATEGORIES] = classification.mixed_because
    if review.unclassified and classification.unclassified:
        found[Flag.UNCLASSIFIED] = "it does not match any shared-care category"
    return found


_RED_FLAGS_SHOWN = 3  # in the explanation; the request screen and the CLI list every one


def _supply_end(request: IncomingRequest, written: Written) -> tuple[date, str] | None:
    """The earlier of the request's supply end and the next dose or test the letter gives, with
    words saying where it came from and what the other said."""
    stated = request.supply_ends
    letter = written.next_due
    if letter is None:
        return (stated, "") if stated is not None else None
    said = f" (the letter: {letter.describe()}"
    if stated is None:
        return letter.earliest, said + ")"
    if letter.earliest < stated:
        return letter.earliest, f"{said}; the request gives {day_in_words(stated)})"
    if letter.earliest > stated:
        return stated, f" (the letter gives the next dose or test as {letter.describe()})"
    return stated, ""


def _supply(ends: date, days: int) -> str:
    if days < 0:
        return f"their supply ran out on {day_in_words(ends)}"
    if days == 0:
        return "their supply runs out today"
    return f"their supply runs out on {day_in_words(ends)}, in {days} day{'s' if days > 1 else ''}"


# --- Rules -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unclear:
    """The rule would apply, but something it depends on is missing, unclear or not yet."""

    rule: Rule
    which: str  # completes "rule X depends on "


class _Facts(NamedTuple):
    """What the rules read of a request: its fields, or the letter's words where they say more.
    (A NamedTuple: one is made for every request a simulation reads.)"""

    request: IncomingRequest
    request_type: RequestType | None  # None: the letter's words leave it unclear
    request_type_read: str  # how the letter's words gave it, or left it unclear, if they did
    procedure: tuple[date, ...]  # the day, or the first and last it may be; () when not given
    procedure_from: str  # "the request" or "the letter": which gave it
    procedure_unclear: str  # why the procedure date cannot be used, completing "the date of..."

    @classmethod
    def of(cls, request: IncomingRequest, findings: Findings) -> _Facts:
        written = findings.written
        if not any(written):  # the usual case: the letter adds nothing to the request's fields
            stated = request.procedure_date
            stated_type = request.request_type or RequestType.NEW
            return cls(request, stated_type, "", _days(stated), "the request", "")
        request_type: RequestType | None = request.request_type or RequestType.NEW
        read = ""
        if request.request_type is None and written.request_type is not None:
            request_type = written.request_type.request_type
            if request_type is None:
                read = f"it says {written.request_type.found}"
            else:
                read = (
                    f"the request type is read from the letter's words "
                    f"({written.request_type.found!r}): {request_type.value.replace('_', ' ')}"
                )
        procedure, unclear = _procedure(request.procedure_date, written.procedure)
        given_by = "the letter" if request.procedure_date is None and procedure else "the request"
        return cls(request, request_type, read, procedure, given_by, unclear)


def _days(stated: date | None) -> tuple[date, ...]:
    return (stated,) if stated else ()


def _procedure(stated: date | None, letter: DateInLetter | None) -> tuple[tuple[date, ...], str]:
    if letter is None:
        return _days(stated), ""
    if stated is None:
        if letter.earliest == letter.latest:
            return (letter.earliest,), ""
        return (letter.earliest, letter.latest), ""
    if letter.earliest <= stated <= letter.latest:
        return (stated,), ""
    return (), (
        f"which the request gives as {day_in_words(stated)} but the letter as {letter.describe()}"
    )


def _first_rule(
    policy: Policy,
    facts: _Facts,
    category: Category | None,
    on: date,
    age: int | None,
    funded_aside: list[str],
) -> Rule | _Unclear | None:
    if category is None:
        return None
    request = facts.request
    for rule in policy.rules:
        if rule.category is not category or not _in_force(rule, on):
            continue
        if rule.unless_funded:
            funded = funding_for(policy, category, (request.sender, request.organisation), on)
            if funded is not None:
                funded_aside.append(f"rule {rule.id} does not apply: {described(funded)} funds it")
                continue
        if rule.request_types is not None:
            if facts.request_type is None:
                return _Unclear(
                    rule,
                    "the kind of request (new, continuation or transfer), which the letter's "
                    f"words leave unclear: {facts.request_type_read}",
                )
            if facts.request_type not in rule.request_types:
                continue
        if rule.provider_types is not None and request.provider_type not in rule.provider_types:
            continue
        if rule.min_age is not None and (age is None or age < rule.min_age):
            continue
        if rule.max_age is not None and (age is None or age > rule.max_age):
            continue
        if rule.within_months_of_procedure is None and rule.after_months_of_procedure is None:
            return rule
        applies = _by_procedure(rule, facts, on)
        if isinstance(applies, _Unclear):
            return applies
        if applies:
            return rule
    return None


def _by_procedure(rule: Rule, facts: _Facts, on: date) -> bool | _Unclear:
    """Whether the rule's months since the procedure hold, or why that cannot be said."""
    which = "the date of the procedure, "
    if facts.procedure_unclear:
        return _Unclear(rule, which + facts.procedure_unclear)
    if not facts.procedure:
        return _Unclear(rule, which + "which the request does not give")
    if max(facts.procedure) > on:  # planned, or mistyped: no monitoring has begun
        return _Unclear(
            rule,
            f"{which}which {facts.procedure_from} gives as "
            f"{day_in_words(max(facts.procedure))}, a date to come",
        )
    within = rule.within_months_of_procedure
    after = rule.after_months_of_procedure
    holds = {
        (within is None or months < within) and (after is None or months >= after)
        for months in (_whole_months(day, on) for day in facts.procedure)
    }
    if len(holds) > 1:  # "March 2023": the rule holds for some days of the month, not others
        first, last = (day_in_words(day) for day in facts.procedure)
        return _Unclear(rule, f"{which}which the letter gives only as between {first} and {last}")
    return holds.pop()


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
                f"{day_in_words(start)}.",
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


def _period(start: date, end: date | None) -> str:
    if end is None:
        return f"runs from {day_in_words(start)}"
    return f"runs from {day_in_words(start)} to {day_in_words(end)}"


def _age(request: IncomingRequest, on: date) -> int | None:
    born = request.patient.date_of_birth
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _whole_months(start: date, end: date) -> int:
    """Whole calendar months from `start` to `end` (negative when `end` is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months
