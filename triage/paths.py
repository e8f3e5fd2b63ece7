"""Where the program keeps its files (platformdirs): one private folder per user account."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import platformdirs

from triage.errors import UserError

APP_NAME = "shared-care-triage"


def data_dir() -> Path:
    """The user's data folder, e.g. ~/.local/share/shared-care-triage on Linux."""
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def default_database_path() -> Path:
    return data_dir() / "triage.db"


def demo_database_path() -> Path:
    """The demo's own database, so demo data never mixes with real patients."""
    return data_dir() / "demo.db"


def config_dir() -> Path:
    """The user's settings folder, e.g. ~/.config/shared-care-triage on Linux."""
    return platformdirs.user_config_path(APP_NAME, appauthor=False)


def mesh_settings_path() -> Path:
    """Where `triage mesh fetch` looks for its settings unless told otherwise."""
    return config_dir() / "mesh.toml"


def mesh_dir() -> Path:
    """MESH messages on their way in (downloaded, not yet imported) and those that failed."""
    return data_dir() / "mesh"


def sessions_dir() -> Path:
    """Where the command line keeps each person's logins between commands (private)."""
    return platformdirs.user_state_path(APP_NAME, appauthor=False) / "sessions"


def expand_user(path: Path) -> Path:
    """The path with a leading ~ or ~name expanded, as a shell would."""
    try:
        return path.expanduser()
    except RuntimeError:  # ~name of no such account, or no home folder at all
        raise UserError(f"{path}: no such home folder") from None


def crash_report_dir() -> Path:
    return platformdirs.user_log_path(APP_NAME, appauthor=False)


def ensure_private_dir(path: Path) -> Path:
    """Create the folder readable by its owner only (0700), or tighten it if it is wider."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name != "nt" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o700)
    return path
