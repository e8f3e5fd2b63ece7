"""The letters the demo is made of: synthetic, but written the way specialists write them.

They cover every category and the edge cases a GP must see (docs/domain.md §3, §4): children,
supply about to run out, red flags in the letter, mixed and unclassifiable requests, the
equality-sensitive categories, invalid NHS numbers, requests made only of codes, and the drugs
that mean different things in different hands (HRT, testosterone, GnRH analogues).
Every patient, clinician and provider here is invented. The letters are data, in scenarios.toml
beside this module; a scenario leaves out what takes its default below.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Scenario:
    organisation: str
    requester: str
    text: str
    provider_type: str = "nhs"
    request_type: str = "new"
    medications: str = ""
    diagnosis: str = ""
    codes: str = ""
    category: str = ""  # as the sender declared it, if at all
    urgency: str = "routine"
    ages: tuple[int, int] = (25, 70)
    supply_in_days: int | None = None  # supply_ends, relative to the demo's "today"
    procedure_months_ago: int | None = None
    invalid_nhs_number: bool = False
    # What the letter is for: the category it should be classified as ("unclassified" or
    # "mixed" when none or several), and the edge cases a GP must see it for.
    expected: str = "unclassified"
    edge_cases: tuple[str, ...] = ()


def _scenario(entry: dict[str, Any]) -> Scenario:
    lists = {key: tuple(value) for key, value in entry.items() if isinstance(value, list)}
    return Scenario(**{**entry, **lists})


SCENARIOS: tuple[Scenario, ...] = tuple(
    _scenario(entry)
    for entry in tomllib.loads(
        (resources.files("triage.demo") / "scenarios.toml").read_text(encoding="utf-8")
    )["scenario"]
)
