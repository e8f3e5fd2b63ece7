"""Set up and run, with nothing but Python 3.11+ and the package registries.

    python3 tools/dev.py demo [ARGS...]   the app on demo data (ARGS go to `triage demo`)
    python3 tools/dev.py test [ARGS...]   ruff, mypy, the import contracts, then pytest
                                          (ARGS go to pytest)

Both create .venv beside this repository on first use and reinstall only when pyproject.toml
changes. The same commands work on Linux, macOS and Windows.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def script(name: str) -> str:
    """A console script installed in .venv (Windows gives them an .exe)."""
    return str(BIN / (f"{name}.exe" if os.name == "nt" else name))


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 (run by whatever python3 the machine has)
        print("shared-care triage needs Python 3.11 or newer", file=sys.stderr)
        return 2
    if not argv or argv[0] not in ("demo", "test"):
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    install(extras="[dev]" if command == "test" else "")
    if command == "demo":
        return run([script("triage"), "demo", *rest])
    checks = [
        [str(PYTHON), "-m", "ruff", "check", "."],
        [str(PYTHON), "-m", "ruff", "format", "--check", "."],
        [str(PYTHON), "-m", "mypy"],
        [script("lint-imports")],
        [str(PYTHON), "-m", "pytest", "-rs", *rest],
    ]
    for check in checks:
        status = run(check)
        if status:
            return status
    return 0


def install(extras: str) -> None:
    """Create the virtual environment and install the project into it, if not already done."""
    if not PYTHON.exists():
        print("Creating .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    stamp = VENV / f".installed{extras or '[app]'}"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return
    print(f"Installing shared-care triage{extras} into .venv ...", flush=True)
    status = run([str(PYTHON), "-m", "pip", "install", "--quiet", "--editable", f".{extras}"])
    if status:
        sys.exit(status)
    stamp.write_text(wanted)


def run(command: list[str]) -> int:
    print(
        "$",
        " ".join(Path(command[0]).name if i == 0 else part for i, part in enumerate(command)),
        flush=True,
    )
    return subprocess.run(command, cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
