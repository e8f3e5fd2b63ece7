"""Reading results the way clinicians write them: units, unitless values, tables, trends,
thresholds written as words, and the evidence a GP is shown (docs/clinical-signals.md §1-§2)."""

from __future__ import annotations

import pytest

from tests.factories import make_request
from triage.classify import read

MGUS = {"diagnosis": "IgG kappa MGUS"}
BARIATRIC = {"diagnosis": "Roux-en-Y gastric bypass"}
DMARD = {"medications": ("Methotrexate 15mg once weekly",)}


def flags(**fields: object) -> list[tuple[str, str]]:
    return [(flag.found, flag.why) for flag in read(make_request(**fields)).red_flags]


def test_the_evidence_names_the_words_the_threshold_and_the_source() -> None:
    assert flags(text="Her haemoglobin today is 98 g/L.", **MGUS) == [
        ("haemoglobin today is 98 g/L", "Hb 98 g/L < 100 g/L (MGUS: IMWG 2014 CRAB)")
    ]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Hb 9.6 g/dL", "Hb 9.6 g/dL (= 96 g/L) < 100 g/L"),
        ("creatinine 2.3 mg/dL", "creatinine 2.3 mg/dL (= 203.3 µmol/L) > 177 µmol/L"),
        ("adjusted calcium 11.8 mg/dL", "adjusted calcium 11.8 mg/dL (= 2.944 mmol/L) > 2.75"),
    ],
)
def test_a_value_in_another_unit_is_converted_and_both_are_shown(text: str, why: str) -> None:
    [(_, found_why)] = flags(text=text, **MGUS)
    assert found_why.startswith(why)


def test_the_same_value_in_its_own_unit_is_not_a_signal() -> None:
    assert (
        flags(text="Hb 12.6 g/dL, creatinine 1.1 mg/dL, adjusted calcium 9.6 mg/dL", **MGUS) == []
    )


def test_a_value_without_a_unit_is_read_in_every_unit_it_may_be_in() -> None:
    # 3 g/L is a small paraprotein; 3 g/dL is 30 g/L. Unsure: a GP sees it, with the reading.
    [(found, why)] = flags(text="Paraprotein 3.", **MGUS)
    assert found == "Paraprotein 3"
    assert "(no unit, read as g/dL = 30 g/L) >= 15 g/L" in why


def test_results_are_never_negated_and_symptom_words_are_not_either() -> None:
    # Negation is not read: it could only ever hide a signal (hazard H9).
    assert [found for found, _ in flags(text="No bone pain. Hb 98 g/L, no concern.", **MGUS)] == [
        "bone pain",
        "Hb 98 g/L",
    ]


def test_a_threshold_or_target_written_in_the_letter_is_not_a_result() -> None:
    assert flags(text="Please re-refer if the paraprotein is 15 g/L or more.", **MGUS) == []
    assert flags(medications=("warfarin",), text="Target INR 2.5, range 2.0-3.0.") == []


def test_a_table_with_dates_down_the_side_is_read_in_date_order() -> None:
    table = (
        "Date        Hb    Creat   Ca\n"
        "14/11/2024  128   88      2.41\n"
        "02/05/2024  131   90      2.38\n"
        "06/02/2025  104   92      2.44\n"
    )
    [(found, why)] = flags(text=table, **MGUS)
    assert found == "Hb (table): 131 (2 May 2024), 128 (14 Nov 2024), 104 (6 Feb 2025)"
    assert (
        why == "Hb fell: 131 then 128 then 104 g/L (a fall of more than 20) (MGUS: IMWG 2014 CRAB)"
    )


def test_a_table_without_dates_gives_values_but_no_trend() -> None:
    table = "Test   Hb   Ferritin\nResult 135  12\n"
    [(found, why)] = flags(text=table, **BARIATRIC)
    assert found == "Ferritin (table): 12"
    assert why.startswith("ferritin 12 < 30 µg/L")


@pytest.mark.parametrize(
    "text",
    [
        "Methotrexate 10mg daily with folic acid.",
        "Methotrexate 7.5 mg od for rheumatoid arthritis.",
    ],
)
def test_methotrexate_written_as_daily_is_a_red_flag(text: str) -> None:
    assert flags(text=text) == [
        (text.split(" for")[0].split(" with")[0].rstrip("."), flags(text=text)[0][1])
    ]
    assert "NPSA" in flags(text=text)[0][1]


@pytest.mark.parametrize(
    "text",
    [
        "Methotrexate 15mg once weekly; folic acid 5mg daily except on methotrexate day.",
        "Methotrexate 15 mg on Mondays. Folic acid 5 mg daily.",
    ],
)
def test_weekly_methotrexate_beside_daily_folic_acid_is_not(text: str) -> None:
    assert flags(text=text) == []


def test_a_rising_trend_in_words_routes_even_without_values() -> None:
    assert flags(text="His paraprotein has doubled since November.", **MGUS) == [
        ("paraprotein has doubled", "a rising paraprotein in words ('doubled')")
    ]
    assert flags(text="Please arrange a PSA follow-up.", diagnosis="Prostate cancer") == []


def test_a_sex_written_in_the_letter_picks_the_anaemia_threshold() -> None:
    assert flags(text="Mrs Jones: Hb 125 g/L.", **BARIATRIC) == []
    assert [found for found, _ in flags(text="Mr Jones: Hb 125 g/L.", **BARIATRIC)] == [
        "Hb 125 g/L"
    ]
    # Not said: the higher threshold, the cautious end.
    assert [found for found, _ in flags(text="Hb 125 g/L.", **BARIATRIC)] == ["Hb 125 g/L"]
