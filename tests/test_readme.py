"""The README's "Using it" examples, run in order on a new database exactly as a shell user
would type them: each must succeed and say what its comment promises."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import OS_LOGIN, SAMPLES

README = Path(__file__).parents[1] / "README.md"
BIN = Path(sys.executable).parent

# Each example, and words its output must contain: what the reader of the README is promised.
PROMISES = {
    'triage users add sam --role clerk --full-name "Sam Clarke"': "Added sam as clerk; they choose their password at their first login.",
    'triage users add asha --role gp --full-name "Dr Asha Patel"': "Added asha as gp; they choose their password at their first login.",
    "triage users list": "Dr Asha Patel",
    'triage practice set --name "Harbour Street Surgery" --ods-code Y12345 '
    '--address "1 Harbour Street, Weymouth, DT4 0AA" --phone "01632 960000" '
    "--email harbour.street@example.org": "Saved the details of Harbour Street Surgery (Y12345).",
    "triage practice set --queue-opens due": "The queue opens soonest due first.",
    "triage policy show --toml dorset-gp-alliance > our-policy.toml": "",
    "triage policy check our-policy.toml": "dorset-gp-alliance version 2024-10.2 is valid",
    "triage policy simulate --policy our-policy.toml inbox/*.csv": "nothing was imported or saved",
    "triage policy activate our-policy.toml": "dorset-gp-alliance 2024-10.2 is now in force",
    "triage policy show": f"dorset-gp-alliance 2024-10.2  by {OS_LOGIN}",
    "triage --user sam import inbox/*.csv inbox/*.json": "Total: 16 imported, 6 already present, 0 rejected.",
    "triage --user sam queue": "16 open · 0 awaiting GP · 0 decided",
    "triage --user sam queue --format json": '"ref": "S16"',
    "triage apply --dry-run": (
        "16 open requests: 4 decline, 0 redirect, 0 accept would be decided; "
        "12 would be sent to a GP"
    ),
    "triage --user sam decide S04": "S04 decline under rule mgus-new (decision by sam)",
    'triage --user sam decide S06 --action accept --reason "Funded locally"': (
        "S06 accept under rule eating-disorder-new (override by sam)"
    ),
    'triage --user sam flag S07 --note "Supply ends Friday"': "S07 now waits for a GP.",
    "triage --user sam apply": "13 open requests: 2 decline, 0 redirect, 0 accept decided; 11 sent to a GP.",
    "triage --user sam letters S04": "Yours sincerely,\n\nSam Clarke",
    "triage --user asha review": "S07",
    'triage --user asha review S07 --note "Checked; decline" --action decline': (
        "S07 decline under rule dmard-unfunded (review by asha)"
    ),
    'triage --user asha correct S06 --action decline --note "Not funded here"': (
        "S06 decline under rule eating-disorder-new (supersede by asha)"
    ),
    "triage --user asha history S06": "corrected by a GP: decline",
    "triage --user sam caseload import searches/caseload.csv": (
        "10 added, 0 updated, 0 unchanged, 0 rejected"
    ),
    "triage notice plan": "9 hand-backs: 5 ready to send, 4 waiting for a GP's sign-off",
    'triage --user asha notice sign-off "485 777 3015" --note "Next injection due 2 March; '
    'team aware"': "Signed off the hand-back of 485 777 3015: denosumab.",
    "triage notice send": "Sent 6 notices to 6 teams",
    "triage --user asha notice tasks": "need a GP.",
    "triage log verify": "The decision log verifies",
    "triage log anchor --out checkpoint.json": "Anchored the decision log at",
    "triage log verify --against checkpoint.json": "It holds checkpoint checkpoint.json",
    "triage log export --out decisions.xlsx": "Exported 6 decisions to decisions.xlsx",
    "triage report --out report.html": "Wrote the report of 6 decisions to report.html",
    "triage letters export --out letters": "Wrote the letters of 6 decisions to letters",
    "triage db upgrade": "up to date",
    "triage --demo queue": "60 open · 0 awaiting GP · 0 decided",
    "triage --demo apply": "60 open requests:",
}


def readme_examples() -> list[str]:
    """The commands of the "Using it" block, continuation lines joined, comments dropped."""
    section = README.read_text(encoding="utf-8").split("## Using it", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.replace("\\\n", " ").splitlines():
        command = line.split(" #", 1)[0].strip()
        if command and not command.startswith("#"):
            commands.append(" ".join(command.split()))
    return commands


def test_every_example_has_its_promise_here() -> None:
    assert readme_examples() == list(PROMISES)


@pytest.mark.skipif(shutil.which("bash") is None, reason="the examples are shell commands")
def test_the_examples_run_in_order_on_a_new_database_and_do_what_they_say(
    tmp_path: Path, isolated_home: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for sample in ("requests.csv", "requests.json"):
        shutil.copy(SAMPLES / sample, inbox / sample)
    (tmp_path / "searches").mkdir()
    shutil.copy(SAMPLES / "caseload.csv", tmp_path / "searches" / "caseload.csv")
    environment = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    for command in readme_examples():
        ran = subprocess.run(
            ["bash", "-c", command],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        assert ran.returncode == 0, f"{command}\n{ran.stdout}{ran.stderr}"
        assert PROMISES[command] in ran.stdout, f"{command}\n{ran.stdout}"
        assert "Traceback" not in ran.stderr

    workbook = load_workbook(tmp_path / "decisions.xlsx", read_only=True)
    assert workbook.sheetnames[0] == "Decisions"
    assert "Harbour Street Surgery" in (tmp_path / "report.html").read_text(encoding="utf-8")
    letters = [path.name for path in (tmp_path / "letters").iterdir()]
    assert len([name for name in letters if "_SCT-" in name]) == 3 * 6  # specialist, patient, SMS
    # The six hand-backs sent: three letters each, and a covering letter to each of six teams.
    assert len([name for name in letters if "_HB" in name]) == 3 * 6 + 6
