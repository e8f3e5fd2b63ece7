"""NHS number normalisation and the Modulus 11 check, on the public vectors in docs/domain.md §5."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triage.models import (
    is_valid_nhs_number,
    nhs_check_digit,
    nhs_number_problem,
    normalise_nhs_number,
)

# (number, valid?) as published: Wikipedia, uk-fci/nhs-number, Thimbleby, PDS and e-RS sandboxes.
PUBLIC_VECTORS = [
    ("9434765919", True),  # Wikipedia worked example: sum 299, check 9
    ("9434765918", False),
    ("9876543210", True),  # check digit 0
    ("1234567890", False),  # check computes to 10: no valid number starts 123456789
    ("4000000632", True),
    ("4857773457", True),
    ("4857773456", False),
    ("9876544321", False),  # Wikipedia's example; the check digit should be 2
    ("9000000009", True),  # PDS FHIR sandbox patient
    ("9912003888", True),  # e-RS sandbox patient
]


@pytest.mark.parametrize(("number", "valid"), PUBLIC_VECTORS)
def test_public_vectors(number: str, valid: bool) -> None:
    assert is_valid_nhs_number(number) is valid


@pytest.mark.parametrize(
    "written", ["943 476 5919", "943-476-5919", " 9434765919 ", "943 476-5919"]
)
def test_spaces_and_hyphens_are_how_people_write_it(written: str) -> None:
    assert normalise_nhs_number(written) == "9434765919"
    assert is_valid_nhs_number(written)


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("987654321X", "must be 10 digits"),
        ("94347659", "must be 10 digits"),
        ("94347659190", "must be 10 digits"),
        ("９４３４７６５９１９", "must be 10 digits"),  # full-width digits are not ASCII digits
        ("0000000000", "is not in any range"),  # passes the checksum, but is never issued
        ("1234567890", "no check digit is possible"),
        ("9434765918", "fails the Modulus 11 check digit"),
    ],
)
def test_invalid_numbers_say_why(number: str, reason: str) -> None:
    problem = nhs_number_problem(normalise_nhs_number(number))
    assert problem is not None and reason in problem


@given(st.text())
def test_any_text_gets_an_answer_never_an_exception(text: str) -> None:
    problem = nhs_number_problem(normalise_nhs_number(text))
    if problem is None:
        digits = normalise_nhs_number(text)
        assert len(digits) == 10 and all("0" <= ch <= "9" for ch in digits)


@st.composite
def valid_numbers(draw: st.DrawFn) -> str:
    """Nine digits and the check digit they call for (made, not filtered: 1 in 11 have none)."""
    first_nine = draw(
        st.text(alphabet="0123456789", min_size=9, max_size=9).filter(
            lambda digits: not digits.startswith("000") and nhs_check_digit(digits) is not None
        )
    )
    return first_nine + str(nhs_check_digit(first_nine))


@given(valid_numbers(), st.integers(0, 9), st.integers(1, 9))
def test_every_single_digit_error_is_caught(number: str, position: int, change: int) -> None:
    digit = (int(number[position]) + change) % 10
    mistyped = number[:position] + str(digit) + number[position + 1 :]
    assert not is_valid_nhs_number(mistyped)


@given(valid_numbers(), st.integers(0, 8))
def test_swapping_two_neighbouring_digits_is_caught(number: str, position: int) -> None:
    first, second = number[position], number[position + 1]
    if first == second or position == 8:  # the check digit's own neighbour can swap validly
        return
    swapped = number[:position] + second + first + number[position + 2 :]
    assert not is_valid_nhs_number(swapped)
