"""Hold a database's write lock as a person would, until told to let go: what a long save (a
big import, a hung workstation) looks like to everyone else.

    python -m tests.reliability.holder --db PATH --user NAME

Logs in as NAME (TRIAGE_PASSWORD_FILE), begins a write transaction, prints "holding since
HH:MM" once the lock is ours, and rolls back when a line (or end of file) arrives on stdin.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from db.busy import HolderNote
from triage.services.workspace import open_workspace


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--user", required=True)
    arguments = parser.parse_args(argv)
    workspace = open_workspace(arguments.db, arguments.user)
    try:
        with workspace.database.write() as tx:
            tx.practice.get()  # a write transaction: the lock is ours from its BEGIN
            holder = HolderNote(Path(str(workspace.database.url.database))).read()
            assert holder is not None, "the note names whoever holds the lock"
            print(f"holding since {holder.since.astimezone():%H:%M}", flush=True)
            sys.stdin.readline()
            raise _LetGo
    except _LetGo:
        return 0
    finally:
        workspace.close()


class _LetGo(Exception):
    """Leave the transaction without saving anything."""


if __name__ == "__main__":
    sys.exit(main())
