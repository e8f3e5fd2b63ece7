"""Every figure of the speed table (issue 18) in one command: each benchmark script in turn, at
two sizes (and a third for verifying the log and exporting it), each printing its figures
beside a baseline measured in the same run, the ratio, and the growth from one size to the next.
Each script runs in its own process, whose peak memory is printed after its figures.

    .venv/bin/python benchmarks/run_all.py                      # 10,000 and 100,000; 1,000,000
    .venv/bin/python benchmarks/run_all.py --sizes 1000 10000 --largest 0   # a quick look

The full run takes a few hours on the project's 2-core machine (most of it building the
synthetic databases, which is not timed). benchmarks/README.md records the figures.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Scale:
    sizes: list[int]  # every script's two sizes
    largest: int  # a third for verifying and exporting the log (0: none)
    rounds: int  # start-up runs of each command

    def with_largest(self) -> list[str]:
        return ["--sizes", *map(str, [*self.sizes, *([self.largest] if self.largest else [])])]

    def two(self) -> list[str]:
        return ["--sizes", *map(str, self.sizes)]


@dataclass(frozen=True)
class Row:
    work: str  # the row of the table
    script: str
    arguments: Callable[[Scale], list[str]]


ROWS = (
    Row("any command, from a cold start", "startup.py", lambda s: ["--rounds", str(s.rounds)]),
    Row("triage apply, clear-cut requests", "apply.py", Scale.two),
    Row("triage log verify", "log_verify.py", Scale.with_largest),
    Row("triage import, CSV rows", "import_csv.py", Scale.two),
    Row(
        "triage log export --format fhir",
        "exports_at_scale.py",
        lambda s: [*Scale.with_largest(s), "--only", "fhir"],
    ),
    Row(
        "triage log export --format xlsx, triage report (one month)",
        "exports_at_scale.py",
        lambda s: [*Scale.two(s), "--only", "xlsx", "report"],
    ),
    Row("triage queue --format json, time and memory", "queue_json.py", Scale.two),
    # Requests per second does not depend on how many: one size, the larger.
    Row(
        "triage policy simulate", "simulate_throughput.py", lambda s: ["--count", str(s.sizes[-1])]
    ),
)


def run(row: Row, arguments: list[str]) -> int:
    """The script's output as it comes, then its peak memory; its exit status."""
    print(f"\n## {row.work}: {row.script} {' '.join(arguments)}", flush=True)
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, str(HERE / row.script), *arguments], cwd=HERE.parent)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    minutes = (time.perf_counter() - started) / 60
    print(
        f"(peak memory of the whole script {usage.ru_maxrss / 1024:,.0f} MB; "
        f"{minutes:.1f} min in all, building included)",
        flush=True,
    )
    return child.returncode


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs=2, default=[10_000, 100_000])
    parser.add_argument(
        "--largest",
        type=int,
        default=1_000_000,
        help="the third size for verifying and exporting the log (0: none)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="start-up runs of each command")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=sorted({row.script for row in ROWS}),
        help="these scripts alone",
    )
    args = parser.parse_args(argv)
    scale = Scale(args.sizes, args.largest, args.rounds)
    failed = []
    for row in ROWS:
        if args.only and row.script not in args.only:
            continue
        if run(row, row.arguments(scale)):
            failed.append(row.script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
