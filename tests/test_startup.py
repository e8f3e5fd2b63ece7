"""Start-up (issue 18): a command imports what it needs, not what every other command needs.
Heavy libraries (spreadsheets, FHIR models, the terminal app, numpy) wait for the command that
uses them; timing is for benchmarks/, so this checks the modules loaded, which do not vary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Run

HEAVY = ("openpyxl", "numpy", "fhir", "textual", "lxml", "pytesseract", "PIL")


def loaded_after(*args: str) -> list[str]:
    """The heavy top-level modules loaded once `triage ARGS` has run, in a fresh interpreter."""
    script = (
        "import sys\n"
        "from triage.cli.main import main\n"
        "try:\n"
        f"    main({list(args)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(__import__('json').dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({list(HEAVY)!r}))))\n"
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return list(json.loads(ran.stdout.splitlines()[-1]))


def test_the_version_loads_nothing_heavy() -> None:
    assert loaded_after("--version") == []


@pytest.mark.parametrize(
    "command",
    [("queue",), ("queue", "--format", "json"), ("policy", "show"), ("log", "verify")],
    ids=" ".join,
)
def test_everyday_commands_load_nothing_heavy(
    run: Run, db_path: Path, command: tuple[str, ...]
) -> None:
    assert run("--db", db_path, "policy", "activate", "dorset-gp-alliance").status == 0
    assert loaded_after("--db", str(db_path), *command) == []


def test_every_command_is_found_by_the_name_it_answers_to(run: Run) -> None:
    import click

    from triage.cli.main import COMMANDS, cli

    with click.Context(cli) as context:
        for name in COMMANDS:
            command = cli.get_command(context, name)
            assert command is not None and command.name == name
    listed = run("--help").out
    assert all(f"  {name} " in listed for name in COMMANDS)
