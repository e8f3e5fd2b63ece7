"""Peak memory as the benchmarks report it: the most this process has had resident (Linux's
VmHWM), which can be started afresh before the work being measured, so that building the test
data, or a baseline's copy of it, is not counted as the program's."""

from __future__ import annotations

import resource
import sys
from pathlib import Path


def reset_peak() -> bool:
    """Count the peak from now on (Linux: writing 5 to clear_refs resets VmHWM); False where
    it cannot be, and the peak stays the whole process's."""
    try:
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    except OSError:
        return False
    return True


def peak_mb() -> float:
    """This process's peak resident memory. VmHWM is this program's own; getrusage's ru_maxrss
    would also count the parent's memory at the fork, kept across the exec."""
    try:
        with Path("/proc/self/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # bytes on macOS, else KB
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
