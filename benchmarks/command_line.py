"""Running `triage` from a benchmark as a practice's script runs it: from the checkout being
measured, with folders of its own (data, state, configuration) and the first manager's
password in a file. Shared by startup.py and queue_json.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# The command line itself, from whichever checkout PYTHONPATH names (--tree).
TRIAGE = [sys.executable, "-c", "from screens.launch import main; main()"]


def environment_in(home: Path, tree: Path, **extra: str) -> dict[str, str]:
    """The environment for `triage` run from `tree`, keeping all it writes under `home`."""
    password = home / "password"
    password.write_text("correct horse battery staple\n", encoding="utf-8")
    password.chmod(0o600)
    return {
        **os.environ,
        "PYTHONPATH": str(tree),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "TRIAGE_PASSWORD_FILE": str(password),  # the first manager's, as a script's
        **extra,
    }
