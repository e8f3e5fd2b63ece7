"""Fetching the practice's MESH mailbox: each message is downloaded, imported exactly as
`triage import` imports a file, and only then acknowledged (which removes it from MESH).

A crash at any moment loses nothing and imports nothing twice. Before the import commits, the
message is still in MESH and is downloaded again next time. After it commits but before the
acknowledgement, the next fetch downloads it again, the import recognises its requests (by sender
and ref, as for any file imported twice) and adds nothing, and the message is then acknowledged.

A message that cannot be imported is kept, with a note of why, in the failed folder and then
acknowledged, as `triage watch` moves a refused file aside: left in MESH it would be refused again
on every fetch until MESH gave up on it, and a person has to look at it either way.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from triage import paths
from triage.errors import ProblemsFound
from triage.mesh import Mailbox, MeshSettings, Received, load_settings, open_mailbox
from triage.rules import Permission, require
from triage.safe_text import one_line
from triage.services.importing import ImportSummary, import_files
from triage.services.workspace import Workspace

__all__ = ["Fetched", "MeshFetch", "MeshSettings", "fetch_mesh", "load_settings"]

_DATA = "DATA"  # MESH's type for a message a sender sent; REPORT is MESH's own
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Fetched:
    """What became of one message: imported (with its summary), or kept aside with why."""

    name: str  # mesh:<message id>/<its file name>, as the import records it
    summary: ImportSummary | None
    problem: str | None = None
    kept_at: Path | None = None  # where a message that was not imported was put


@dataclass
class MeshFetch:
    mailbox: str
    failed_folder: Path
    messages: list[Fetched] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(fetched.summary.added for fetched in self.messages if fetched.summary)

    @property
    def already_present(self) -> int:
        return sum(fetched.summary.already_present for fetched in self.messages if fetched.summary)

    @property
    def failed(self) -> int:
        return sum(1 for fetched in self.messages if fetched.summary is None)


def fetch_mesh(
    workspace: Workspace,
    settings: MeshSettings,
    *,
    on_message: Callable[[Fetched], None] | None = None,
) -> MeshFetch:
    """Import and acknowledge every message waiting in the mailbox, oldest first;
    `on_message` hears of each as it is done."""
    require(workspace.user, Permission.IMPORT_REQUESTS)
    incoming = paths.ensure_private_dir(settings.work_folder / "incoming")
    failed = paths.ensure_private_dir(settings.failed_folder)
    fetch = MeshFetch(settings.mailbox, failed)
    with open_mailbox(settings) as mailbox:
        for message_id in mailbox.message_ids():
            received = mailbox.download(message_id, incoming / _file_name(message_id, None))
            fetched = _import(workspace, mailbox, received, failed)
            fetch.messages.append(fetched)
            if on_message is not None:
                on_message(fetched)
    return fetch


def _import(workspace: Workspace, mailbox: Mailbox, received: Received, failed: Path) -> Fetched:
    name = one_line(f"mesh:{received.message_id}/{received.filename or ''}".rstrip("/"))
    if (received.message_type or _DATA).upper() != _DATA:
        about = f" ({received.subject})" if received.subject else ""
        problem = f"a MESH {received.message_type} message, not a request{about}"
        return _set_aside(mailbox, received, name, failed, problem, [])
    try:
        summary = import_files(workspace, [received.path], names=[name])
    except ProblemsFound as problems:
        return _set_aside(mailbox, received, name, failed, str(problems), problems.lines)
    mailbox.acknowledge(received.message_id)  # only now: its requests are saved
    received.path.unlink(missing_ok=True)
    return Fetched(name, summary)


def _set_aside(
    mailbox: Mailbox,
    received: Received,
    name: str,
    failed: Path,
    problem: str,
    lines: Sequence[str],
) -> Fetched:
    """Move the message into the failed folder, with NAME.reason.txt beside it, then
    acknowledge it. Named by its message id, so a message kept again after a stop replaces its
    earlier copy."""
    kept = failed / _file_name(received.message_id, received.filename)
    received.path.replace(kept)
    about = [
        f"{label}: {value}"
        for label, value in (
            ("message", name),
            ("from mailbox", received.sender),
            ("workflow", received.workflow_id),
            ("subject", received.subject),
            ("MESH says", received.status),
        )
        if value
    ]
    descriptor = os.open(
        kept.with_name(kept.name + ".reason.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600
    )
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write("\n".join([problem, *lines, "", *about]) + "\n")
    mailbox.acknowledge(received.message_id)  # only now: it is safe in the failed folder
    return Fetched(name, None, problem, kept)


def _file_name(message_id: str, filename: str | None) -> str:
    """A name for the message's file on our disk. Both parts come from the sender: only safe
    characters are kept, so neither can name another folder."""
    parts = [message_id] + ([Path(filename.replace("\\", "/")).name] if filename else [])
    safe = "-".join(_UNSAFE_IN_NAME.sub("_", part).strip("._")[:100] for part in parts)
    return safe or "message"
