"""Applying a policy: review triggers, every rule condition, capacity, effective dates, the
default, and the safety rule (a request with a safety signal only ever goes to a GP)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies import Policy, evaluate, load_policy_text, load_shipped_policy
from policies.capacity import window_start
from tests.factories import ON, make_request
from triage.classify import read
from triage.models import (
    Action,
    Category,
    Flag,
    IncomingRequest,
    ProviderType,
    Reason,
    RequestType,
    Suggestion,
    Urgency,
)
from triage.services.policy import simulate

ADHD: dict[str, Any] = {"medications": ("methylphenidate 10mg",)}
BARIATRIC: dict[str, Any] = {"text": "Sleeve gastrectomy; please arrange nutritional bloods."}


def policy(rules: str = "", review: str = "", header: str = "") -> Policy:
    text = (
        '[policy]\nid = "p"\ntitle = "Test policy"\nversion = "1"\n'
        f'effective_from = 2025-01-01\nsource = "A test"\n{header}\n[review]\n{review}\n{rules}'
    )
    return load_policy_text(text, "p.toml").policy


def decline(category: str, extra: str = "", rule_id: str = "r") -> str:
    return (
        f'[[rules]]\nid = "{rule_id}"\ncategory = "{category}"\naction = "decline"\n'
        f'reasons = ["capacity"]\n{extra}\n'
    )


def suggest(the_policy: Policy, *, on: date = ON, ledger: Any = None, **fields: Any) -> Suggestion:
    request = make_request(**fields)
    return evaluate(the_policy, request, read(request), on, ledger)


# --- effective period --------------------------------------------------------------------------


def test_outside_its_effective_period_the_policy_sends_everything_to_a_gp() -> None:
    dated = policy(decline("adhd"), header="effective_until = 2025-12-31")
    for day in (date(2024, 12, 31), date(2026, 1, 1)):
        suggestion = suggest(dated, on=day, **ADHD)
        assert (suggestion.action, suggestion.flags) == (
            Action.GP_REVIEW,
            (Flag.POLICY_NOT_IN_FORCE,),
        )
        assert "is not in force on" in suggestion.explanation
    assert suggest(dated, on=date(2025, 1, 1), **ADHD).action is Action.DECLINE
    assert suggest(dated, on=date(2025, 12, 31), **ADHD).action is Action.DECLINE


def test_a_rule_with_its_own_dates_applies_only_within_them() -> None:
    staged = policy(
        decline("adhd", "effective_from = 2025-03-01\neffective_until = 2025-03-31", "march")
    )
    assert suggest(staged, on=date(2025, 2, 28), **ADHD).action is Action.GP_REVIEW  # default
    assert suggest(staged, on=date(2025, 3, 1), **ADHD).rule == "march"
    assert suggest(staged, on=date(2025, 3, 31), **ADHD).rule == "march"
    assert suggest(staged, on=date(2025, 4, 1), **ADHD).rule is None


# --- review triggers ----------------------------------------------------------------------------


def test_under_18_on_the_decision_date_goes_to_a_gp() -> None:
    adhd = policy(decline("adhd"))
    seventeen = suggest(adhd, born=date(2007, 2, 2), **ADHD)
    assert (seventeen.action, seventeen.flags) == (Action.GP_REVIEW, (Flag.UNDER_18,))
    assert seventeen.explanation == (
        "A GP must review this: the patient is 17, under 18 (otherwise rule r would decline it)."
    )
    assert suggest(adhd, born=date(2007, 2, 1), **ADHD).action is Action.DECLINE  # 18 today


def test_an_unknown_date_of_birth_is_treated_as_possibly_under_18() -> None:
    suggestion = suggest(policy(decline("adhd")), born=None, **ADHD)
    assert suggestion.flags == (Flag.UNDER_18,)
    assert "the date of birth is not given" in suggestion.explanation


def test_a_practice_may_raise_the_age_for_review() -> None:
    suggestion = suggest(policy(decline("adhd"), "under_age = 25"), born=date(2003, 1, 1), **ADHD)
    assert suggestion.flags == (Flag.UNDER_18,)
    assert "the patient is 22, under 25" in suggestion.explanation


@pytest.mark.parametrize(("days", "at_risk"), [(-3, True), (0, True), (28, True), (29, False)])
def test_supply_ending_within_the_window_goes_to_a_gp(days: int, at_risk: bool) -> None:
    suggestion = suggest(policy(decline("adhd")), supply_ends=ON + timedelta(days=days), **ADHD)
    assert (Flag.SUPPLY_RISK in suggestion.flags) is at_risk
    assert suggestion.action is (Action.GP_REVIEW if at_risk else Action.DECLINE)


def test_the_supply_window_is_the_policys() -> None:
    suggestion = suggest(
        policy(decline("adhd"), "supply_within_days = 60"),
        supply_ends=ON + timedelta(days=45),
        **ADHD,
    )
    assert suggestion.flags == (Flag.SUPPLY_RISK,)
    assert "their supply runs out on 18 March 2025, in 45 days" in suggestion.explanation


def test_urgent_requests_go_to_a_gp() -> None:
    suggestion = suggest(policy(decline("adhd")), urgency=Urgency.URGENT, **ADHD)
    assert suggestion.flags == (Flag.URGENT,)
    assert "the sender marked it urgent" in suggestion.explanation


def test_red_flags_go_to_a_gp_each_quoted_with_its_evidence_up_to_three() -> None:
    suggestion = suggest(
        policy(decline("inr")),
        medications=("warfarin",),
        text="INR 7.1 yesterday; syncope; a safeguarding concern; referred 2WW.",
    )
    assert suggestion.flags == (Flag.RED_FLAG,)
    assert "'syncope' (syncope or collapse); 'safeguarding'" in suggestion.explanation
    assert "; and 1 more red flag" in suggestion.explanation  # the request lists every one
    assert "INR 7.1 > 5 (INR/warfarin: BNF / NICE CKS anticoagulation)" in [
        flag.why for flag in read(make_request(text="INR 7.1", medications=("warfarin",))).red_flags
    ]


def test_an_invalid_or_missing_nhs_number_goes_to_a_gp() -> None:
    suggestion = suggest(policy(decline("adhd")), nhs_valid=False, **ADHD)
    assert suggestion.flags == (Flag.INVALID_NHS_NUMBER,)
    assert "fails its check digit" in suggestion.explanation


def test_mixed_and_unclassified_requests_always_go_to_a_gp() -> None:
    both: dict[str, Any] = {"medications": ("methylphenidate 10mg", "methotrexate 10mg weekly")}
    strict = policy(decline("adhd"))
    assert suggest(strict, **both).flags == (Flag.MIXED_CATEGORIES,)
    assert suggest(strict, text="Please see attached.").flags == (Flag.UNCLASSIFIED,)
    # Even a policy that declines whatever no rule covers cannot decline what no one can categorise.
    declining = policy(decline("adhd"), header='default_action = "decline"')
    assert suggest(declining, **both).action is Action.GP_REVIEW
    assert suggest(declining, text="Please see attached.").action is Action.GP_REVIEW
    default = suggest(declining, medications=("warfarin",))
    assert (default.action, default.reasons) == (Action.DECLINE, (Reason.PRACTICE_POLICY,))


def test_every_trigger_found_is_flagged_in_order() -> None:
    suggestion = suggest(
        policy(decline("adhd")),
        born=date(2015, 1, 1),
        urgency=Urgency.URGENT,
        nhs_valid=False,
        text="Overdose last week.",
        **ADHD,
    )
    assert suggestion.flags == (Flag.UNDER_18, Flag.URGENT, Flag.RED_FLAG, Flag.INVALID_NHS_NUMBER)
    assert suggestion.rule is None


def test_confirm_by_gp_keeps_the_suggestion_and_asks_a_gp_to_confirm() -> None:
    suggestion = suggest(policy(decline("adhd"), 'confirm_by_gp = ["adhd"]'), **ADHD)
    assert (suggestion.action, suggestion.flags) == (Action.DECLINE, (Flag.GP_CONFIRMATION,))
    assert suggestion.explanation.endswith("a GP must confirm it before the reply is sent.")
    # ... also when the policy's default decides rather than a rule.
    by_default = suggest(
        policy(review='confirm_by_gp = ["adhd"]', header='default_action = "decline"'), **ADHD
    )
    assert (by_default.action, by_default.flags) == (Action.DECLINE, (Flag.GP_CONFIRMATION,))


# --- rule conditions ---------------------------------------------------------------------------


def test_rules_are_tried_in_file_order_and_the_first_that_holds_wins() -> None:
    rules = decline("adhd", 'request_types = ["continuation"]', "continuing") + decline(
        "adhd", "", "any"
    )
    ordered = policy(rules)
    assert suggest(ordered, request_type=RequestType.CONTINUATION, **ADHD).rule == "continuing"
    assert suggest(ordered, request_type=RequestType.NEW, **ADHD).rule == "any"


def test_provider_types_condition() -> None:
    private_only = policy(decline("adhd", 'provider_types = ["private", "right_to_choose"]'))
    assert suggest(private_only, provider_type=ProviderType.PRIVATE, **ADHD).rule == "r"
    assert suggest(private_only, provider_type=ProviderType.RIGHT_TO_CHOOSE, **ADHD).rule == "r"
    assert suggest(private_only, provider_type=ProviderType.NHS, **ADHD).rule is None


def test_age_conditions() -> None:
    ranged = policy(decline("adhd", "min_age = 30\nmax_age = 40"))
    assert suggest(ranged, born=date(1995, 2, 2), **ADHD).rule is None  # 29
    assert suggest(ranged, born=date(1995, 2, 1), **ADHD).rule == "r"  # 30 today
    assert suggest(ranged, born=date(1984, 2, 2), **ADHD).rule == "r"  # 40
    assert suggest(ranged, born=date(1984, 2, 1), **ADHD).rule is None  # 41 today


def test_a_decision_date_before_the_birth_reads_plainly() -> None:
    suggestion = suggest(policy(decline("adhd")), born=date(2025, 3, 1), **ADHD)
    assert Flag.UNDER_18 in suggestion.flags
    assert "the patient was not yet born on 1 February 2025" in suggestion.explanation


def test_months_since_the_procedure() -> None:
    two_years = policy(
        '[[rules]]\nid = "early"\ncategory = "bariatric"\nwithin_months_of_procedure = 24\n'
        'action = "redirect"\nredirect_to = "Bariatric service"\nreasons = ["capacity"]\n'
        + decline("bariatric", "after_months_of_procedure = 24", "late")
    )
    assert suggest(two_years, procedure_date=date(2023, 2, 2), **BARIATRIC).rule == "early"
    assert suggest(two_years, procedure_date=date(2023, 2, 1), **BARIATRIC).rule == "late"
    redirected = suggest(two_years, procedure_date=date(2024, 3, 2), **BARIATRIC)
    assert (redirected.action, redirected.redirect_to) == (Action.REDIRECT, "Bariatric service")


def test_a_rule_that_needs_the_procedure_date_sends_a_request_without_one_to_a_gp() -> None:
    suggestion = suggest(
        policy(decline("bariatric", "within_months_of_procedure = 24")), **BARIATRIC
    )
    assert (suggestion.action, suggestion.rule, suggestion.flags) == (Action.GP_REVIEW, "r", ())
    assert "depends on the date of the procedure" in suggestion.explanation


def test_a_procedure_date_still_to_come_sends_the_request_to_a_gp() -> None:
    two_years = policy(decline("bariatric", "within_months_of_procedure = 24"))
    suggestion = suggest(two_years, procedure_date=date(2025, 3, 10), **BARIATRIC)
    assert (suggestion.action, suggestion.rule) == (Action.GP_REVIEW, "r")
    assert suggestion.explanation == (
        "A GP must review this: rule r depends on the date of the procedure, which the request "
        "gives as 10 March 2025, a date to come."
    )
    on_the_day = suggest(two_years, procedure_date=ON, **BARIATRIC)
    assert (on_the_day.action, on_the_day.rule) == (Action.DECLINE, "r")


# --- the letter's own words: dates and the kind of request (clinical-signals.md §4) ----------


def test_a_next_dose_in_the_letter_earlier_than_the_supply_date_wins_and_both_are_shown() -> None:
    suggestion = suggest(
        policy(decline("denosumab")),
        medications=("Prolia 60mg",),
        text="Date: 10 January 2025. Her next injection is due on 4th February 2025.",
        supply_ends=date(2025, 6, 1),
    )
    assert suggestion.flags == (Flag.SUPPLY_RISK,)
    assert "their supply runs out on 4 February 2025, in 3 days" in suggestion.explanation
    assert "next injection is due on 4th February 2025" in suggestion.explanation
    assert "the request gives 1 June 2025" in suggestion.explanation


def test_a_last_denosumab_dose_over_six_months_ago_goes_to_a_gp() -> None:
    suggestion = suggest(
        policy(decline("denosumab")),
        medications=("Prolia 60mg",),
        text="Her last Prolia injection was given on 2 July 2024.",
    )
    assert suggestion.action is Action.GP_REVIEW
    assert suggestion.flags == (Flag.SUPPLY_RISK,)
    assert "ran out on 2 January 2025" in suggestion.explanation
    assert "6 months after the last dose" in suggestion.explanation


def test_a_next_dose_in_the_letter_beyond_the_window_is_no_risk() -> None:
    suggestion = suggest(
        policy(decline("denosumab")),
        medications=("Prolia 60mg",),
        text="Her next injection is due on 4 August 2025.",
    )
    assert suggestion.action is Action.DECLINE


def test_the_operation_date_in_the_letter_decides_a_rule_that_needs_one() -> None:
    two_years = policy(decline("bariatric", "within_months_of_procedure = 24"))
    recent = suggest(two_years, text="She had her sleeve gastrectomy on 14th June 2024.")
    assert (recent.action, recent.rule) == (Action.DECLINE, "r")
    long_ago = suggest(two_years, text="He had his gastric bypass on 3 March 2019.")
    assert (long_ago.action, long_ago.rule) == (Action.GP_REVIEW, None)  # the policy's default


def test_an_operation_the_letter_dates_in_the_future_goes_to_a_gp_naming_the_letter() -> None:
    suggestion = suggest(
        policy(decline("bariatric", "within_months_of_procedure = 24")),
        text="Her sleeve gastrectomy is booked; operation on 14th March 2025.",
    )
    assert (suggestion.action, suggestion.rule) == (Action.GP_REVIEW, "r")
    assert "which the letter gives as 14 March 2025, a date to come" in suggestion.explanation


def test_a_letter_and_a_request_that_disagree_on_the_operation_date_go_to_a_gp() -> None:
    suggestion = suggest(
        policy(decline("bariatric", "within_months_of_procedure = 24")),
        text="She had her sleeve gastrectomy on 14th June 2024.",
        procedure_date=date(2021, 6, 14),
    )
    assert (suggestion.action, suggestion.rule) == (Action.GP_REVIEW, "r")
    assert "which the request gives as 14 June 2021 but the letter as 14 June 2024" in (
        suggestion.explanation
    )


def test_an_operation_month_that_straddles_the_rule_goes_to_a_gp() -> None:
    # February 2023 to 1 February 2025: 24 months from the 1st, 23 from any later day.
    suggestion = suggest(
        policy(decline("bariatric", "within_months_of_procedure = 24")),
        text="Sleeve gastrectomy: operation in February 2023.",
    )
    assert (suggestion.action, suggestion.rule) == (Action.GP_REVIEW, "r")
    assert "only as between 1 February 2023 and 28 February 2023" in suggestion.explanation


def test_a_blank_request_type_is_read_from_the_letter_and_said() -> None:
    new_only = policy(decline("adhd", 'request_types = ["new"]'))
    continuing = suggest(
        new_only, text="He has been on methylphenidate since 2019.", request_type=None, **ADHD
    )
    assert continuing.rule is None  # not new: the new-only rule does not apply
    new = suggest(new_only, text="A new diagnosis of ADHD.", request_type=None, **ADHD)
    assert (new.action, new.rule) == (Action.DECLINE, "r")
    assert "the request type is read from the letter's words ('new diagnosis'): new" in (
        new.explanation
    )
    blank = suggest(new_only, text="Please take over prescribing.", request_type=None, **ADHD)
    assert (blank.action, blank.rule) == (Action.DECLINE, "r")  # no words either way: new


def test_a_stated_request_type_is_not_overruled_by_the_letter() -> None:
    new_only = policy(decline("adhd", 'request_types = ["new"]'))
    stated = suggest(
        new_only,
        text="He has been on methylphenidate since 2019.",
        request_type=RequestType.NEW,
        **ADHD,
    )
    assert (stated.action, stated.rule) == (Action.DECLINE, "r")


def test_a_letter_whose_words_leave_the_request_type_unclear_goes_to_a_gp() -> None:
    suggestion = suggest(
        policy(decline("adhd", 'request_types = ["new"]')),
        text="A new diagnosis, though he has been on dexamfetamine before.",
        request_type=None,
        **ADHD,
    )
    assert (suggestion.action, suggestion.rule) == (Action.GP_REVIEW, "r")
    assert "which the letter's words leave unclear: it says 'new diagnosis' and 'has been on'" in (
        suggestion.explanation
    )


def test_no_rule_means_the_default_action_with_a_plain_explanation() -> None:
    suggestion = suggest(policy(decline("adhd")), medications=("warfarin",))
    assert (suggestion.action, suggestion.rule) == (Action.GP_REVIEW, None)
    assert suggestion.explanation == (
        "No rule in this policy covers INR/warfarin requests, so its default applies: "
        "a GP reviews it."
    )


def test_a_rule_explanation_quotes_its_note() -> None:
    noted = policy(decline("adhd", 'note = "New ADHD shared care is declined."'))
    assert suggest(noted, **ADHD).explanation == (
        "Decline under rule r: New ADHD shared care is declined."
    )


# --- capacity ---------------------------------------------------------------------------------


class Ledger:
    def __init__(self, accepted: int) -> None:
        self.count = accepted
        self.asked: list[tuple[str, str, date, date]] = []

    def accepted(self, policy_id: str, rule_id: str, start: date, end: date) -> int:
        self.asked.append((policy_id, rule_id, start, end))
        return self.count


def capped(per: str = "week", when_full: str = "") -> Policy:
    return policy(
        '[[rules]]\nid = "lithium-bloods"\ncategory = "lithium"\naction = "accept"\n'
        f'capacity = {{ limit = 3, per = "{per}" }}\n{when_full}\n'
        'redirect_to = "CMHT clinic"\nreasons = ["capacity"]\n'
        if "redirect" in when_full
        else '[[rules]]\nid = "lithium-bloods"\ncategory = "lithium"\naction = "accept"\n'
        f'capacity = {{ limit = 3, per = "{per}" }}\n{when_full}\nreasons = ["capacity"]\n'
    )


LITHIUM: dict[str, Any] = {"medications": ("Priadel 400mg",)}


def test_under_capacity_a_request_is_accepted_and_the_count_is_shown() -> None:
    ledger = Ledger(2)
    suggestion = suggest(capped(), ledger=ledger, **LITHIUM)
    assert (suggestion.action, suggestion.flags) == (Action.ACCEPT, ())
    assert "(2 of 3 a week accepted so far)" in suggestion.explanation
    assert ledger.asked == [("p", "lithium-bloods", date(2025, 1, 26), ON)]


@pytest.mark.parametrize(
    ("when_full", "action", "redirect_to"),
    [
        ("", Action.GP_REVIEW, None),
        ('when_full = "decline"', Action.DECLINE, None),
        ('when_full = "redirect"', Action.REDIRECT, "CMHT clinic"),
    ],
)
def test_at_capacity_the_when_full_action_applies(
    when_full: str, action: Action, redirect_to: str | None
) -> None:
    suggestion = suggest(capped(when_full=when_full), ledger=Ledger(3), **LITHIUM)
    assert (suggestion.action, suggestion.flags, suggestion.redirect_to) == (
        action, (Flag.CAPACITY_REACHED,), redirect_to
    )  # fmt: skip
    assert "accepts up to 3 a week and 3 have been accepted since 26 January 2025" in (
        suggestion.explanation
    )
    if action is not Action.GP_REVIEW:
        assert Reason.CAPACITY in suggestion.reasons


@pytest.mark.parametrize(
    ("on", "per", "start"),
    [
        (date(2025, 2, 1), "day", date(2025, 2, 1)),
        (date(2025, 2, 1), "week", date(2025, 1, 26)),
        (date(2025, 2, 15), "month", date(2025, 1, 16)),
        (date(2025, 3, 31), "month", date(2025, 3, 1)),
        (date(2025, 1, 10), "month", date(2024, 12, 11)),
    ],
)
def test_capacity_windows_end_on_the_decision_date(on: date, per: str, start: date) -> None:
    assert window_start(on, per) == start  # type: ignore[arg-type]


def test_a_simulation_counts_its_own_acceptances_in_file_order() -> None:
    requests = [make_request(ref=f"L{n}", **LITHIUM) for n in range(5)]
    results = list(simulate(capped(when_full='when_full = "decline"'), requests, ON))
    assert [item.suggested.action for item in results] == [Action.ACCEPT] * 3 + [Action.DECLINE] * 2
    assert results[3].suggested.flags == (Flag.CAPACITY_REACHED,)


# --- the Weymouth and Portland letter ----------------------------------------------------------


def test_the_weymouth_policy_hands_back_bariatric_monitoring_only_in_the_first_two_years() -> None:
    weymouth = load_shipped_policy("weymouth-portland-pcn")
    assert weymouth is not None
    early = suggest(weymouth.policy, procedure_date=date(2024, 3, 2), **BARIATRIC)
    later = suggest(weymouth.policy, procedure_date=date(2022, 3, 2), **BARIATRIC)
    assert (early.action, early.redirect_to) == (Action.REDIRECT, "Specialist bariatric service")
    assert (later.action, later.rule) == (Action.GP_REVIEW, None)


# --- safety first: a property over generated requests ------------------------------------------

RED_FLAG_WORDS = ["syncope", "hypercalcaemia", "INR 8.2", "heart rate 32", "safeguarding", "2WW"]
ASKS = [
    ("methylphenidate 18mg",), ("Testogel 50mg",), ("methotrexate 15mg weekly",), ("Prolia 60mg",),
    ("warfarin",), ("olanzapine 10mg",), ("Priadel 400mg",), ("insulin glargine",), (),
]  # fmt: skip
TEXTS = ["MGUS, low risk.", "Anorexia nervosa.", "PSA every six months.", "Gastric bypass.", ""]

# The most aggressive policy a practice could declare: a decision for every category, and decline
# whatever no rule covers.
DECIDE_EVERYTHING = policy(
    "".join(
        f'[[rules]]\nid = "{category.value}"\ncategory = "{category.value}"\n'
        f'action = "{action}"\nreasons = ["capacity"]\n'
        + ('redirect_to = "Elsewhere"\n' if action == "redirect" else "")
        for category, action in zip(Category, ["decline", "redirect", "accept"] * 4, strict=False)
    ),
    header='default_action = "decline"',
)


@st.composite
def requests(draw: st.DrawFn) -> IncomingRequest:
    red_flag = draw(st.none() | st.sampled_from(RED_FLAG_WORDS))
    text = draw(st.sampled_from(TEXTS)) + (f" Note: {red_flag}." if red_flag else "")
    return make_request(
        born=draw(st.none() | st.dates(date(1920, 1, 1), date(2025, 1, 31))),
        nhs_valid=draw(st.booleans()),
        urgency=draw(st.sampled_from(Urgency)),
        request_type=draw(st.sampled_from(RequestType)),
        provider_type=draw(st.sampled_from(ProviderType)),
        medications=draw(st.sampled_from(ASKS)),
        text=text,
        supply_ends=draw(st.none() | st.dates(date(2024, 6, 1), date(2025, 12, 31))),
    )


@given(
    request=requests(),
    policy_name=st.sampled_from(["weymouth-portland-pcn", "dorset-gp-alliance", "aggressive"]),
)
def test_no_request_with_a_safety_signal_is_ever_decided_without_a_gp(
    request: IncomingRequest, policy_name: str
) -> None:
    shipped = load_shipped_policy(policy_name)
    the_policy = shipped.policy if shipped else DECIDE_EVERYTHING
    findings = read(request)
    suggestion = evaluate(the_policy, request, findings, ON)
    born = request.patient.date_of_birth
    expected = set()
    if born is None or (ON.year - born.year - ((ON.month, ON.day) < (born.month, born.day))) < 18:
        expected.add(Flag.UNDER_18)
    if request.supply_ends is not None and (request.supply_ends - ON).days <= 28:
        expected.add(Flag.SUPPLY_RISK)
    if request.urgency is Urgency.URGENT:
        expected.add(Flag.URGENT)
    if any(word.lower() in (request.text or "").lower() for word in RED_FLAG_WORDS):
        expected.add(Flag.RED_FLAG)
    if not request.patient.nhs_number_valid:
        expected.add(Flag.INVALID_NHS_NUMBER)
    assert expected <= set(suggestion.flags)
    if expected:
        assert suggestion.action is Action.GP_REVIEW, suggestion.explanation
