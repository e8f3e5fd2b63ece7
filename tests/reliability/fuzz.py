"""The long fuzz run: `python -m tests.reliability.fuzz --count 10000 [--target NAME]`.

Each target reads COUNT inputs made from the samples (tests/reliability/targets.py); the run
prints, per target, the inputs read, the time taken and the slowest input, and ends with status
1 if any input raised (hypothesis shows the smallest such input)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from tests.reliability.targets import TARGETS, Target


def run(target: Target, count: int, keep_slowest: Path | None = None) -> tuple[int, float, float]:
    """Inputs read, seconds taken, and the slowest input's seconds (its bytes written to
    `keep_slowest`, to look into)."""
    read = 0
    slowest = 0.0

    @settings(
        max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(target.inputs)
    def check(data: bytes) -> None:
        nonlocal read, slowest
        started = time.perf_counter()
        target.check(data)
        took = time.perf_counter() - started
        if took > slowest:
            slowest = took
            if keep_slowest is not None:
                keep_slowest.write_bytes(data)
        read += 1

    started = time.perf_counter()
    check()
    return read, time.perf_counter() - started, slowest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--target", choices=[target.name for target in TARGETS])
    parser.add_argument(
        "--keep-slowest", metavar="FOLDER", type=Path, help="write each target's slowest input here"
    )
    args = parser.parse_args(argv)
    failed = False
    for target in TARGETS:
        if args.target and target.name != args.target:
            continue
        try:
            kept = args.keep_slowest / f"slowest-{target.name}" if args.keep_slowest else None
            read, seconds, slowest = run(target, args.count, kept)
        except Exception as error:  # hypothesis notes the smallest input that fails
            notes = "\n".join(getattr(error, "__notes__", []))
            print(f"{target.name}: FAILED: {type(error).__name__}: {error}\n{notes}", flush=True)
            failed = True
            continue
        print(
            f"{target.name}: {read:,} inputs in {seconds:.0f} s, none raised; "
            f"slowest {slowest:.2f} s",
            flush=True,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
