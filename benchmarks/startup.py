"""How long a command takes from a cold start, against `python -c pass` in the same run.

Each command runs in a fresh interpreter, as a person typing it would start one, on a small
practice database (the sample requests, under the Dorset policy); the median of `--rounds` runs
is printed beside the baseline's, with the ratio. The aim (issue 18) is 0.3 s for any everyday
command. `--tree` runs another checkout's code instead (a `git worktree` of an earlier revision),
so a change can be measured before and after in one sitting:

    .venv/bin/python benchmarks/startup.py [--rounds 7] [--tree /tmp/before]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from command_line import TRIAGE, environment_in

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "data" / "samples"
COMMANDS = (
    ("--version",),
    ("queue",),
    ("queue", "--format", "json"),
    ("policy", "show"),
    ("log", "verify"),
)


def timed(argv: Sequence[str], tree: Path, environment: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=tree, env=environment, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--tree", type=Path, default=ROOT, help="The checkout whose code runs.")
    args = parser.parse_args(argv)
    tree = args.tree.resolve()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        environment = environment_in(home, tree, TRIAGE_DB=str(home / "practice.db"))
        for setup in (
            ("db", "init"),
            ("policy", "activate", "dorset-gp-alliance"),
            ("import", str(SAMPLES / "requests.csv")),
        ):
            subprocess.run(
                [*TRIAGE, *setup], cwd=tree, env=environment, check=True,
                stdout=subprocess.DEVNULL,
            )  # fmt: skip
        baseline = statistics.median(
            timed([sys.executable, "-c", "pass"], tree, environment) for _ in range(args.rounds)
        )
        print(f"python -c pass: {baseline * 1000:.0f} ms (median of {args.rounds})")
        for command in COMMANDS:
            seconds = statistics.median(
                timed([*TRIAGE, *command], tree, environment) for _ in range(args.rounds)
            )
            print(
                f"triage {' '.join(command)}: {seconds * 1000:.0f} ms, "
                f"{seconds / baseline:.0f}x the baseline"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
