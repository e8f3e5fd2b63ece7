"""A throwaway PostgreSQL server for the tests: initdb into a temporary folder, listen on a free
loopback port, trust authentication, removed afterwards.

Uses the PostgreSQL binaries on PATH or in /usr/lib/postgresql/*/bin. initdb refuses to run as
root, so as root the server runs as the `postgres` system user. TRIAGE_TEST_POSTGRES_URL names
an existing server (a superuser URL) to use instead.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class Unavailable(Exception):
    """Why no server can be had here (the tests that need one are skipped, saying why)."""


@dataclass
class Server:
    admin_url: str  # a superuser connection to the maintenance database
    folder: Path | None = None  # ours to stop and remove; None for an existing server
    _run_as: tuple[str, ...] = ()
    _bin: Path | None = None

    def stop(self) -> None:
        if self.folder is None or self._bin is None:
            return
        subprocess.run(
            [
                *self._run_as,
                str(self._bin / "pg_ctl"),
                "-D",
                str(self.folder / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def _binaries() -> Path:
    on_path = shutil.which("pg_ctl")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    candidates += [
        Path(found) for found in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    ]
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    raise Unavailable(
        "PostgreSQL binaries not found: install postgresql, or set TRIAGE_TEST_POSTGRES_URL"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start() -> Server:
    existing = os.environ.get("TRIAGE_TEST_POSTGRES_URL")
    if existing:
        return Server(existing)
    binaries = _binaries()
    run_as: tuple[str, ...] = ()
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            raise Unavailable(
                "running as root and there is no runuser to start PostgreSQL as 'postgres'"
            )
        run_as = (runuser, "-u", "postgres", "--")
    folder = Path(tempfile.mkdtemp(prefix="triage-pg-"))
    data, port = folder / "data", _free_port()
    try:
        if run_as:
            shutil.chown(folder, user="postgres")  # LookupError: no such user here
        subprocess.run(
            [
                *run_as,
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            capture_output=True,
            check=True,
        )
        subprocess.run(
            [
                *run_as,
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(folder / "server.log"),
                "-o",
                f"-h 127.0.0.1 -p {port} -k {folder} -F",
                "-w",
                "start",
            ],
            capture_output=True,
            check=True,
            timeout=60,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, LookupError) as failure:
        shutil.rmtree(folder, ignore_errors=True)
        raise Unavailable(f"could not start PostgreSQL: {failure}") from None
    return Server(
        f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", folder, run_as, binaries
    )
