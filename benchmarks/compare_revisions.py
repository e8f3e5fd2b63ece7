"""Simulate throughput before and after a change, on the same machine in the same run.

    .venv/bin/python benchmarks/compare_revisions.py BASE [--count 30000] [--rounds 3]

BASE is any git revision (a commit, a tag, `HEAD~3`). Its tree is checked out into a temporary
git worktree, and `benchmarks/simulate_throughput.py` is run from it and from this working tree
in turn, alternating, each in a fresh process pinned to one core, so that a busy spell on a
shared machine falls on both. The best µs per request of each, their ratio, and the tokenise
baseline each run measured (which shows whether the machine itself changed speed between runs)
are printed. The base's own benchmark script is used for the base, so the same work is timed as
that revision defined it.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_BEST = re.compile(r"best\s+[\d,]+ requests/s\s+([\d.]+) µs/request")
_TOKENISE = re.compile(r"tokenise\s+best\s+[\d,]+ requests/s\s+([\d.]+) µs/request")


def run(tree: Path, count: int) -> tuple[float, float]:
    """Best µs per request of the simulation, and of the tokenise baseline, in `tree`."""
    result = subprocess.run(
        [sys.executable, "benchmarks/simulate_throughput.py", "--count", str(count)],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    best, tokenise = _BEST.search(result.stdout), _TOKENISE.search(result.stdout)
    if result.returncode != 0 or best is None or tokenise is None:
        raise SystemExit(f"the benchmark failed in {tree}:\n{result.stdout}{result.stderr}")
    return float(best[1]), float(tokenise[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("base", help="the git revision to compare with")
    parser.add_argument("--count", type=int, default=30_000, help="requests per run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each, alternating")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="triage-base-") as folder:
        base = Path(folder) / "tree"
        added = subprocess.run(
            ["git", "worktree", "add", "--detach", str(base), args.base],
            cwd=ROOT,
            check=False,
            capture_output=True,
            text=True,
        )
        if added.returncode != 0:
            reason = (added.stderr.strip().splitlines() or ["git failed"])[-1]
            raise SystemExit(f"compare_revisions: cannot check out {args.base!r}: {reason}")
        try:
            before, after = [], []
            for round_number in range(1, args.rounds + 1):
                before.append(run(base, args.count))
                after.append(run(ROOT, args.count))
                print(
                    f"round {round_number}: before {before[-1][0]:.2f} µs/request "
                    f"(tokenise {before[-1][1]:.2f}), after {after[-1][0]:.2f} µs/request "
                    f"(tokenise {after[-1][1]:.2f})",
                    flush=True,
                )
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, check=False
            )
    best_before = min(seconds for seconds, _ in before)
    best_after = min(seconds for seconds, _ in after)
    print(
        f"\n{args.base}: {best_before:.2f} µs/request ({1e6 / best_before:,.0f}/s); "
        f"this tree: {best_after:.2f} µs/request ({1e6 / best_after:,.0f}/s)\n"
        f"throughput after / before: {best_before / best_after:.2f} "
        f"({(best_before / best_after - 1) * 100:+.0f}%)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
