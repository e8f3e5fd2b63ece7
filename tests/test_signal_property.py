"""The safety property over generated letters: a letter carrying any signal of
docs/clinical-signals.md, in any of the ways clinicians write it, is never declined, redirected or
accepted, whatever the policy says; and the signal's words are shown.

Each example takes a rule of triage/classify/data/results.toml (or a category's red-flag words),
writes a value that crosses it under one of the result's names, in one of its units, with the
linking words, dates and sentences around it that real letters have, and reads the letter under
a policy that decides every category.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from importlib import resources

from hypothesis import given
from hypothesis import strategies as st

from policies import evaluate, load_policy_text
from tests.factories import make_request
from triage.classify import read
from triage.classify.measures import Measure, MeasureRule, measures
from triage.classify.text import tokens
from triage.models import Action, Category, Flag, IncomingRequest

ON = date(2025, 6, 2)
BORN = date(1960, 4, 9)  # 65 on the day: PSA by age uses 3.0

DECIDE_EVERYTHING = load_policy_text(
    '[policy]\nid = "all"\ntitle = "Decide everything"\nversion = "1"\n'
    'effective_from = 2020-01-01\nsource = "A test"\ndefault_action = "decline"\n'
    + "".join(
        f'[[rules]]\nid = "{category.value}"\ncategory = "{category.value}"\n'
        f'action = "{action}"\nreasons = ["capacity"]\n'
        + ('redirect_to = "Elsewhere"\n' if action == "redirect" else "")
        for category, action in zip(Category, ["decline", "redirect", "accept"] * 4, strict=False)
    ),
    "all.toml",
).policy

# What makes a letter read as each category, without naming a result.
ASKS = {
    Category.ADHD: "Concerta XL 36mg each morning",
    Category.GENDER_DYSPHORIA: "Testogel 50mg daily from the gender identity clinic",
    Category.MGUS: "IgG kappa MGUS under annual monitoring",
    Category.BARIATRIC: "Sleeve gastrectomy; annual nutritional bloods please",
    Category.EATING_DISORDER: "Anorexia nervosa; weekly weights please",
    Category.DMARD: "Sulfasalazine 1g twice daily for rheumatoid arthritis",
    Category.DENOSUMAB: "Prolia 60mg six-monthly for osteoporosis",
    Category.PSA: "PSA surveillance for prostate cancer",
    Category.INR: "Warfarin for atrial fibrillation",
    Category.MENTAL_HEALTH_MONITORING: "Olanzapine 10mg at night for schizophrenia",
    Category.LITHIUM: "Priadel 400mg at night for bipolar disorder",
}
LINKS = ["", ":", " was", " of", " today is", " on 3/1/25 was", " measured at", " (latest)", " ="]
OPENINGS = [
    "Dear Dr Okafor,\nRe: Mr Alan Test, DOB 09/04/1960, Hosp no: K123456\n",
    "Kingsmead General Hospital\nDate: 28 May 2025\n\nThank you for seeing this patient.\n",
    "",
]
CLOSINGS = [
    "\nHe is otherwise well and I will see him in clinic.\nYours sincerely,\nDr P Raman",
    "\nTel 01632 960144",
    "",
]


def crossing(rule: MeasureRule, measure: Measure) -> float | None:
    """A value in the reference unit that crosses the rule's threshold, or None."""
    if rule.below is not None:
        return rule.below * 0.8 if rule.below > 0 else None
    if rule.above is not None:
        return rule.above * 1.25 + 0.1
    if rule.at_least is not None:
        return rule.at_least * 1.25 + 0.1
    if rule.by_age:
        return max(value for _, value in rule.by_age) * 1.5
    return None


def usable(rule: MeasureRule) -> bool:
    measure = measures().by_key[rule.measure]
    return (
        not rule.unless
        and not rule.part
        and "female" not in rule.sexes
        and measure.key != "blood_pressure"
        and crossing(rule, measure) is not None
    )


CATEGORIES_DATA = tomllib.loads(
    (resources.files("triage.classify") / "data" / "categories.toml").read_text("utf-8")
)
FLAG_WORDS = {
    category: sorted(
        phrase
        for written in CATEGORIES_DATA[category.value].get("red_flags", {}).values()
        for phrase in written
    )
    for category in Category
}
RULES = [rule for rules in measures().rules.values() for rule in rules if usable(rule)]


@st.composite
def written_results(draw: st.DrawFn) -> tuple[Category, str, str]:
    """A category, the words of a result crossing one of its rules, and the name written."""
    rule = draw(st.sampled_from(RULES))
    measure = measures().by_key[rule.measure]
    value = crossing(rule, measure)
    assert value is not None
    units = [unit for unit in measure.units if unit.plausible(value / unit.factor - unit.offset)]
    unit = draw(st.sampled_from(units))
    number = value / unit.factor - unit.offset
    written_unit = draw(st.sampled_from(["", *unit.written[:2]])) if unit.written else ""
    if not written_unit and unit is not measure.units[0]:
        written_unit = unit.written[0]  # a value in another unit, unmarked, is read as either
    name = draw(st.sampled_from(measure.names))
    name = draw(st.sampled_from([name, name.upper(), name.capitalize()]))
    link = draw(st.sampled_from(LINKS))
    space = draw(st.sampled_from([" ", "", " "])) if written_unit else ""
    words = f"{name}{link} {number:.4g}{space}{written_unit}"
    context = " ".join(" ".join(phrase) for phrase in rule.when[:1])
    category = rule.category or draw(st.sampled_from(list(ASKS)))
    return category, f"{words}. {context.capitalize()}" if context else words, name


@st.composite
def signal_words(draw: st.DrawFn) -> tuple[Category, str, str]:
    """A category and one of its red-flag words, in a sentence."""
    category = draw(st.sampled_from([category for category in ASKS if FLAG_WORDS[category]]))
    phrase = draw(st.sampled_from(FLAG_WORDS[category]))
    sentence = draw(st.sampled_from(["She reports {}.", "New {} noted today.", "Note: {}."]))
    return category, sentence.format(phrase), phrase


def letter(category: Category, signal: str, opening: str, closing: str) -> IncomingRequest:
    return make_request(
        received=datetime(2025, 5, 30, 9, tzinfo=UTC),
        born=BORN,
        text=f"{opening}{ASKS[category]}.\n{signal}\n{closing}",
    )


@given(
    signal=written_results() | signal_words(),
    opening=st.sampled_from(OPENINGS),
    closing=st.sampled_from(CLOSINGS),
)
def test_no_letter_with_a_signal_is_decided_without_a_gp(
    signal: tuple[Category, str, str], opening: str, closing: str
) -> None:
    category, words, name = signal
    request = letter(category, words, opening, closing)
    findings = read(request)
    suggestion = evaluate(DECIDE_EVERYTHING, request, findings, ON)
    assert suggestion.action is Action.GP_REVIEW, (request.text, suggestion.explanation)
    assert Flag.RED_FLAG in suggestion.flags, (request.text, suggestion.explanation)
    shown = [flag.found.lower() for flag in findings.red_flags]
    assert any(
        name.lower().lstrip("% ") in found or tokens(name) == tokens(found) for found in shown
    ), (request.text, shown)
