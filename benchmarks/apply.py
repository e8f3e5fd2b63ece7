"""Applying the policy: `triage apply` on clear-cut requests against a plain insert of its rows.

What is timed: `triage.services.deciding.apply_policy` over `--sizes` open requests that the
Dorset policy declines outright (new ADHD, gender-dysphoria, bariatric, eating-disorder and MGUS
requests, written as the demo writes them): each assessed, its three letters drafted, and its
decision, letters and log entry recorded, with SQLite's synchronous=FULL as the product runs it.
The baseline, in the same run on a fresh database of the same schema: the very rows apply wrote
(decisions, letters, log entries, and the requests' new status) inserted with executemany in
transactions of the same size, nothing else. The ratio apply / baseline, in wall time and in
processor time, is the figure to compare between runs (the aim: at least 5,000 decisions/s, at
most 5x); the growth from the first size to the second is printed, so anything that grows faster
than the number of requests shows. Peak memory is counted afresh from just before each side's
work (benchmarks/memory.py), so building the requests is left out. Run from the repository root:

    .venv/bin/python benchmarks/apply.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from memory import peak_mb, reset_peak
from practice import insert_requests, set_up_practice
from sqlalchemy import insert, select, update

from db.engine import Database
from db.tables import Base, DecisionRow, LetterRow, LogEntryRow, RequestRow
from policies.shipped import load_shipped_policy
from triage.clock import PRACTICE_TIME, FixedClock
from triage.demo import demo_records
from triage.errors import Place
from triage.intake.records import RawRecord, check_record
from triage.models import DECIDING_ACTIONS, IncomingRequest, SourceFormat, Status
from triage.services.deciding import apply_policy
from triage.services.policy import assess
from triage.services.workspace import Workspace, open_database_for

TODAY = date(2026, 11, 27)
POLICY = "dorset-gp-alliance"


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float
    peak_mb: float  # the process's, from just before the work to its end


def clear_cut_requests(count: int) -> Iterator[IncomingRequest]:
    """`count` demo requests, checked as an import checks them, that the policy decides without
    a GP: no result, date or wording a GP must see, and no patient twice."""
    loaded = load_shipped_policy(POLICY)
    assert loaded is not None
    made = 0
    patients: set[str] = set()  # one request each: a second from the same team is a repeat
    for line, record in enumerate(demo_records(count * 10, today=TODAY), start=1):
        checked = check_record(
            RawRecord(Place(line=line), record),
            file="benchmark",
            source_format=SourceFormat.JSONL,
            today=TODAY,
        )
        if (
            checked.request is None
            or checked.request.details_needed
            or checked.request.patient.nhs_number in patients
        ):
            continue
        suggested = assess(checked.request, loaded.policy, TODAY).suggested
        if suggested.action not in DECIDING_ACTIONS or suggested.flags:
            continue
        patients.add(checked.request.patient.nhs_number or "")
        yield checked.request
        made += 1
        if made == count:
            return
    raise SystemExit(f"the demo's scenarios gave fewer than {count} clear-cut requests")


def build(path: Path, count: int, clock: FixedClock) -> Workspace:
    """The practice with `count` clear-cut open requests; the clerk's workspace."""
    database = open_database_for(str(path), create=True)
    managing = set_up_practice(database, clock, POLICY)
    insert_requests(managing, clear_cut_requests(count))
    with database.read() as tx:
        clerk = tx.users.find("clerk")
    assert clerk is not None
    return Workspace(database, clerk, clock=clock)


def baseline(applied: Database, copy: Path, batch: int) -> Run:
    """The rows apply wrote, inserted into `copy`, the database as it stood before apply."""
    tables = Base.metadata.tables
    with applied.engine.connect() as connection:
        rows = {
            name: [dict(row._mapping) for row in connection.execute(select(tables[name]))]
            for name in (DecisionRow.__tablename__, LetterRow.__tablename__)
        }
        log_table = tables[LogEntryRow.__tablename__]
        entries = [
            dict(row._mapping)
            for row in connection.execute(
                select(log_table).where(log_table.c.decision_id.is_not(None))
            )
        ]
    fresh = open_database_for(str(copy))
    reset_peak()  # the rows read above are the baseline's input, not its work
    requests_table = tables[RequestRow.__tablename__]
    decisions = rows[DecisionRow.__tablename__]
    letters = defaultdict(list)
    for row in rows[LetterRow.__tablename__]:
        letters[row["decision_id"]].append(row)
    entry_of = {row["decision_id"]: row for row in entries}
    started, cpu_started = time.perf_counter(), time.process_time()
    for first in range(0, len(decisions), batch):
        chunk = decisions[first : first + batch]
        with fresh.engine.begin() as connection:
            connection.execute(insert(tables[DecisionRow.__tablename__]), chunk)
            connection.execute(
                insert(tables[LetterRow.__tablename__]),
                [letter for row in chunk for letter in letters[row["id"]]],
            )
            connection.execute(
                insert(tables[LogEntryRow.__tablename__]),
                [entry_of[row["id"]] for row in chunk],
            )
            connection.execute(
                update(requests_table)
                .where(requests_table.c.id.in_([row["request_id"] for row in chunk]))
                .values(status=Status.DECIDED.value)
            )
    run = Run(time.perf_counter() - started, time.process_time() - cpu_started, peak_mb())
    fresh.dispose()
    return run


def measure(count: int, batch: int) -> tuple[Run, Run]:
    clock = FixedClock(
        datetime.combine(TODAY, datetime.min.time(), PRACTICE_TIME) + timedelta(hours=9)
    )
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        path = Path(folder) / "apply.db"
        workspace = build(path, count, clock)
        workspace.database.dispose()
        copy = Path(folder) / "plain.db"
        shutil.copyfile(path, copy)
        print(f"built {count:,} open requests in {time.perf_counter() - started:.1f} s (not timed)")
        reset_peak()
        started, cpu_started = time.perf_counter(), time.process_time()
        applied = apply_policy(workspace)
        run = Run(time.perf_counter() - started, time.process_time() - cpu_started, peak_mb())
        decided = sum(applied.decided.values())
        if decided != count or applied.sent_to_gp:
            raise SystemExit(f"expected {count} decided, got {applied}")
        plain = baseline(workspace.database, copy, batch)
        workspace.database.dispose()
    print(
        f"{count:,} requests: apply {run.seconds:.2f} s ({count / run.seconds:,.0f} decisions/s, "
        f"{run.cpu_seconds / count * 1000:.2f} ms CPU each); baseline {plain.seconds:.2f} s "
        f"({count / plain.seconds:,.0f}/s); ratio {run.seconds / plain.seconds:.1f}x wall, "
        f"{run.cpu_seconds / plain.cpu_seconds:.1f}x CPU; peak memory {run.peak_mb:,.0f} MB "
        f"applying, {plain.peak_mb:,.0f} MB inserting (the rows held)"
    )
    return run, plain


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument(
        "--baseline-batch", type=int, default=500, help="rows per transaction in the baseline"
    )
    args = parser.parse_args(argv)
    results = [measure(count, args.baseline_batch) for count in args.sizes]
    for (small, (first, _)), (large, (second, _)) in itertools.pairwise(
        zip(args.sizes, results, strict=True)
    ):
        print(
            f"{small:,} -> {large:,} requests ({large / small:.0f}x): apply took "
            f"{second.seconds / first.seconds:.1f}x as long; its peak memory "
            f"{first.peak_mb:,.0f} -> {second.peak_mb:,.0f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
