"""The NHS number: its normal form and its Modulus 11 check digit."""

from __future__ import annotations

from operator import mul

_NHS_NUMBER_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_NHS_NUMBER_SEPARATORS = str.maketrans("", "", " -")


def normalise_nhs_number(raw: str) -> str:
    """Drop the spaces and hyphens people write NHS numbers with ("943 476 5919")."""
    return raw.strip().translate(_NHS_NUMBER_SEPARATORS)


def nhs_check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit for nine ASCII digits, or None when no digit can be valid."""
    if len(first_nine) != len(_NHS_NUMBER_WEIGHTS):
        raise ValueError(f"{first_nine!r} is not nine digits")
    total = sum(map(mul, map(int, first_nine), _NHS_NUMBER_WEIGHTS))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def nhs_number_problem(number: str) -> str | None:
    """Why a normalised NHS number is not valid, or None when it is.

    Only ASCII digits count: str.isdigit() would accept full-width and other Unicode digits.
    """
    if len(number) != 10 or not (number.isascii() and number.isdigit()):
        return "must be 10 digits"
    if number.startswith("000"):
        return "is not in any range that NHS numbers are issued from"
    expected = nhs_check_digit(number[:9])
    if expected is None:
        return "fails the Modulus 11 check (no check digit is possible for the first nine digits)"
    if expected != int(number[9]):
        return "fails the Modulus 11 check digit"
    return None


def is_valid_nhs_number(raw: str) -> bool:
    return nhs_number_problem(normalise_nhs_number(raw)) is None


def spaced_nhs_number(number: str) -> str:
    """A valid NHS number in the 3 3 4 form people read it in: "943 476 5919"."""
    digits = "".join(ch for ch in number if "0" <= ch <= "9")
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
