"""The demo: its own database, every category and edge case, one user per role."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from tests.conftest import Run
from triage.demo import DEMO_USERS, demo_records
from triage.demo.scenarios import SCENARIOS
from triage.models import Category, Flag, is_valid_nhs_number

# docs/domain.md §4: the edge cases routed to a GP.
DESIGN_EDGE_CASES = {
    "under_18",
    "supply_risk",
    "red_flag",
    "urgent",
    "mixed_categories",
    "unclassified",
    "invalid_nhs_number",
}


def test_every_category_and_every_edge_case_is_in_the_demo() -> None:
    expected = Counter(scenario.expected for scenario in SCENARIOS)
    assert {category.value for category in Category} <= set(expected)
    assert {"unclassified", "mixed"} <= set(expected)
    edges = {edge for scenario in SCENARIOS for edge in scenario.edge_cases}
    assert edges == DESIGN_EDGE_CASES
    assert edges <= {flag.value for flag in Flag}


def test_demo_records_are_deterministic_and_synthetic() -> None:
    today = date(2025, 2, 3)
    first = list(demo_records(len(SCENARIOS), today=today, seed=7))
    assert first == list(demo_records(len(SCENARIOS), today=today, seed=7))
    for record, scenario in zip(first, SCENARIOS, strict=True):
        assert record["nhs_number"].startswith("999")  # the NHS's test range: never a real patient
        assert is_valid_nhs_number(record["nhs_number"]) is not scenario.invalid_nhs_number
        assert record["received"] <= "2025-02-04"


def test_demo_no_ui_prints_the_queue_from_its_own_database(run: Run, isolated_home: Path) -> None:
    result = run("demo", "--no-ui", "--requests", "60")
    assert result.status == 0, result.err
    folder = isolated_home / "data" / "shared-care-triage"
    assert (
        f"triage: demo database {folder / 'demo.db'} (60 requests; users demo-clerk, demo-gp, demo-manager)"
        in result.err
    )
    assert "60 open · 0 awaiting GP · 0 decided" in result.out
    assert "DEMO-000001" in result.out
    assert not (folder / "triage.db").exists()  # real data is never touched


def test_the_demo_has_one_user_per_role_and_is_rebuilt_each_time(run: Run) -> None:
    run("demo", "--no-ui", "--requests", "5")
    users = run("--demo", "users", "list", "--format", "json").out
    assert [name for name, _, _ in DEMO_USERS] == ["demo-clerk", "demo-gp", "demo-manager"]
    for name, role, _ in DEMO_USERS:
        assert f'"name": "{name}", "role": "{role.value}"' in users
    run("demo", "--no-ui", "--requests", "3")
    assert "3 open" in run("--demo", "queue").out


def test_demo_commands_can_act_as_each_demo_user(run: Run) -> None:
    run("demo", "--no-ui", "--requests", "3")
    assert run("--demo", "--user", "demo-gp", "queue").status == 0
    refused = run("--demo", "users", "add", "x", "--role", "clerk")  # the demo clerk by default
    assert refused.err_lines == [
        "triage: error: only a manager may add users or reset their passwords; you are demo-clerk (a clerk)"
    ]


def test_the_demo_refuses_a_real_database(run: Run, new_db_path: Path) -> None:
    db_path = new_db_path
    result = run("--db", db_path, "demo", "--no-ui")
    assert result.status == 2
    assert "the demo always uses its own database" in result.err
    assert not db_path.exists()


def test_demo_and_a_real_database_cannot_be_mixed(run: Run, db_path: Path) -> None:
    result = run("--demo", "--db", db_path, "queue")
    assert result.status == 2
    assert "--demo uses the demo's own database; leave out --db" in result.err
