"""The layers as docs/architecture.md draws them: what the import contracts cannot say."""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

import triage.services

ROOT = Path(__file__).resolve().parent.parent


def _listed() -> dict[str, list[str]]:
    """The services' __init__ listing: module -> the names it says that module offers."""
    listed: dict[str, list[str]] = {}
    module = ""
    for line in (triage.services.__doc__ or "").splitlines():
        head, colon, rest = line.partition(": ")
        if line.startswith(" ") and module:  # the names go on
            rest = line
        elif colon and head.isidentifier():
            module = head
            listed[module] = []
        else:
            module = ""
            continue
        listed[module] += [name.strip() for name in rest.split(",") if name.strip()]
    return listed


def test_the_services_listing_names_every_module_and_nothing_that_is_not_there() -> None:
    listed = _listed()
    assert sorted(listed) == sorted(triage.services.__all__)
    for module_name, names in listed.items():
        module = importlib.import_module(f"triage.services.{module_name}")
        missing = [name for name in names if not hasattr(module, name)]
        assert not missing, f"triage.services.{module_name} has no {missing}"


@pytest.mark.parametrize("module_name", triage.services.__all__)
def test_every_public_service_function_is_in_the_listing(module_name: str) -> None:
    module = importlib.import_module(f"triage.services.{module_name}")
    defined_here = [
        name
        for name, value in vars(module).items()
        if inspect.isfunction(value)
        and not name.startswith("_")
        and value.__module__ == module.__name__
    ]
    unlisted = sorted(set(defined_here) - set(_listed()[module_name]))
    assert not unlisted, f"list {unlisted} in triage/services/__init__.py, or make them private"


def test_the_command_line_never_imports_textual(tmp_path: Path) -> None:
    # Harlequin's import hygiene: a command that shows no screen must not pay for Textual.
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from triage.cli.main import cli\n"
        f"for command in ('db', 'init'), ('queue',):\n"
        f"    result = CliRunner().invoke(cli, ['--db', {str(tmp_path / 'x.db')!r}, *command])\n"
        "    assert result.exit_code == 0, repr(result.exception)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'screens')))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={
            "LOGNAME": "tester",
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "TRIAGE_PASSWORD_FILE": os.environ["TRIAGE_PASSWORD_FILE"],  # conftest's, private
        },
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "[]"
