"""The practice's NHS MESH mailbox: its settings and the mailbox itself (docs/import-formats.md,
"MESH"). No database here: services/mesh.py imports what arrives and then acknowledges it."""

from triage.mesh.mailbox import Mailbox, MeshUnavailable, Received, open_mailbox
from triage.mesh.settings import MeshSettings, load_settings

__all__ = [
    "Mailbox",
    "MeshSettings",
    "MeshUnavailable",
    "Received",
    "load_settings",
    "open_mailbox",
]
