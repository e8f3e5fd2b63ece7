"""`triage queue --format json` over a large queue: time and peak memory against a plain dump.

What is timed: the command itself, `triage --db DB --user manager queue --format json`, run as a
person runs it, in a fresh interpreter (start-up included) with its output written to a file:
every open request read, read for what it is (classified, red flags, dates), the policy in
force applied to it on the day, and printed as one JSON line (docs/cli-output.md). The
baseline, in the same run on the same database, also in a fresh interpreter writing to a file:
the same requests (open and awaiting a GP, oldest first) read by one plain query with Python's
sqlite3 and each row written with json.dumps, nothing else. Each child's peak memory and
processor time are read from the kernel (wait4); with `--repeat N` the two run in turn N times
and the medians are printed. The ratio command / baseline is the figure to compare between runs
(the aim: at most 2x; on a loaded machine the processor times' ratio is the steadier), and the
command's peak memory should stay flat however many requests there are (the growth from the
first size to the next is printed).

Reading and applying the policy cost the same in any implementation, so the time they take alone
is printed too (in this process, over the same requests, not counted in either figure): the
rest of the command's time is what it adds to them.

The practice is benchmarks/practice.py's: the demo's letters checked as an import checks them,
under the Dorset policy (building 100,000 takes a few minutes and is not timed; `--cache DIR`
keeps each database for the next run; `--tree DIR` runs another checkout's code for the command,
a `git worktree` of an earlier revision, so a change can be measured before and after on the
same databases). Run from the repository root:

    .venv/bin/python benchmarks/queue_json.py --sizes 10000 100000 [--repeat 3] [--cache DIR]
        [--tree DIR]
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from command_line import TRIAGE, environment_in

# The program's modules are imported inside the functions that use them: this script is also
# the baseline's process (--plain-dump), which must load nothing but the standard library.

ROOT = Path(__file__).resolve().parent.parent
USER = "manager"
STATUSES = ("open", "awaiting_gp")  # the command's, when none is asked for


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float  # the child's own, user and system: what the machine's load leaves be
    peak_mb: float
    lines: int


def build(path: Path, count: int) -> None:
    """A practice with `count` requests received up to today (benchmarks/practice.py)."""
    from practice import fill_practice

    from triage.clock import SYSTEM_CLOCK
    from triage.services.workspace import open_database_for

    database = open_database_for(str(path), create=True)
    try:
        fill_practice(database, count, today=SYSTEM_CLOCK.today(), clock=SYSTEM_CLOCK)
    finally:
        database.dispose()


def plain_dump(path: str) -> None:
    """The baseline (run in its own process): the same rows by one query, dumped as they are."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    cursor = connection.execute(
        "SELECT * FROM requests WHERE status IN (?, ?) ORDER BY received, id", STATUSES
    )
    names = [column[0] for column in cursor.description]
    write = sys.stdout.write
    for row in cursor:
        write(json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=True) + "\n")
    connection.close()


# Run by a small interpreter of its own: a child's peak memory as the kernel reports it counts
# the memory of the process it was started from, until it replaced that with its own program.
_LAUNCH = """
import os, sys, time
out = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
started = time.perf_counter()
to_out = [(os.POSIX_SPAWN_DUP2, out, 1)]
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ, file_actions=to_out)
_, status, usage = os.wait4(pid, 0)
cpu = usage.ru_utime + usage.ru_stime
print(time.perf_counter() - started, cpu, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def timed(argv: Sequence[str], out: Path, environment: dict[str, str], tree: Path) -> Run:
    """The command run to the end with its output in `out`: wall time and peak memory."""
    launched = subprocess.run(
        [sys.executable, "-c", _LAUNCH, str(out), *argv],
        cwd=tree, env=environment, capture_output=True, text=True, check=True,
    )  # fmt: skip
    seconds, cpu, peak, status = launched.stdout.split()
    if int(status):
        raise SystemExit(f"{' '.join(argv)} failed ({status})")
    with out.open("rb") as file:
        lines = sum(1 for _ in file)
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return Run(float(seconds), float(cpu), int(peak) / scale, lines)


def median(runs: Sequence[Run]) -> Run:
    """Each figure's median over the runs (the peak memory's highest)."""
    return Run(
        statistics.median(run.seconds for run in runs),
        statistics.median(run.cpu_seconds for run in runs),
        max(run.peak_mb for run in runs),
        runs[0].lines,
    )


def assessing_alone(path: Path) -> float:
    """Processor seconds to read and apply the policy to the queue's requests, given them."""
    from triage.models import QueueQuery
    from triage.services.policy import RecordedDecisions, assess, policy_in_force
    from triage.services.workspace import Workspace, open_database_for

    database = open_database_for(str(path))
    try:
        with database.read() as tx:
            user = tx.users.find(USER)
        assert user is not None
        workspace = Workspace(database, user)
        in_force = policy_in_force(workspace)
        assert in_force is not None
        today = workspace.clock.today()
        with database.read() as tx:
            requests = tx.requests.page(QueueQuery())
            recorded = RecordedDecisions(tx)
            assess(requests[0], in_force.loaded.policy, today, recorded)  # its tables built
            started = time.process_time()
            for request in requests:
                assess(request, in_force.loaded.policy, today, recorded)
            return time.process_time() - started
    finally:
        database.dispose()


def measure(count: int, cache: Path | None, tree: Path, repeat: int) -> tuple[Run, Run]:
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        path = home / "practice.db"
        started = time.perf_counter()
        cached = cache / f"queue-{count}-{time.strftime('%Y-%m-%d')}.db" if cache else None
        if cached is not None and cached.exists():
            shutil.copyfile(cached, path)
            path.chmod(0o600)  # as the program keeps it (else it says it made it so)
        else:
            build(path, count)
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, cached)
        print(f"built {count:,} requests in {time.perf_counter() - started:.1f} s (not timed)")
        environment = environment_in(home, tree)
        command = [*TRIAGE, "--db", str(path), "--user", USER, "queue", "--format", "json"]
        # The first login sets the password and keeps a session (not timed).
        subprocess.run(
            [*command, "--limit", "1"], cwd=tree, env=environment, check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        plains, runs = [], []
        plain_dump_command = [sys.executable, __file__, "--plain-dump", str(path)]
        for _ in range(repeat):  # in turn, so that both see the machine's load alike
            plains.append(timed(plain_dump_command, home / "plain.jsonl", environment, tree))
            runs.append(timed(command, home / "queue.jsonl", environment, tree))
        plain, run = median(plains), median(runs)
        if run.lines != plain.lines:
            raise SystemExit(
                f"the command printed {run.lines} requests, the baseline {plain.lines}"
            )
        alone = assessing_alone(path)
    print(
        f"{count:,} requests: queue --format json {run.seconds:.1f} s, "
        f"plain {plain.seconds:.1f} s, ratio {run.seconds / plain.seconds:.1f}x; "
        f"peak {run.peak_mb:,.0f} MB vs {plain.peak_mb:,.0f} MB"
    )
    print(
        f"{count:,} requests: processor time {run.cpu_seconds:.1f} s vs "
        f"{plain.cpu_seconds:.1f} s, ratio {run.cpu_seconds / plain.cpu_seconds:.1f}x"
    )
    print(
        f"{count:,} requests: reading them and applying the policy alone {alone:.1f} s "
        f"of processor time ({alone / count * 1e6:.0f} µs each); the command's less that "
        f"{run.cpu_seconds - alone:.1f} s, {(run.cpu_seconds - alone) / plain.cpu_seconds:.1f}x "
        "plain's"
    )
    return run, plain


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--cache", type=Path, help="keep the built databases here")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each at each size (medians printed)"
    )
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout whose code runs")
    parser.add_argument("--plain-dump", metavar="DB", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.plain_dump:
        plain_dump(args.plain_dump)
        return 0
    tree = args.tree.resolve()
    results = [measure(count, args.cache, tree, args.repeat) for count in args.sizes]
    for (small, (first, _)), (large, (second, _)) in itertools.pairwise(
        zip(args.sizes, results, strict=True)
    ):
        print(
            f"{small:,} -> {large:,} requests ({large / small:.0f}x): queue --format json took "
            f"{second.seconds / first.seconds:.1f}x as long; its peak memory "
            f"{first.peak_mb:,.0f} MB -> {second.peak_mb:,.0f} MB "
            f"({second.peak_mb / first.peak_mb:.1f}x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
