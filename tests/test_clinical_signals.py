"""Every row of docs/clinical-signals.md, on letters written the way clinics write them.

tests/data/signal_letters.toml holds the letters: letterheads, dates in words, results in
sentences, "Name: value" lists and tables, doses and telephone numbers beside results. Each row
has a letter whose signal must reach a GP with the words it came from, and a near miss (a dose, a
normal value, a date) that must not fire. The policy used declines every category, so nothing
but the signal can send a letter to a GP.
"""

from __future__ import annotations

import calendar
import importlib.util
import json
import tomllib
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from policies import Policy, evaluate, load_policy_text
from tests.conftest import Run
from tests.factories import make_request
from triage.classify import read
from triage.models import Action, Category, Flag, IncomingRequest, RequestType

LETTERS: list[dict[str, Any]] = tomllib.loads(
    (Path(__file__).parent / "data" / "signal_letters.toml").read_text(encoding="utf-8")
)["letter"]
TIMING = ("expect_next_due", "expect_last_dose")
# Near misses whose letters cannot avoid a listed red-flag word: only `found` is checked there.
UNAVOIDABLE_WORDS = {"clozapine", "pregnancy"}


def decline_everything() -> Policy:
    rules = "".join(
        f'[[rules]]\nid = "{category.value}"\ncategory = "{category.value}"\n'
        'action = "decline"\nreasons = ["capacity"]\n'
        for category in Category
    )
    header = (
        '[policy]\nid = "all"\ntitle = "Decline every category"\nversion = "1"\n'
        'effective_from = 2020-01-01\nsource = "A test"\n'
    )
    return load_policy_text(header + rules, "all.toml").policy


POLICY = decline_everything()


def request_of(letter: dict[str, Any]) -> IncomingRequest:
    return make_request(
        ref=letter["id"],
        received=datetime.combine(letter["received"], time(9), UTC),
        born=letter["date_of_birth"],
        organisation=letter["organisation"],
        sender=letter["organisation"],
        requester=letter["requester"],
        medications=tuple(letter.get("medications", ())),
        diagnosis=letter.get("diagnosis") or None,
        text=letter["text"],
        request_type=None,  # §4: the letter's words say what kind of request it is
    )


def letters(*, expect: str, timing: bool = False) -> list[Any]:
    """The letters of one expectation; indication letters are checked by their category."""
    chosen = [
        letter
        for letter in LETTERS
        if letter["expect"] == expect
        and any(key in letter for key in TIMING) == timing
        and (timing or "expect_category" not in letter)
    ]
    return [pytest.param(letter, id=letter["id"]) for letter in chosen]


def evidence(request: IncomingRequest) -> list[str]:
    return [f"{flag.found} ({flag.why})" for flag in read(request).red_flags]


@pytest.mark.parametrize("letter", letters(expect="flag"))
def test_a_signal_in_a_letter_reaches_a_gp_with_its_words_and_threshold(
    letter: dict[str, Any],
) -> None:
    request = request_of(letter)
    findings = read(request)
    flags = [flag for flag in findings.red_flags if letter["found"].lower() in flag.found.lower()]
    assert flags, evidence(request)
    assert all(flag.why for flag in flags)
    suggestion = evaluate(POLICY, request, findings, letter["received"])
    assert suggestion.action is Action.GP_REVIEW
    assert Flag.RED_FLAG in suggestion.flags
    assert repr(findings.red_flags[0].found) in suggestion.explanation


@pytest.mark.parametrize("letter", letters(expect="flag", timing=True))
def test_a_dose_or_test_due_in_the_supply_window_reaches_a_gp(letter: dict[str, Any]) -> None:
    request = request_of(letter)
    findings = read(request)
    suggestion = evaluate(POLICY, request, findings, letter["received"])
    assert suggestion.action is Action.GP_REVIEW, suggestion.explanation
    assert {Flag.RED_FLAG, Flag.SUPPLY_RISK} & set(suggestion.flags), suggestion.explanation


@pytest.mark.parametrize("letter", letters(expect="none") + letters(expect="none", timing=True))
def test_a_near_miss_is_not_a_signal(letter: dict[str, Any]) -> None:
    request = request_of(letter)
    findings = read(request)
    near_miss = letter["found"].lower()
    assert not [flag for flag in findings.red_flags if near_miss in flag.found.lower()]
    if letter["row"].split("-")[0] in {"mgus", "bariatric", "dmard", "psa", "inr", "lithium"}:
        words = {flag.found.lower() for flag in findings.red_flags}
        assert words <= UNAVOIDABLE_WORDS, evidence(request)


def dated(key: str) -> list[Any]:
    """The letters with an expectation under `key`."""
    return [pytest.param(letter, id=letter["id"]) for letter in LETTERS if key in letter]


@pytest.mark.parametrize("letter", dated("expect_category"))
def test_an_indication_decides_the_category(letter: dict[str, Any]) -> None:
    request = request_of(letter)
    findings = read(request)
    classification = findings.classification
    expected = letter["expect_category"]
    if expected == "none":
        excluded = Category(letter["not_category"])
        assert excluded not in classification.categories, classification.evidence
        suggestion = evaluate(POLICY, request, findings, letter["received"])
        assert suggestion.action is Action.GP_REVIEW  # other work, or unclear: a person decides
    else:
        assert classification.category is Category(expected), classification.evidence


@pytest.mark.parametrize("letter", dated("expect_next_due"))
def test_the_next_dose_or_test_is_read_from_the_letter(letter: dict[str, Any]) -> None:
    next_due = read(request_of(letter)).written.next_due
    assert next_due is not None
    assert next_due.earliest == letter["expect_next_due"], next_due


@pytest.mark.parametrize("letter", dated("expect_last_dose"))
def test_the_last_dose_is_read_from_the_letter(letter: dict[str, Any]) -> None:
    last_dose = read(request_of(letter)).written.last_dose
    assert last_dose is not None
    assert last_dose.latest == letter["expect_last_dose"], last_dose


@pytest.mark.parametrize("letter", dated("expect_procedure"))
def test_the_operation_date_is_read_from_the_letter(letter: dict[str, Any]) -> None:
    procedure = read(request_of(letter)).written.procedure
    assert procedure is not None
    expected = letter["expect_procedure"]
    if isinstance(expected, date):
        assert (procedure.earliest, procedure.latest) == (expected, expected)
    else:  # "March 2023", or "18 months ago": within the month
        year, month = map(int, expected.split("-"))
        last = calendar.monthrange(year, month)[1]
        assert date(year, month, 1) <= procedure.earliest <= procedure.latest
        assert procedure.latest <= date(year, month, last)


@pytest.mark.parametrize("letter", dated("expect_request_type"))
def test_a_blank_request_type_is_read_from_the_letters_words(letter: dict[str, Any]) -> None:
    written = read(request_of(letter)).written.request_type
    expected = RequestType(letter["expect_request_type"])
    if expected is RequestType.NEW:  # no words either way, or words saying it is new
        assert written is None or written.request_type is RequestType.NEW, written
    else:
        assert written is not None
        assert written.request_type is expected, written


def test_the_documented_thresholds_are_exactly_the_ones_applied() -> None:
    root = Path(__file__).parent.parent
    spec = importlib.util.spec_from_file_location("signals_table", root / "tools/signals_table.py")
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    document = (root / "docs" / "clinical-signals.md").read_text(encoding="utf-8")
    assert tool.table() in document, "run tools/signals_table.py and paste its table"


def test_simulating_the_letters_sends_each_signal_to_a_gp_with_its_evidence(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    """`triage policy simulate` over every signal letter, as a practice would try it."""
    flagged = [
        letter
        for letter in LETTERS
        if letter["expect"] == "flag"
        and "expect_category" not in letter
        and not any(key in letter for key in TIMING)
    ]
    path = tmp_path / "letters.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(
                {
                    "ref": letter["id"],
                    "received": letter["received"].isoformat(),
                    "nhs_number": "943 476 5919",
                    "patient_name": "Test Patient",
                    "date_of_birth": letter["date_of_birth"].isoformat(),
                    "requester": letter["requester"],
                    "organisation": letter["organisation"],
                    "medications": letter.get("medications", []),
                    "diagnosis": letter.get("diagnosis") or None,
                    "text": letter["text"],
                }
            )
            for letter in flagged
        ),
        encoding="utf-8",
    )
    result = run(
        "--db", db_path, "policy", "simulate", "--policy", "weymouth-portland-pcn",
        "--on", "2025-08-01", path, "--format", "json",
    )  # fmt: skip
    assert result.status == 0, result.err
    simulated = {line["ref"]: line for line in map(json.loads, result.out.splitlines())}
    assert len(simulated) == len(flagged)
    for letter in flagged:
        line = simulated[letter["id"]]
        assert line["action"] == "gp_review", line
        assert "red_flag" in line["flags"], line
        assert any(letter["found"].lower() in shown.lower() for shown in line["red_flags"]), line
