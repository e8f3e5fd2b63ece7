"""The classifier: categories, evidence, indication-awareness, codes alone, mixed requests and
a sender's stated category; the red-flag scanner: words and results outside safe ranges."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies import evaluate, load_shipped_policy
from tests.factories import make_request
from triage.classify import read
from triage.classify.text import PhraseIndex, tokens, words
from triage.classify.vocabulary import vocabulary
from triage.demo import write_demo_file
from triage.demo.scenarios import SCENARIOS
from triage.intake import read_requests_file
from triage.models import Category, EvidenceKind, Flag

DEMO_DAY = date(2025, 3, 1)


def category_of(**fields: object) -> Category | None:
    return read(make_request(**fields)).classification.category


# --- every demo letter, as a clerk and a GP would read it ----------------------------------------


@pytest.fixture(scope="module")
def demo_requests(tmp_path_factory: pytest.TempPathFactory) -> list[object]:
    path = tmp_path_factory.mktemp("demo") / "demo.jsonl"
    write_demo_file(path, len(SCENARIOS), today=DEMO_DAY)
    return [item.request for item in read_requests_file(path, today=DEMO_DAY).accepted]


@pytest.mark.parametrize("index", range(len(SCENARIOS)))
def test_each_demo_letter_reads_as_its_category_and_reaches_a_gp_for_its_edge_cases(
    demo_requests: list[object], index: int
) -> None:
    scenario, request = SCENARIOS[index], demo_requests[index]
    findings = read(request)  # type: ignore[arg-type]
    classification = findings.classification
    if scenario.expected == "mixed":
        assert classification.category is None
        assert len(classification.categories) >= 2
    elif scenario.expected == "unclassified":
        assert classification.category is None
        assert classification.unclassified
    else:
        assert classification.category == Category(scenario.expected)
    policy = load_shipped_policy("weymouth-portland-pcn")
    assert policy is not None
    suggestion = evaluate(policy.policy, request, findings, DEMO_DAY)  # type: ignore[arg-type]
    safety = set(suggestion.flags) - {Flag.GP_CONFIRMATION}
    assert safety == {Flag(edge) for edge in scenario.edge_cases}, suggestion.explanation


# --- indication-aware medicines -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("medication", "diagnosis", "expected"),
    [
        ("Oestrogel 0.06%", "Gender dysphoria", Category.GENDER_DYSPHORIA),
        ("estradiol 2mg", "Menopausal symptoms", None),
        ("Testogel 50mg", "Gender incongruence", Category.GENDER_DYSPHORIA),
        ("Testogel 40.5mg", "Male hypogonadism", None),
        ("triptorelin 11.25mg", "Gender incongruence", Category.GENDER_DYSPHORIA),
        ("Decapeptyl SR 11.25mg", "Prostate cancer", None),
        ("goserelin 3.6mg", "Breast cancer", None),
        ("Zoladex 10.8mg", "", None),
    ],
)
def test_hormones_and_gnrh_analogues_count_as_gender_dysphoria_only_with_gender_context(
    medication: str, diagnosis: str, expected: Category | None
) -> None:
    assert category_of(medications=(medication,), diagnosis=diagnosis or None) is expected


def test_the_evidence_says_why_a_hormone_did_not_count() -> None:
    classification = read(
        make_request(medications=("Evorel 50",), diagnosis="Menopause; please continue HRT")
    ).classification
    notes = [item.describe() for item in classification.evidence]
    assert "medications: evorel (menopause HRT: 'menopause' in the request) -> other work" in notes
    assert "diagnosis: menopause (menopause HRT) -> other work" in notes
    assert classification.unclassified


def test_a_gender_clinic_sender_is_context_enough_for_a_hormone() -> None:
    assert (
        category_of(medications=("estradiol gel",), organisation="NHS Gender Identity Clinic")
        is Category.GENDER_DYSPHORIA
    )


def test_gnrh_for_prostate_cancer_with_psa_monitoring_is_psa_plus_other_work() -> None:
    classification = read(
        make_request(
            medications=("goserelin 10.8mg",),
            diagnosis="Prostate cancer",
            text="Please give the Zoladex injections and check PSA six-monthly.",
        )
    ).classification
    assert classification.category is Category.PSA
    assert classification.mixed
    assert "hormone treatment for prostate cancer" in classification.mixed_because


# --- codes alone ----------------------------------------------------------------------------


def _one_code(concept: str, system: str) -> str:
    path = Path(__file__).parents[1] / "triage" / "classify" / "data" / "codes.csv"
    with path.open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if (row["concept"], row["system"], row["kind"]) == (concept, system, "identifies"):
                return row["code"]
    raise AssertionError(f"no {system} code for {concept}")


@pytest.mark.parametrize(
    ("category", "system"),
    [
        (Category.ADHD, "snomed"),
        (Category.ADHD, "dmd"),
        (Category.GENDER_DYSPHORIA, "snomed"),
        (Category.MGUS, "snomed"),
        (Category.BARIATRIC, "snomed"),
        (Category.EATING_DISORDER, "snomed"),
        (Category.DMARD, "dmd"),
        (Category.DENOSUMAB, "dmd"),
        (Category.PSA, "snomed"),
        (Category.INR, "dmd"),
        (Category.INR, "snomed"),
        (Category.MENTAL_HEALTH_MONITORING, "dmd"),
        (Category.LITHIUM, "dmd"),
        (Category.LITHIUM, "snomed"),
    ],
)
def test_a_request_of_codes_alone_is_classified(category: Category, system: str) -> None:
    code = _one_code(category.value, system)
    classification = read(make_request(codes=(code,), organisation="Outpatients")).classification
    assert classification.category is category
    [evidence] = classification.evidence
    assert evidence.kind is EvidenceKind.CODE
    assert evidence.found == code
    assert ("SNOMED CT" if system == "snomed" else "dm+d") in evidence.note


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("406506008", Category.ADHD),  # SNOMED CT: attention deficit hyperactivity disorder
        ("42013411000001102", Category.ADHD),  # dm+d VMP: lisdexamfetamine 30mg capsules
        ("277577000", Category.MGUS),
        ("888921000000106", Category.EATING_DISORDER),  # ARFID
        ("326874007", Category.DMARD),  # methotrexate 2.5mg tablets
        ("17301811000001101", Category.DENOSUMAB),  # Prolia
        ("319735007", Category.INR),  # warfarin 5mg tablets
        ("321614001", Category.MENTAL_HEALTH_MONITORING),  # olanzapine 10mg tablets
        ("13177001000001108", Category.LITHIUM),  # lithium carbonate 400mg MR tablets
    ],
)
def test_the_codes_named_in_the_domain_research_classify(code: str, expected: Category) -> None:
    assert category_of(codes=(code,)) is expected


def test_a_diagnosis_code_shared_by_categories_only_supports_them() -> None:
    # Bipolar disorder (an SMI code) must not make a lithium request look like antipsychotics.
    assert category_of(codes=("13746004",)) is None
    assert category_of(codes=("13746004",), medications=("Priadel 400mg",)) is Category.LITHIUM


def test_codes_saying_the_patient_is_not_on_warfarin_are_not_in_the_vocabulary() -> None:
    assert "87051000000102" not in vocabulary().codes  # warfarin not tolerated


# --- mixed, unclassified and the sender's own category ---------------------------------------------


def test_two_categories_are_mixed_with_both_named() -> None:
    classification = read(
        make_request(medications=("methylphenidate 20mg", "methotrexate 10mg weekly"))
    ).classification
    assert classification.category is None
    assert set(classification.categories) == {Category.ADHD, Category.DMARD}
    assert classification.mixed
    assert classification.mixed_because == "it reads as both ADHD and DMARD" or (
        classification.mixed_because == "it reads as both DMARD and ADHD"
    )


def test_a_sender_category_the_evidence_contradicts_is_flagged_not_trusted() -> None:
    classification = read(
        make_request(medications=("Camcolit 400mg",), category=Category.DMARD)
    ).classification
    assert classification.category is Category.LITHIUM
    assert classification.mixed
    assert classification.mixed_because == "the sender says DMARD but it reads as lithium"


def test_a_sender_category_with_nothing_to_support_it_leaves_the_request_unclassified() -> None:
    classification = read(
        make_request(text="Please see the attached.", category=Category.ADHD)
    ).classification
    assert classification.category is None
    assert classification.unclassified
    [declared] = classification.evidence
    assert declared.kind is EvidenceKind.DECLARED
    assert declared.note == "nothing else in the request supports it"


def test_a_sender_category_that_agrees_raises_confidence() -> None:
    plain = read(make_request(text="Please take over ADHD prescribing.")).classification
    agreed = read(
        make_request(text="Please take over ADHD prescribing.", category=Category.ADHD)
    ).classification
    assert plain.category is agreed.category is Category.ADHD
    assert agreed.confidence > plain.confidence


def test_context_words_alone_do_not_classify_but_are_shown_as_hints() -> None:
    classification = read(
        make_request(organisation="Haematology", text="Please do bloods.")
    ).classification
    assert classification.category is None
    assert [item.describe() for item in classification.evidence] == [
        "organisation: haematology -> mgus"
    ]


def test_words_in_the_letter_count_for_more_than_words_in_the_sender_name() -> None:
    by_name = read(make_request(organisation="Adult ADHD Service")).classification
    by_letter = read(make_request(text="Adult ADHD; please prescribe.")).classification
    assert by_name.category is by_letter.category is Category.ADHD
    assert by_name.confidence < by_letter.confidence


def test_matching_is_whole_words_ignoring_case_punctuation_and_plurals() -> None:
    assert tokens("Paraproteins, IgG-MGUS!") == ("paraprotein", "igg", "mgus")
    assert category_of(text="Rising PARAPROTEINS.") is Category.MGUS
    assert category_of(text="A transfer of care.") is None  # "transfer" is not "trans"


@given(st.text(alphabet=st.sampled_from("aZ09 ,.;:/()-'\"\n\té\u0130µ")))
def test_a_letters_words_are_its_runs_of_letters_and_digits_in_lower_case(text: str) -> None:
    # ASCII text takes a faster path than the rest; both must split a letter the same way.
    assert words(text) == re.findall(r"[a-z0-9]+", text.lower())
    assert words("Concerta XL 36mg; BP 122/78.") == ["concerta", "xl", "36mg", "bp", "122", "78"]


def test_the_phrase_index_prefers_the_longest_phrase_within_a_layer() -> None:
    index = PhraseIndex()
    layer = index.add_layer([("adhd", 1), ("adult adhd service", 2)])
    found = index.find([("text", words("the adult ADHD service, and ADHD again"))])
    assert [match.payloads for _, match in found.of(layer)] == [(2,), (1,)]


def test_a_phrase_never_spans_two_fields() -> None:
    index = PhraseIndex()
    layer = index.add_layer([("same day", "urgent")])
    found = index.find([("diagnosis", words("seen the same")), ("text", words("day one"))])
    assert not found.of(layer)
    found = index.find([("diagnosis", words("none")), ("text", words("seen the same day"))])
    assert [(field, match.phrase) for field, match in found.of(layer)] == [("text", "same day")]


def test_layers_of_the_phrase_index_do_not_hide_each_other() -> None:
    index = PhraseIndex()
    medicines = index.add_layer([("lithium", "medicine")])
    red_flags = index.add_layer([("lithium toxicity", "red flag")])
    found = index.find([("text", words("Signs of Lithium toxicity."))])
    assert [match.phrase for _, match in found.of(medicines)] == ["lithium"]
    assert [match.phrase for _, match in found.of(red_flags)] == ["lithium toxicity"]
    assert not index.find([("text", words("no match here"))])


# --- red flags --------------------------------------------------------------------------------


def red_flags(**fields: object) -> list[tuple[str, str]]:
    return [(flag.found, flag.why) for flag in read(make_request(**fields)).red_flags]


@pytest.mark.parametrize(
    ("text", "found", "why"),
    [
        ("INR 6.2 today.", "INR 6.2", "INR 6.2 > 5 (INR/warfarin: BNF"),
        ("heart rate 38 at rest", "heart rate 38", "heart rate 38 < 40 bpm"),
        ("HR: 35bpm", "HR: 35bpm", "heart rate 35 bpm < 40 bpm"),
        ("BMI 12.4", "BMI 12.4", "BMI 12.4 < 13 kg/m2"),
        ("potassium 2.8 mmol/L", "potassium 2.8 mmol/L", "potassium 2.8 mmol/L < 3 mmol/L"),
        ("QTc 500 ms", "QTc 500 ms", "QTc 500 ms >= 500 ms"),
        (
            "Serum lithium 1.6 mmol/L",
            "Serum lithium 1.6 mmol/L",
            "lithium level 1.6 mmol/L > 1 mmol/L",
        ),
        ("Neutrophils 0.8", "Neutrophils 0.8", "neutrophils 0.8 (no unit, read as x10^9/L) < 1"),
        ("Last INR was 8.2.", "INR was 8.2", "INR 8.2 > 5"),  # at the end of a sentence
        ("adjusted calcium 3.1", "adjusted calcium 3.1", "adjusted calcium 3.1 (no unit, read"),
    ],
)
def test_results_outside_their_safe_range_are_red_flags(text: str, found: str, why: str) -> None:
    [(flag_found, flag_why)] = red_flags(text=text)
    assert flag_found == found
    assert flag_why.startswith(why)


def test_results_are_listed_once_each_in_the_order_written() -> None:
    text = "Serum lithium 1.6 today; pulse 36; INR 7.1 and again INR 7.1; pulse 36 inr 5.5"
    assert [found for found, _ in red_flags(text=text)] == [
        "Serum lithium 1.6",
        "pulse 36",
        "INR 7.1",
        "inr 5.5",
    ]


def test_a_result_after_a_letter_that_lower_cases_longer_is_still_read_whole() -> None:
    # "İ" becomes two characters in lower case, so places in the lower-cased text shift.
    [(found, why)] = red_flags(text="Seen by Dr İnce. INR 6.2 today.")
    assert found == "inr 6.2"
    assert why.startswith("INR 6.2 > 5")


@pytest.mark.parametrize(
    "text",
    [
        "INR 5.0, target INR 2.5",  # at the limit, not above it
        "heart rate 40",
        "BMI 13",
        "potassium 3.0",
        "QTc 499 ms",
        "lithium level 1.0",
        "neutrophils 1.0",
        "adjusted calcium 2.9",
        "lithium carbonate 400mg",  # a dose, not a level
        "lithium 400 mg nightly",
        "lithium levels 3-monthly please",  # a frequency
        "CA 125 was 35",  # a tumour marker, not calcium
        "BP 122/78, pulse 74",
    ],
)
def test_safe_results_doses_and_frequencies_are_not_red_flags(text: str) -> None:
    assert red_flags(text=text) == []


@pytest.mark.parametrize(
    "word",
    ["hypercalcaemia", "bradycardia", "neutropenia", "toxic", "syncope", "2WW", "same day",
     "admit", "safeguarding", "pregnant"],
)  # fmt: skip
def test_red_flag_words_are_found_with_their_reason(word: str) -> None:
    [(found, why)] = red_flags(text=f"Note: {word}.")
    assert found == word.lower()
    assert why


def test_category_red_flags_apply_only_to_that_category() -> None:
    # Ibuprofen raises lithium levels; in an ADHD letter it is not a red flag.
    assert red_flags(medications=("lithium carbonate 600mg", "ibuprofen 400mg")) == [
        ("ibuprofen", "interacting medicine raises lithium levels (SPS)")
    ]
    assert red_flags(medications=("methylphenidate 10mg", "ibuprofen 400mg")) == []


def test_clozapine_is_a_red_flag_even_when_named_only_by_its_code() -> None:
    assert ("clozapine", "clozapine is hospital-only (red-listed)") in red_flags(
        codes=("321573006",)
    )


def test_the_sender_name_is_not_scanned_for_red_flags() -> None:
    assert red_flags(organisation="Same Day Emergency Care", text="Please monitor INR.") == []
