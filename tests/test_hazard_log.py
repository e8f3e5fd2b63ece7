"""The hazard log (docs/safety/hazard-log.md) in the shape DCB0129 asks for, each control proved
by a test that exists: a control naming a missing test is a control that does not hold."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
LOG = (ROOT / "docs" / "safety" / "hazard-log.md").read_text(encoding="utf-8")
TEST_REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
FIELDS = ("**Cause**", "**Effect**", "**Initial risk**", "**Controls**", "**Residual risk**")


def hazards() -> dict[str, str]:
    """Each hazard's heading ("H1. ...") and its text."""
    sections = re.split(r"^### ", LOG, flags=re.MULTILINE)[1:]
    return {section.splitlines()[0]: section for section in sections}


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    }


def assert_is_a_test(file: str, name: str) -> None:
    path = ROOT / file
    assert path.is_file(), f"{file} does not exist"
    assert name in defined_tests(path), f"{file} has no test {name}"


def test_the_log_has_hazards() -> None:
    assert len(hazards()) >= 15


@pytest.mark.parametrize("heading", list(hazards()))
def test_each_hazard_has_every_field_and_a_tested_control(heading: str) -> None:
    text = hazards()[heading]
    for field in FIELDS:
        assert field in text, f"{heading}: no {field}"
    controls = text.split("**Controls**")[1].split("**Residual risk**")[0]
    assert TEST_REFERENCE.search(controls), f"{heading}: a control names no test"
    initial = re.search(r"\*\*Initial risk\*\*: severity \d, likelihood \d: \*\*(\d)\*\*", text)
    residual = re.search(r"\*\*Residual risk\*\*: severity \d, likelihood \d: \*\*(\d)\*\*", text)
    assert initial and residual, (
        f"{heading}: risks not in the form 'severity S, likelihood L: **R**'"
    )
    assert int(residual[1]) <= int(initial[1]), f"{heading}: the controls raise the risk"


@pytest.mark.parametrize(("file", "name"), sorted(set(TEST_REFERENCE.findall(LOG))))
def test_every_control_names_a_test_that_exists(file: str, name: str) -> None:
    assert_is_a_test(file, name)


def test_a_control_naming_a_test_that_does_not_exist_is_caught() -> None:
    here = Path(__file__).relative_to(ROOT).as_posix()
    assert "test_the_log_has_hazards" in defined_tests(ROOT / here)
    assert "test_that_was_never_written" not in defined_tests(ROOT / here)


RELIABILITY = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("file", "name"), sorted(set(TEST_REFERENCE.findall(RELIABILITY))))
def test_every_test_the_reliability_notes_name_exists(file: str, name: str) -> None:
    assert_is_a_test(file, name)
