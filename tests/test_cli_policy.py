"""`triage policy check|show|activate|simulate`, and the queue's suggestions, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import SAMPLES, Run

POLICIES = Path(__file__).parents[1] / "policies" / "shipped"
WEYMOUTH = POLICIES / "weymouth-portland-pcn.toml"

# What the Weymouth and Portland PCN letter says should happen to each sample request.
WEYMOUTH_ON_1_FEB_2025 = {
    "S01": ("adhd", "decline", "adhd-new", ["gp_confirmation"]),
    "S02": ("adhd", "decline", "adhd-new", ["gp_confirmation"]),
    "S03": ("gender_dysphoria", "decline", "gender-hormones-new", ["gp_confirmation"]),
    "S04": ("mgus", "redirect", "mgus-new-diagnosis", []),
    "S05": ("bariatric", "redirect", "bariatric-first-two-years", []),
    "S06": ("eating_disorder", "decline", "eating-disorder-bloods", []),
    "S07": ("dmard", "gp_review", None, []),
    "S08": ("denosumab", "gp_review", None, []),
    "S09": ("psa", "gp_review", None, []),
    "S10": ("inr", "gp_review", None, []),
    "S11": ("mental_health_monitoring", "gp_review", None, []),
    "S12": ("lithium", "gp_review", None, []),
    "S13": ("adhd", "gp_review", None, ["under_18"]),
    "S14": ("mgus", "gp_review", None, ["urgent"]),
    "S15": ("adhd", "gp_review", None, ["invalid_nhs_number"]),
    "S16": (None, "gp_review", None, ["unclassified"]),
}


def test_simulating_the_weymouth_letter_on_the_samples(run: Run, new_db_path: Path) -> None:
    db_path = new_db_path
    result = run(
        "--db", db_path, "policy", "simulate", "--policy", WEYMOUTH, "--on", "2025-02-01",
        SAMPLES / "requests.csv", "--format", "json",
    )  # fmt: skip
    assert result.status == 0, result.err
    lines = [json.loads(line) for line in result.out.splitlines()]
    assert {
        line["ref"]: (line["category"], line["action"], line["rule"], line["flags"])
        for line in lines
    } == (WEYMOUTH_ON_1_FEB_2025)
    for line in lines:
        assert set(line) == {
            "ref", "category", "action", "rule", "flags", "reasons", "redirect_to", "explanation",
            "red_flags", "source",
        }  # fmt: skip
    assert lines[0]["source"] == {
        "file": str(SAMPLES / "requests.csv"), "format": "csv", "location": "line 2"
    }  # fmt: skip
    by_ref = {line["ref"]: line for line in lines}
    assert by_ref["S04"]["redirect_to"] == "Local specialist haematology service"
    assert by_ref["S04"]["reasons"] == ["specialist_knowledge", "capacity"]
    assert by_ref["S13"]["explanation"] == (
        "A GP must review this: the patient is 13, under 18 (otherwise rule adhd-new would "
        "decline it)."
    )
    assert not db_path.exists()  # a policy file needs no database, and nothing was imported


def test_simulate_prints_a_table_and_a_summary_and_saves_nothing(run: Run, db_path: Path) -> None:
    result = run(
        "--db", db_path, "policy", "simulate", "--policy", "weymouth-portland-pcn",
        "--on", "2025-02-01", SAMPLES / "requests.csv",
    )  # fmt: skip
    assert result.status == 0, result.err
    assert "S05  bariatric" in result.out
    assert result.out.splitlines()[-1] == (
        "16 requests: 4 decline · 2 redirect · 0 accept · 10 GP review. Policy "
        "weymouth-portland-pcn 2025-01.2 on 2025-02-01; nothing was imported or saved."
    )
    assert run("--db", db_path, "queue").out.startswith("No requests")


def test_simulate_refuses_bad_rows_like_import(run: Run, db_path: Path) -> None:
    result = run(
        "--db", db_path, "policy", "simulate", "--policy", WEYMOUTH, SAMPLES / "requests-bad.csv"
    )
    assert result.status == 1
    assert result.err_lines[-1].startswith("triage: error: nothing simulated: 4 problems")
    skipped = run(
        "--db", db_path, "policy", "simulate", "--policy", WEYMOUTH, "--skip-invalid",
        SAMPLES / "requests-bad.csv", "--format", "json",
    )  # fmt: skip
    assert skipped.status == 0
    assert skipped.err.count("not simulated:") == 4


def test_simulate_with_an_unknown_policy_names_the_shipped_ones(run: Run, db_path: Path) -> None:
    result = run(
        "--db", db_path, "policy", "simulate", "--policy", "nope", SAMPLES / "requests.csv"
    )
    assert result.status == 1
    assert result.err_lines[-1] == (
        "triage: error: nope: no such policy file or policy id (shipped policies: "
        "dorset-gp-alliance, weymouth-portland-pcn)"
    )


def test_check_names_every_problem_by_line_and_exits_1(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        WEYMOUTH.read_text(encoding="utf-8")
        .replace('default_action = "gp_review"', 'default_action = "gp_review"\ncolour = "blue"')
        .replace('category = "eating_disorder"', 'category = "eating"')
        .replace('redirect_to = "Specialist bariatric service"\n', "")
        .replace('id = "gender-hormones-new"', 'id = "adhd-new"'),
        encoding="utf-8",
    )
    result = run("policy", "check", bad)
    assert result.status == 1
    problems = result.err_lines[:-1]
    assert [line.split(": ")[1] for line in problems] == [
        "policy.colour", "rules[bariatric-first-two-years].redirect_to", "rules[adhd-new].id",
        "rules[eating-disorder-bloods].category",
    ]  # fmt: skip
    assert all(line.startswith(f"{bad}:") and line.split(":")[1].isdigit() for line in problems)
    assert result.err_lines[-1] == f"triage: error: {bad}: the policy was not loaded: 4 problems"


def test_check_accepts_the_shipped_policies(run: Run) -> None:
    for path in POLICIES.glob("*.toml"):
        result = run("policy", "check", path)
        assert result.status == 0, result.err
        assert " is valid: " in result.out


def test_only_a_manager_activates_and_every_version_is_kept(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    assert (
        run("--db", db_path, "users", "add", "cleo", "--role", "clerk").status == 0
    )  # pat: manager
    refused = run("--db", db_path, "--user", "cleo", "policy", "activate", WEYMOUTH)
    assert refused.status == 1
    assert refused.err_lines == [
        "triage: error: only a manager may activate a policy; you are cleo (a clerk)"
    ]
    first = run("--db", db_path, "policy", "activate", WEYMOUTH)
    assert first.out == "weymouth-portland-pcn 2025-01.2 is now in force, activated by pat.\n"
    again = run("--db", db_path, "policy", "activate", "weymouth-portland-pcn")
    assert again.out == "weymouth-portland-pcn 2025-01.2 is already in force; nothing changed.\n"
    second = run("--db", db_path, "policy", "activate", "dorset-gp-alliance")
    assert second.out == (
        "dorset-gp-alliance 2024-10.2 is now in force, activated by pat; it replaces "
        "weymouth-portland-pcn 2025-01.2.\n"
    )
    shown = run("--db", db_path, "policy", "show")
    assert shown.out.startswith("Dorset GP Alliance collective action list\n")
    history = shown.out.split("Activations (latest first; the first is in force):\n")[
        1
    ].splitlines()
    assert [line.split()[2:4] for line in history] == [
        ["dorset-gp-alliance", "2024-10.2"], ["weymouth-portland-pcn", "2025-01.2"],
    ]  # fmt: skip
    # A changed policy under the same version is refused; with a new version it is kept too.
    changed = tmp_path / "changed.toml"
    changed.write_text(
        WEYMOUTH.read_text(encoding="utf-8").replace("under_age = 18", "under_age = 19")
    )
    clash = run("--db", db_path, "policy", "activate", changed)
    assert clash.status == 1
    assert (
        "weymouth-portland-pcn version 2025-01.2 is already stored with different content"
        in clash.err
    )
    changed.write_text(changed.read_text().replace('version = "2025-01.2"', 'version = "2025-02"'))
    assert run("--db", db_path, "policy", "activate", changed).status == 0
    assert run("--db", db_path, "policy", "show", "weymouth-portland-pcn@2025-01.2").status == 0
    assert "version 2025-02" in run("--db", db_path, "policy", "show", "weymouth-portland-pcn").out


def test_show_without_a_policy_in_force_says_how_to_activate_one(run: Run, db_path: Path) -> None:
    result = run("--db", db_path, "policy", "show")
    assert result.status == 0
    assert result.out.startswith("No policy is in force yet. A manager activates one with")


def test_the_queue_shows_category_suggestion_and_flags(run: Run, db_path: Path) -> None:
    run("--db", db_path, "import", SAMPLES / "requests.csv")
    before = run("--db", db_path, "queue", "--format", "json")
    assert all(json.loads(line)["suggestion"] is None for line in before.out.splitlines())
    run("--db", db_path, "policy", "activate", "weymouth-portland-pcn")
    table = run("--db", db_path, "queue")
    s13 = next(line for line in table.out.splitlines() if line.startswith("S13"))
    assert s13.split()[-6:] == ["adhd", "GP", "review", "under_18", "?", "open"]  # ? : no date
    records = {
        record["ref"]: record
        for record in map(
            json.loads, run("--db", db_path, "queue", "--format", "json").out.splitlines()
        )
    }
    assert records["S04"]["classified_as"]["category"] == "mgus"
    assert records["S04"]["suggestion"]["action"] == "redirect"
    assert records["S15"]["suggestion"]["flags"] == ["invalid_nhs_number"]
    assert records["S01"]["classified_as"]["evidence"][0] == "medications: methylphenidate -> adhd"
