"""The practice's MESH mailbox settings: a TOML file (docs/import-formats.md, "MESH").

The password and the shared key are secrets, so they are read from files named in the settings
(or from environment variables, for a service manager's secret store), never from the command
line, where any user of the machine could read them in the process list.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from policies.bounds import bounds_problem
from triage import paths
from triage.errors import UserError

PASSWORD_VARIABLE = "TRIAGE_MESH_PASSWORD"  # noqa: S105 (the name of a variable)
SHARED_KEY_VARIABLE = "TRIAGE_MESH_SHARED_KEY"
_MAX_SETTINGS_BYTES = 64 * 1024
_MAX_SECRET_BYTES = 4096
_KEYS = frozenset(
    {
        "url",
        "mailbox",
        "password_file",
        "shared_key_file",
        "client_certificate",
        "client_key",
        "ca_bundle",
        "workflows",
        "failed_folder",
    }
)


@dataclass(frozen=True)
class MeshSettings:
    url: str
    mailbox: str
    password: str = field(repr=False)
    shared_key: str = field(repr=False)
    client_certificate: Path
    client_key: Path
    ca_bundle: Path | None  # None: the NHS's own bundle for its endpoints, else the system's
    workflows: tuple[str, ...]  # fetch only these workflows; empty: every message
    work_folder: Path  # messages on their way in, and (unless failed_folder says) those refused
    failed_folder: Path
    notices: tuple[str, ...] = ()  # what the person should be told (a secret others can read)


def load_settings(path: Path | None) -> MeshSettings:
    """Read and check the settings file (by default mesh.toml in the user's settings folder)."""
    path = paths.expand_user(path) if path is not None else paths.mesh_settings_path()
    table = _read_table(path)
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise UserError(
            f"{path}: unknown setting {', '.join(unknown)} (known: {', '.join(sorted(_KEYS))})"
        )
    folder = path.parent
    notices: list[str] = []
    url = _url(path, _text(path, table, "url"))
    mailbox = _text(path, table, "mailbox").upper()
    password = _secret(path, table, folder, "password_file", PASSWORD_VARIABLE, notices)
    shared_key = _secret(path, table, folder, "shared_key_file", SHARED_KEY_VARIABLE, notices)
    for name, value in (("password", password), ("shared key", shared_key)):
        if not value.isascii():
            raise UserError(f"{path}: the MESH {name} must be plain ASCII, as MESH issues them")
    work_folder = paths.mesh_dir()
    failed = table.get("failed_folder")
    return MeshSettings(
        url=url,
        mailbox=mailbox,
        password=password,
        shared_key=shared_key,
        client_certificate=_existing_file(path, folder, table, "client_certificate"),
        client_key=_existing_file(path, folder, table, "client_key"),
        ca_bundle=(
            _existing_file(path, folder, table, "ca_bundle") if "ca_bundle" in table else None
        ),
        workflows=_workflows(path, table),
        work_folder=work_folder,
        failed_folder=(
            _relative(folder, _text(path, table, "failed_folder"))
            if failed is not None
            else work_folder / "failed"
        ),
        notices=tuple(notices),
    )


def _read_table(path: Path) -> dict[str, object]:
    try:
        if path.stat().st_size > _MAX_SETTINGS_BYTES:
            raise UserError(f"{path}: too large for a settings file")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(
            f"no MESH settings at {path}: write them there, or name the file with --settings "
            "(see the MESH section of docs/import-formats.md)"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"cannot read the MESH settings {path}: {_reason(error)}") from None
    # Bounded as a policy is: the TOML parser recurses per bracket (docs/reliability.md §3.4).
    too_much = bounds_problem(text, str(path), "a settings file")
    if too_much is not None:
        raise UserError(str(too_much))
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{path}: not valid TOML: {error}") from None


def _text(path: Path, table: Mapping[str, object], key: str) -> str:
    value = table.get(key)
    if value is None:
        raise UserError(f"{path}: {key} is missing")
    if not isinstance(value, str) or not value.strip():
        raise UserError(f"{path}: {key} must be a non-empty string")
    return value.strip()


def _url(path: Path, url: str) -> str:
    # MESH carries patient letters: only ever over TLS, with the client certificate.
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise UserError(
            f"{path}: url must be an https:// address, e.g. https://msg.intspineservices.nhs.uk"
        )
    return url.rstrip("/")


def _relative(folder: Path, value: str) -> Path:
    """A path from the settings: ~ expanded, and relative to the settings file's folder."""
    return folder / paths.expand_user(Path(value))


def _existing_file(path: Path, folder: Path, table: Mapping[str, object], key: str) -> Path:
    file = _relative(folder, _text(path, table, key))
    if not file.is_file():
        raise UserError(f"{path}: {key}: no such file {file}")
    return file


def _secret(
    path: Path,
    table: Mapping[str, object],
    folder: Path,
    key: str,
    variable: str,
    notices: list[str],
) -> str:
    from_environment = os.environ.get(variable)
    if from_environment:
        return from_environment.strip()
    if key not in table:
        raise UserError(f"{path}: {key} is missing (or set {variable})")
    file = _existing_file(path, folder, table, key)
    try:
        status = file.stat()
        if status.st_size > _MAX_SECRET_BYTES:
            raise UserError(f"{path}: {key}: {file} is too large to hold a MESH secret")
        secret = file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"{path}: {key}: cannot read {file}: {_reason(error)}") from None
    if not secret:
        raise UserError(f"{path}: {key}: {file} is empty")
    if os.name != "nt" and stat.S_IMODE(status.st_mode) & 0o077:
        notices.append(f"{file} can be read by other users: chmod 600 it")
    return secret


def _workflows(path: Path, table: Mapping[str, object]) -> tuple[str, ...]:
    value = table.get("workflows", [])
    if not isinstance(value, list) or not all(
        isinstance(item, str) and item.strip() for item in value
    ):
        raise UserError(f"{path}: workflows must be a list of MESH workflow ids")
    return tuple(item.strip() for item in value)


def _reason(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return "not UTF-8 text"
    return error.strerror if isinstance(error, OSError) and error.strerror else str(error)
