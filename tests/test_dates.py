"""Dates in a letter's prose (triage.classify.dates): the forms UK clinicians write, read against
a reference date; the numbers that only look like dates; and the letter's own date."""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable
from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triage.classify.dates import WrittenDate, find_dates
from triage.classify.letter_date import letter_date

MONDAY = date(2025, 3, 10)  # the reference for most examples: Monday 10 March 2025


def only_date(text: str, reference: date = MONDAY) -> WrittenDate:
    found = find_dates(text, reference)
    assert len(found) == 1, [text[item.start : item.end] for item in found]
    return found[0]


def day(year: int, month: int, number: int) -> tuple[date, date]:
    return date(year, month, number), date(year, month, number)


def month_span(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


# --- dates written in full ------------------------------------------------------------------------

ABSOLUTE = [
    # (sentence, what was written, (earliest, latest))
    ("Her next Prolia injection is due on 4th March 2025.", "4th March 2025", day(2025, 3, 4)),
    ("Last dose 2 August 2024, well tolerated.", "2 August 2024", day(2024, 8, 2)),
    ("INR 2.4 on 4/3/25, dose unchanged.", "4/3/25", day(2025, 3, 4)),
    ("Bloods taken 04/03/2025 were normal.", "04/03/2025", day(2025, 3, 4)),
    ("ECG (4.3.2025) showed sinus rhythm.", "4.3.2025", day(2025, 3, 4)),
    ("Seen 4-3-2025 in clinic.", "4-3-2025", day(2025, 3, 4)),
    ("Report dated 2025-03-04 attached.", "2025-03-04", day(2025, 3, 4)),
    ("DEXA scan 03/2025 showed osteopenia.", "03/2025", month_span(2025, 3)),
    ("Started 4 Mar 25 at 5mg.", "4 Mar 25", day(2025, 3, 4)),
    ("Seen on March 4th, 2025 by the registrar.", "March 4th, 2025", day(2025, 3, 4)),
    ("Seen March 4 2025 by the registrar.", "March 4 2025", day(2025, 3, 4)),
    ("Clinic on Tuesday 4 March 2025 at 10:30.", "Tuesday 4 March 2025", day(2025, 3, 4)),
    ("Clinic on Tues, 4th March 2025.", "Tues, 4th March 2025", day(2025, 3, 4)),
    ("Clinic on Tuesday, March 4th 2025.", "Tuesday, March 4th 2025", day(2025, 3, 4)),
    ("Started on the 4th of March 2025.", "4th of March 2025", day(2025, 3, 4)),
    ("Biopsy 12 Sept 2024 was benign.", "12 Sept 2024", day(2024, 9, 12)),
    ("Biopsy 12 Sep 2024 was benign.", "12 Sep 2024", day(2024, 9, 12)),
    ("Admitted 04-Mar-2025 with a flare.", "04-Mar-2025", day(2025, 3, 4)),
    ("An operation in March 2023 went well.", "March 2023", month_span(2023, 3)),
    ("Diagnosed Mar 2023 by rheumatology.", "Mar 2023", month_span(2023, 3)),
    ("Diagnosed Feb 2024 by rheumatology.", "Feb 2024", month_span(2024, 2)),
    ("Last seen Sept. 2024.", "Sept. 2024", month_span(2024, 9)),
    ("LAST DOSE 2 AUGUST 2024.", "2 AUGUST 2024", day(2024, 8, 2)),
    ("Clinic on 4 March.", "4 March", day(2025, 3, 4)),  # no year: the nearest 4 March
    ("The 21st of February showed improvement.", "21st of February", day(2025, 2, 21)),
    ("Born 4/3/98.", "4/3/98", day(1998, 3, 4)),  # 2098 would be decades after the reference
]


@pytest.mark.parametrize(("sentence", "words", "span"), ABSOLUTE)
def test_absolute_dates_as_letters_write_them(
    sentence: str, words: str, span: tuple[date, date]
) -> None:
    found = only_date(sentence)
    assert sentence[found.start : found.end] == words
    assert (found.earliest, found.latest) == span
    assert not found.relative


def test_a_day_and_month_without_a_year_is_the_occurrence_nearest_the_reference() -> None:
    assert only_date("Due 4 March.", date(2024, 12, 10)).earliest == date(2025, 3, 4)
    assert only_date("Due 4 March.", date(2025, 6, 10)).earliest == date(2025, 3, 4)
    assert only_date("Seen 20 December.", date(2025, 1, 5)).earliest == date(2024, 12, 20)
    assert only_date("Seen 29 February.", date(2025, 3, 10)).earliest == date(2024, 2, 29)


def test_a_two_digit_year_is_this_century_unless_that_is_over_a_year_ahead() -> None:
    assert only_date("on 4/3/26", date(2025, 3, 10)).earliest == date(2026, 3, 4)
    assert only_date("on 4/3/27", date(2025, 3, 10)).earliest == date(1927, 3, 4)
    assert only_date("on 4 Mar 99", date(2025, 3, 10)).earliest == date(1999, 3, 4)


def test_dates_are_found_in_order_and_never_overlap() -> None:
    text = "Seen 4/3/2025; next review in 3/12, then yearly; last INR 2 weeks ago."
    found = find_dates(text, MONDAY)
    assert [text[item.start : item.end] for item in found] == [
        "4/3/2025",
        "in 3/12",
        "2 weeks ago",
    ]
    assert all(a.end <= b.start for a, b in pairwise(found))


def test_offsets_hold_where_lower_casing_would_lengthen_the_text() -> None:
    text = "Dr İnce saw her on 4 March 2025."  # "İ".lower() is two characters
    found = only_date(text)
    assert text[found.start : found.end] == "4 March 2025"


# --- dates read against the reference -----------------------------------------------------------

RELATIVE = [
    # (sentence, what was written, (earliest, latest)); the reference is Monday 10 March 2025
    ("Bloods were taken today.", "today", day(2025, 3, 10)),
    ("Please start tomorrow.", "tomorrow", day(2025, 3, 11)),
    ("Discharged yesterday.", "yesterday", day(2025, 3, 9)),
    ("INR due this week", "this week", (date(2025, 3, 10), date(2025, 3, 16))),
    ("INR due next week", "next week", (date(2025, 3, 17), date(2025, 3, 23))),
    ("Seen last week by the nurse.", "last week", (date(2025, 3, 3), date(2025, 3, 9))),
    ("Review next month.", "next month", month_span(2025, 4)),
    ("Started last month.", "last month", month_span(2025, 2)),
    ("Due this month.", "this month", month_span(2025, 3)),
    ("Repeat DEXA next year.", "next year", (date(2026, 1, 1), date(2026, 12, 31))),
    ("Repeat bloods in 3 days.", "in 3 days", day(2025, 3, 13)),
    ("Review in two weeks.", "in two weeks", day(2025, 3, 24)),
    ("Review in 2 weeks' time.", "in 2 weeks' time", day(2025, 3, 24)),
    ("Review in a week's time.", "in a week's time", day(2025, 3, 17)),
    ("Review in a fortnight.", "in a fortnight", day(2025, 3, 24)),
    ("Review in six months.", "in six months", day(2025, 9, 10)),
    ("Review in 4-6 weeks.", "in 4-6 weeks", (date(2025, 4, 7), date(2025, 4, 21))),
    ("Please see within 7 days.", "within 7 days", (date(2025, 3, 10), date(2025, 3, 17))),
    (
        "Bloods within the next 2 weeks.",
        "within the next 2 weeks",
        (date(2025, 3, 10), date(2025, 3, 24)),
    ),
    ("Taper over the next month.", "over the next month", (MONDAY, date(2025, 4, 10))),
    ("Started 3 weeks ago.", "3 weeks ago", day(2025, 2, 17)),
    # Months and years counted back are the whole month or year: nobody means a day by them.
    ("Started two months ago.", "two months ago", (date(2025, 1, 1), date(2025, 1, 31))),
    ("Started a year ago.", "a year ago", (date(2024, 1, 1), date(2024, 12, 31))),
    ("Stopped 6 months ago.", "6 months ago", (date(2024, 9, 1), date(2024, 9, 30))),
    ("Started 2-3 weeks ago.", "2-3 weeks ago", (date(2025, 2, 17), date(2025, 2, 24))),
    ("Review in 3/12.", "in 3/12", day(2025, 6, 10)),
    ("Review in 2/52.", "in 2/52", day(2025, 3, 24)),
    ("Repeat in 6/7.", "in 6/7", day(2025, 3, 16)),
    ("Review in 4-6/52.", "in 4-6/52", (date(2025, 4, 7), date(2025, 4, 21))),
    ("Bloods within 2/52.", "within 2/52", (date(2025, 3, 10), date(2025, 3, 24))),
    ("REVIEW IN TWO WEEKS.", "IN TWO WEEKS", day(2025, 3, 24)),
]


@pytest.mark.parametrize(("sentence", "words", "span"), RELATIVE)
def test_dates_read_against_the_reference(
    sentence: str, words: str, span: tuple[date, date]
) -> None:
    found = only_date(sentence)
    assert sentence[found.start : found.end] == words
    assert (found.earliest, found.latest) == span
    assert found.relative


def test_this_week_on_a_sunday_is_that_sunday_and_next_week_starts_the_day_after() -> None:
    sunday = date(2025, 3, 16)
    this_week = only_date("this week", sunday)
    assert this_week.earliest == this_week.latest == sunday
    assert only_date("next week", sunday).earliest == date(2025, 3, 17)
    assert only_date("last week", sunday).latest == date(2025, 3, 9)


def test_months_and_years_are_added_by_the_calendar_with_the_day_clamped() -> None:
    assert only_date("in 1 month", date(2025, 1, 31)).earliest == date(2025, 2, 28)
    assert only_date("in one month", date(2024, 1, 31)).earliest == date(2024, 2, 29)
    assert only_date("in a year", date(2024, 2, 29)).earliest == date(2025, 2, 28)
    assert only_date("next month", date(2024, 12, 15)).latest == date(2025, 1, 31)
    assert only_date("last month", date(2025, 1, 15)).earliest == date(2024, 12, 1)
    months_ago = only_date("3 months ago", date(2025, 5, 31))
    assert (months_ago.earliest, months_ago.latest) == (date(2025, 2, 1), date(2025, 2, 28))


# --- what only looks like a date ------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "BP 122/78, pulse 74.",
        "BP 140/90 on repeat.",
        "Reduced to 2/3 of the dose.",
        "Methotrexate 400mg weekly.",
        "Clinic at 10:30 with Dr Jones.",
        "Telephone 01305 255555.",
        "Helpline 0300 123 4567.",
        "NHS number 943 476 5919.",
        "Hb 98 on repeat.",
        "eGFR 45, stable.",
        "Diagnosed in 2024.",
        "Bloods 3-monthly.",
        "Bloods 6 monthly.",
        "Review 3/12 as usual.",  # the shorthand only after "in" or "within"
        "Diagnosed in March.",  # a month with no year is too unsure
        "She may 2 tablets daily.",
        "Seen on 31/02/2025.",  # no such day
        "Seen on 12/13/2025.",  # no thirteenth month
        "Seen on 31 April 2025.",
        "Titre 1/2000.",
        "Version 1.2.3 of the protocol.",
        "Symptoms for 3 days.",
        "Over 3 months of pain.",
        "A few weeks ago.",
        "Rheumatoid arthritis, stable on treatment.",
        "",
    ],
)
def test_numbers_and_words_that_are_not_dates(sentence: str) -> None:
    assert find_dates(sentence, MONDAY) == []


# --- the letter's own date ----------------------------------------------------------------------

RECEIVED = date(2025, 3, 13)


@pytest.mark.parametrize(
    ("letter", "expected"),
    [
        ("Rheumatology\nDate: 12 March 2025\n\nDear Dr Smith,", date(2025, 3, 12)),
        ("Dated 12/03/2025\nDear Dr Smith,", date(2025, 3, 12)),
        ("  date of letter: 12.03.2025\n", date(2025, 3, 12)),
        ("Letter date - 2025-03-12\n", date(2025, 3, 12)),
        ("Clinic date: 3 March 2025\nDear Dr Smith,", date(2025, 3, 3)),
        ("Date typed: 11/03/2025\n", date(2025, 3, 11)),
        # the letter's own date is preferred to the day it was dictated or typed
        ("Dictated: 10/03/2025\nTyped: 11/03/2025\nDate: 12/03/2025\n", date(2025, 3, 12)),
        ("Date typed: 11/03/2025\nDate of letter: 12/03/2025\n", date(2025, 3, 12)),
        # a date of birth is not the letter's date; the letterhead's date is
        ("Jane Doe\nDate of birth: 01/02/1950\n12 March 2025\nDear Dr Smith,", date(2025, 3, 12)),
        (
            "Rheumatology Department\nDorset County Hospital\n\n\nTuesday, 11 March 2025\n\nDear",
            date(2025, 3, 11),
        ),
        ("Date: 14 March 2025\n", date(2025, 3, 14)),  # a day after it was received: allowed
        ("Date: 13 March 2023\n", date(2023, 3, 13)),  # two years before: allowed
    ],
)
def test_the_letters_own_date(letter: str, expected: date) -> None:
    assert letter_date(letter, RECEIVED) == expected


@pytest.mark.parametrize(
    "letter",
    [
        "Date: 20 March 2025\nDear Dr Smith,",  # after it was received
        "Date: 12 March 2023\nDear Dr Smith,",  # more than two years before
        "Dear Dr Smith, I saw her on 12 March 2025 in clinic.",  # a date in the prose
        "Date: March 2025\n",  # not a day
        "Date: today\n",
        "12 March\nDear Dr Smith,",  # no year: not a letterhead's date
        "Date: 12/03/2035\n12 March 2025\nDear",  # the letter's dates disagree: neither is used
        "\n".join(["Line"] * 15 + ["12 March 2025"]),  # past the letterhead
        "Dear Dr Smith,\nNo date anywhere.",
    ],
)
def test_no_trusted_date_for_the_letter(letter: str) -> None:
    assert letter_date(letter, RECEIVED) is None


# --- any date, in any of the absolute forms -----------------------------------------------------

MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10)
    return f"{number}{suffix or 'th'}"


def abbreviated(month: int) -> str:
    return "Sept" if month == 9 else MONTHS[month - 1][:3]


Format = Callable[[date], str]
DAY_FORMATS: list[Format] = [
    lambda d: f"{d.day}/{d.month}/{d.year % 100:02d}",
    lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    lambda d: f"{d.day}.{d.month}.{d.year}",
    lambda d: f"{d.day}-{d.month}-{d.year}",
    lambda d: d.isoformat(),
    lambda d: f"{d.day} {MONTHS[d.month - 1]}",
    lambda d: f"{ordinal(d.day)} {MONTHS[d.month - 1]} {d.year}",
    lambda d: f"{d.day} {abbreviated(d.month)} {d.year % 100:02d}",
    lambda d: f"{MONTHS[d.month - 1]} {ordinal(d.day)}, {d.year}",
    lambda d: f"{WEEKDAYS[d.weekday()]} {d.day} {MONTHS[d.month - 1]} {d.year}",
    lambda d: f"{ordinal(d.day)} of {MONTHS[d.month - 1]} {d.year}",
    lambda d: f"{d.day:02d}-{abbreviated(d.month)}-{d.year}",
]
MONTH_FORMATS: list[Format] = [
    lambda d: f"{MONTHS[d.month - 1]} {d.year}",
    lambda d: f"{abbreviated(d.month)} {d.year}",
    lambda d: f"{d.month:02d}/{d.year}",
]
SENTENCES = [
    "{}",
    "Her next injection is due on {} as planned.",
    "Seen in clinic ({}), stable on 15mg weekly; BP 132/84.",
    "Last dose given {}.",
    "Bloods in {} were normal, Hb 128.",
    "Reviewed {}: continue.",
]


@given(
    written=st.dates(date(1990, 1, 1), date(2040, 12, 31)),
    offset=st.integers(-150, 150),  # the reference: near the date, as a letter's own date is
    format_=st.sampled_from(DAY_FORMATS + MONTH_FORMATS),
    sentence=st.sampled_from(SENTENCES),
    case=st.sampled_from([str, str.upper, str.lower]),
)
def test_any_date_written_in_any_form_is_found_once(
    written: date, offset: int, format_: Format, sentence: str, case: Callable[[str], str]
) -> None:
    reference = written + timedelta(days=offset)
    words = case(format_(written))
    text = sentence.format(words)
    found = only_date(text, reference)
    assert text[found.start : found.end] == words
    if format_ in MONTH_FORMATS:
        assert (found.earliest, found.latest) == month_span(written.year, written.month)
    else:
        assert found.earliest == found.latest == written
    assert not found.relative
