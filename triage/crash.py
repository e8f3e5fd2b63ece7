"""Our own bugs: a crash report the user can send us, instead of a traceback on the screen."""

from __future__ import annotations

import os
import sys
import traceback
from datetime import datetime

from triage import __version__, paths


def write_crash_report(bug: BaseException) -> str | None:
    """Write the traceback to a file only the user can read (it may quote patient data); its
    path, or None if even that failed."""
    try:
        folder = paths.ensure_private_dir(paths.crash_report_dir())
        path = folder / f"crash-{datetime.now():%Y%m%d-%H%M%S-%f}.txt"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(f"triage {__version__}\n{' '.join(sys.argv)}\n\n")
            file.write("".join(traceback.format_exception(bug)))
        return str(path)
    except OSError:
        return None
