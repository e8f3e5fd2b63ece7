"""What an export stopped part way (killed, or the power cut) left beside its destination, found
and removed by the next export to the same place (docs/reliability.md §3.2).

Only the product's own in-progress output is touched: a name the export gave it,
".NAME.PID.XXXXXXXX.part" beside NAME, a plain file (0600) or folder (0700) of this user's,
whose process has ended. A file of the user's, even one named like that, fails one of these.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path

SUFFIX = ".part"


def in_progress_prefix(destination: Path) -> str:
    """The start of the name of this process's in-progress output for `destination`."""
    return f".{destination.name}.{os.getpid()}."


def remove_leftovers(destination: Path) -> list[str]:
    """Remove what earlier, stopped exports to `destination` left; a note for each removed."""
    if os.name != "posix":  # no way here to tell a stopped export from a running one
        return []
    ours = re.compile(rf"\.{re.escape(destination.name)}\.(\d+)\.[a-z0-9_]{{8}}{re.escape(SUFFIX)}")
    notes = []
    for path in destination.parent.glob(f".{glob_escape(destination.name)}.*{SUFFIX}"):
        found = ours.fullmatch(path.name)
        if found is None or _running(int(found.group(1))):
            continue
        try:
            status = path.lstat()
            if status.st_uid != os.geteuid():
                continue
            mode = stat.S_IMODE(status.st_mode)
            if stat.S_ISREG(status.st_mode) and mode == 0o600:
                path.unlink()
            elif stat.S_ISDIR(status.st_mode) and mode == 0o700:
                shutil.rmtree(path)
            else:
                continue
        except OSError:
            continue  # gone meanwhile, or not ours to remove: left as it is
        notes.append(f"removed {path}, left by an export that was stopped before it finished")
    return notes


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OverflowError:
        return False
    return True
