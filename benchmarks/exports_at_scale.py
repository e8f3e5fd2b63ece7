"""The FHIR and XLSX exports and the monthly report at an ICB's scale, each against a plain
baseline doing the same I/O in the same run on the same database (issue 18).

What is timed, for each size (one synthetic database per size, every decision in one month):

- fhir: `export_log(..., "fhir", ...)`, the decision log as a FHIR R4 Bundle (a Task per
  decision, a Communication per letter), written privately, hashed, logged and moved into place.
  Baseline: the same rows read by the same query in the same batches, each dumped with json.dumps
  as a plain object (its fields and its letters) into one file. Aim: at most 3x.
- xlsx: `export_log(..., "xlsx", ...)`: a sheet of decisions, a sheet of letters, escaped and
  typed as text. Baseline: the same rows, the same sheets and cells (each value as its text)
  appended to a plain openpyxl write-only workbook. Aim: at most 1.5x.
- report: `monthly_report(...)` for the month, to .csv (counts by month, category, action,
  reason and provider type, hand-backs, small counts suppressed; logged). Baseline: one
  GROUP BY of the month's decisions by action, category and provider type (in that order:
  grouped by category first, SQLite walks the category index, twice as slow). Aim: at most 3x.

Each line gives the figure, the baseline, the ratio (the figure to compare between runs: the
machine is shared and noisy; with --repeat N, each side is timed N times, alternately, and the
best of each kept) and the peak of Python allocations in a second, untimed run of the product's
side (tracemalloc slows what it traces); after the sizes, the growth from each size to the next.
The decisions are inserted directly, each with a request and three letters (building them
through the service layer, letters drafted, would take hours). Run from the repository root:

    .venv/bin/python benchmarks/exports_at_scale.py --sizes 10000 100000 [--only fhir] [--repeat 3]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from export_csv import _decision, _request
from openpyxl import Workbook  # imported before the timing starts, for both sides
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import func, insert, select

from db.tables import Base, DecisionRow, LetterRow, RequestRow
from triage.clock import SYSTEM_CLOCK, FixedClock, practice_midnight
from triage.demo import DEMO_PRACTICE
from triage.models import (
    DECIDING_ACTIONS,
    Action,
    Category,
    DecisionFilter,
    ExportedDecision,
    ProviderType,
    Reason,
    Role,
)
from triage.services.exports import export_log, monthly_report
from triage.services.exports.rows import chosen_rows
from triage.services.practice import set_practice_details
from triage.services.workspace import Workspace, open_database_for

CHUNK = 20_000
MONTH = "2025-01"
START = datetime(2025, 1, 1, tzinfo=UTC)
MEASURES = ("fhir", "xlsx", "report")
CATEGORIES = [category.value for category in Category] + ["mixed", "unclassified"]
REASONS = [reason.value for reason in Reason]
PROVIDERS = [provider.value for provider in ProviderType]
SPECIALIST = (
    "Dear colleague,\n\nThank you for your request about this patient. The practice is unable "
    "to take on this shared-care work: it is outside the GP contract and is not funded locally. "
    "Please continue to prescribe and monitor, or ask the ICB to commission the service.\n\n"
    "Yours sincerely,\nThe practice\nRef "
)
PATIENT = (
    "Dear patient,\n\nYour specialist asked us to take over some of your care. We cannot do this "
    "safely at the practice, so your specialist team will keep looking after it. You do not need "
    "to do anything: they will be in touch.\n\nYours sincerely,\nThe practice\nRef "
)
SMS = "The practice: your specialist team will keep managing this medicine. Ref "
LETTERS = (("specialist", SPECIALIST), ("patient", PATIENT), ("sms", SMS))


def build(path: Path, rows: int) -> None:
    """`rows` decisions in January 2025, varied in category, action, reasons and provider."""
    database = open_database_for(str(path), create=True)
    now = SYSTEM_CLOCK.now()
    with database.write() as tx:
        manager = tx.users.add("manager", Role.MANAGER, None, None, now)
        import_id = tx.requests.add_import(
            file_name="synthetic", file_sha256="0" * 64, source_format="jsonl",  # type: ignore[arg-type]
            imported_by=manager, imported_at=now, requests_added=rows, requests_present=0,
            rows_rejected=0,
        )  # fmt: skip
    set_practice_details(Workspace(database, manager), DEMO_PRACTICE, None)
    spacing = max(1, 30 * 86_400 // rows)  # seconds: every decision in the month
    tables = Base.metadata.tables
    with database.engine.begin() as connection:
        for first in range(1, rows + 1, CHUNK):
            ids = range(first, min(first + CHUNK, rows + 1))
            connection.execute(
                insert(tables[RequestRow.__tablename__]),
                [_varied_request(i, import_id, spacing) for i in ids],
            )
            connection.execute(
                insert(tables[DecisionRow.__tablename__]),
                [_varied_decision(i, manager.id, spacing) for i in ids],
            )
            connection.execute(
                insert(tables[LetterRow.__tablename__]),
                [
                    {
                        "decision_id": i,
                        "kind": kind,
                        "text": f"{text}SCT-{i:07d}",
                        "sha256": "0" * 64,
                    }
                    for i in ids
                    for kind, text in LETTERS
                ],
            )
    database.dispose()


def _varied_request(i: int, import_id: int, spacing: int) -> dict[str, object]:
    return {
        **_request(i, import_id, START),
        "received": START + timedelta(seconds=i * spacing - 1),
        # One name in 50 starts like a formula, one in 200 holds a control character.
        "patient_name": f"=Patient {i}" if i % 50 == 0 else f"Patient\x1b {i}" if i % 200 == 7
        else f"Patient {i}",
        "provider_type": PROVIDERS[i % len(PROVIDERS)],
    }  # fmt: skip


def _varied_decision(i: int, user_id: int, spacing: int) -> dict[str, object]:
    action = DECIDING_ACTIONS[i % len(DECIDING_ACTIONS)]
    return {
        **_decision(i, user_id, START),
        "decided_at": START + timedelta(seconds=i * spacing),
        "action": action,
        "category": CATEGORIES[i % len(CATEGORIES)],
        "reasons": [] if action is Action.ACCEPT else REASONS[i % 3 : i % 3 + 1 + i % 2],
        "redirect_to": "Haematology" if action is Action.REDIRECT else None,
    }


# --- the baselines --------------------------------------------------------------------------------

_ROW_FIELDS = [field.name for field in fields(ExportedDecision) if field.name != "letters"]


def _plain(value: object) -> object:
    return value if value is None or isinstance(value, (str, int)) else str(value)


def plain_json(workspace: Workspace, out: Path) -> int:
    """The same rows, query and batches, each a plain object dumped by json.dumps."""
    count = 0
    with workspace.database.read() as tx, out.open("wb") as file:
        for row in chosen_rows(tx, DecisionFilter()):
            record = {name: _plain(getattr(row, name)) for name in _ROW_FIELDS}
            record["letters"] = row.letters
            file.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")
            count += 1
    return count


def plain_openpyxl(workspace: Workspace, out: Path) -> int:
    """The same rows, sheets and cells (each value as its text) in a plain write-only book;
    openpyxl's own pattern takes out the characters it refuses (a name in 200 holds one)."""

    def text(value: object) -> str | None:
        if value is None:
            return None
        text = str(value)
        return text if text.isprintable() else ILLEGAL_CHARACTERS_RE.sub("", text)

    count = 0
    book = Workbook(write_only=True)
    decisions, letters = book.create_sheet("Decisions"), book.create_sheet("Letters")
    decisions.append(_ROW_FIELDS)
    letters.append(("our_ref", "letter", "text"))
    with workspace.database.read() as tx:
        for row in chosen_rows(tx, DecisionFilter()):
            decisions.append([text(getattr(row, name)) for name in _ROW_FIELDS])
            for kind, letter in sorted(row.letters.items()):
                letters.append((row.our_ref, kind, text(letter)))
            count += 1
    book.save(out)
    return count


def one_group_by(workspace: Workspace, out: Path) -> int:
    """The month's decisions counted by action, category and provider type: one GROUP BY."""
    start = practice_midnight(date(2025, 1, 1))
    end = practice_midnight(date(2025, 2, 1))
    groups = (DecisionRow.action, DecisionRow.category, RequestRow.provider_type)
    with workspace.database.engine.connect() as connection:
        counted = connection.execute(
            select(*groups, func.count())
            .join(RequestRow, RequestRow.id == DecisionRow.request_id)
            .where(DecisionRow.decided_at >= start, DecisionRow.decided_at < end)
            .group_by(*groups)
        ).all()
    out.write_text("".join(f"{a},{c},{p},{n}\n" for a, c, p, n in counted))
    return sum(n for *_, n in counted)


# --- the measurements -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    name: str  # as printed: "fhir export"
    baseline_name: str
    product: Callable[[Workspace, Path], int]
    baseline: Callable[[Workspace, Path], int]
    suffix: str


def _export(export_format: str) -> Callable[[Workspace, Path], int]:
    return lambda workspace, out: export_log(workspace, export_format, out).rows


def _report(workspace: Workspace, out: Path) -> int:
    return monthly_report(workspace, MONTH, None, out).rows


MEASURE = {
    "fhir": Measure("fhir export", "plain dump", _export("fhir"), plain_json, ".json"),
    "xlsx": Measure("xlsx export", "plain openpyxl", _export("xlsx"), plain_openpyxl, ".xlsx"),
    "report": Measure("report", "one GROUP BY", _report, one_group_by, ".csv"),
}


@dataclass(frozen=True)
class Result:
    seconds: float
    baseline: float


def measure(rows: int, chosen: Sequence[str], repeat: int) -> dict[str, Result]:
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.db"
        started = time.perf_counter()
        build(path, rows)
        print(f"built {rows:,} decisions in {time.perf_counter() - started:.1f} s (not timed)")
        database = open_database_for(str(path))
        with database.read() as tx:
            manager = tx.users.find("manager")
        assert manager is not None
        # Mid-February: the report's month is over, as when a practice sends it.
        workspace = Workspace(
            database, manager, clock=FixedClock(datetime(2025, 2, 14, tzinfo=UTC))
        )
        for name in chosen:
            what = MEASURE[name]
            baseline_seconds = seconds = float("inf")
            for _ in range(repeat):  # alternately, the best of each: the machine is shared
                started = time.perf_counter()
                assert what.baseline(workspace, Path(folder) / f"plain{what.suffix}") == rows
                baseline_seconds = min(baseline_seconds, time.perf_counter() - started)
                started = time.perf_counter()
                assert what.product(workspace, Path(folder) / f"{name}{what.suffix}") == rows
                seconds = min(seconds, time.perf_counter() - started)
            tracemalloc.start()
            what.product(workspace, Path(folder) / f"traced-{name}{what.suffix}")
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(
                f"{rows:,} decisions: {what.name} {seconds:.2f} s, {what.baseline_name} "
                f"{baseline_seconds:.2f} s, ratio {seconds / baseline_seconds:.1f}x, "
                f"peak {peak / 1e6:.0f} MB",
                flush=True,
            )
            results[name] = Result(seconds, baseline_seconds)
        database.dispose()
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--only", nargs="+", choices=MEASURES, default=list(MEASURES))
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="time each side this many times, alternately: the best",
    )
    args = parser.parse_args(argv)
    results = [(rows, measure(rows, args.only, args.repeat)) for rows in args.sizes]
    for (small, first), (large, second) in itertools.pairwise(results):
        for name in args.only:
            what = MEASURE[name]
            print(
                f"{small:,} -> {large:,} decisions ({large / small:.0f}x): {what.name} took "
                f"{second[name].seconds / first[name].seconds:.1f}x as long, "
                f"{what.baseline_name} {second[name].baseline / first[name].baseline:.1f}x"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
