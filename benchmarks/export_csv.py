"""Exporting the decision log to CSV: time against a plain csv.writer dump, and peak memory.

What is timed: `triage.services.exports.export_log(..., "csv", ...)` over every decision, which
reads the rows in batches, escapes every cell against formula injection, writes a private temporary
file, hashes it, logs the export and moves it into place. The baseline, measured in the same run on
the same database: the same rows read by the same query in the same batches, written with a plain
csv.writer and nothing else. The ratio export / baseline is the figure to compare between runs (the
aim is at most 2x); the peak memory should stay flat however many rows there are.

The database is synthetic: `--rows` decisions (default 1,000,000), each with a request and three
short letters, inserted directly (building them through the service layer, letters drafted,
would take hours). Run from the repository root:

    .venv/bin/python benchmarks/export_csv.py --rows 1000000
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

from memory import peak_mb
from sqlalchemy import insert

from db.tables import Base, DecisionRow, LetterRow, RequestRow
from triage.clock import SYSTEM_CLOCK
from triage.demo import DEMO_PRACTICE
from triage.models import Action, DecisionFilter, ExportedDecision, LogEvent, Role, Status
from triage.services.exports import export_log
from triage.services.exports.rows import chosen_rows
from triage.services.practice import set_practice_details
from triage.services.workspace import Workspace, open_database_for

CHUNK = 20_000
LETTER = "Dear colleague, we are unable to accept this request; see our reasons. " * 2


def build(path: Path, rows: int) -> None:
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
    tables = Base.metadata.tables
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with database.engine.begin() as connection:
        for first in range(1, rows + 1, CHUNK):
            ids = range(first, min(first + CHUNK, rows + 1))
            connection.execute(
                insert(tables[RequestRow.__tablename__]),
                [_request(i, import_id, start) for i in ids],
            )
            connection.execute(
                insert(tables[DecisionRow.__tablename__]),
                [_decision(i, manager.id, start) for i in ids],
            )
            connection.execute(
                insert(tables[LetterRow.__tablename__]),
                [
                    {"decision_id": i, "kind": kind, "text": f"{LETTER}{i}", "sha256": "0" * 64}
                    for i in ids
                    for kind in ("specialist", "patient", "sms")
                ],
            )
    database.dispose()


def _request(i: int, import_id: int, start: datetime) -> dict[str, object]:
    return {
        "id": i, "sender": "Haematology", "sender_key": "haematology", "ref": f"R{i:07d}",
        "received": start + timedelta(minutes=i), "nhs_number": "9434765919",
        "nhs_number_valid": True, "patient_name": f"=Patient {i}", "date_of_birth": None,
        "requester": "Dr R", "organisation": "Haematology", "provider_type": "nhs",
        "request_type": "new", "medications": [], "diagnosis": "MGUS", "codes": [],
        "declared_category": None, "urgency": "routine", "supply_ends": None,
        "procedure_date": None, "reply_to": None, "text": "Please monitor.", "flags": [],
        "source_file": "synthetic", "source_format": "jsonl", "source_location": f"line {i}",
        "import_id": import_id, "content_sha256": "0" * 64, "status": Status.DECIDED,
        "imported_at": start, "version": 1, "claimed_by_id": None, "claimed_at": None,
    }  # fmt: skip


def _decision(i: int, user_id: int, start: datetime) -> dict[str, object]:
    return {
        "id": i, "request_id": i, "supersedes_id": None, "our_ref": f"SCT-{i:07d}",
        "kind": LogEvent.DECISION, "action": Action.REDIRECT,
        "suggested_action": Action.REDIRECT, "rule_id": "mgus-new", "category": "mgus",
        "reasons": ["specialist_knowledge", "capacity"], "flags": [],
        "redirect_to": "Haematology", "note": "-checked" if i % 7 == 0 else None,
        "policy_id": "weymouth-portland-pcn", "policy_version": "2025-01",
        "policy_sha256": "0" * 64, "decided_by_id": user_id, "role": Role.CLERK,
        "decided_at": start + timedelta(minutes=i, seconds=30), "template_id": "shipped:redirect",
        "template_version": "0" * 16, "letters_edited": False,
    }  # fmt: skip


_ROW_FIELDS = [field.name for field in fields(ExportedDecision) if field.name != "letters"]


def baseline(workspace: Workspace, out: Path) -> int:
    """The same rows, same query and batches, written by a plain csv.writer."""
    count = 0
    with workspace.database.read() as tx, out.open("w", newline="") as file:
        writer = csv.writer(file)
        for row in chosen_rows(tx, DecisionFilter()):
            values = (getattr(row, name) for name in _ROW_FIELDS)
            writer.writerow([*values, *row.letters.values()])
            count += 1
    return count


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.db"
        started = time.perf_counter()
        build(path, args.rows)
        print(f"built {args.rows:,} decisions in {time.perf_counter() - started:.1f} s (not timed)")
        database = open_database_for(str(path))
        with database.read() as tx:
            manager = tx.users.find("manager")
        assert manager is not None
        workspace = Workspace(database, manager)

        started = time.perf_counter()
        plain = baseline(workspace, Path(folder) / "plain.csv")
        plain_seconds = time.perf_counter() - started

        started = time.perf_counter()
        exported = export_log(workspace, "csv", Path(folder) / "export.csv")
        export_seconds = time.perf_counter() - started
        assert exported.rows == plain == args.rows
        size = (Path(folder) / "export.csv").stat().st_size / 1e6

        # Memory, in a second export (tracing allocations slows everything: not timed).
        tracemalloc.start()
        export_log(workspace, "csv", Path(folder) / "traced.csv")
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        database.dispose()
    print(f"plain csv.writer dump: {plain_seconds:7.2f} s  ({plain / plain_seconds:,.0f} rows/s)")
    print(
        f"export (escaped, private, hashed, logged): {export_seconds:7.2f} s  "
        f"({exported.rows / export_seconds:,.0f} rows/s), {size:,.0f} MB"
    )
    print(f"ratio export / plain dump: {export_seconds / plain_seconds:.2f}x (aim: at most 2x)")
    print(
        f"memory: Python allocations peaked at {traced_peak / 1e6:.1f} MB during an export of "
        f"{args.rows:,} rows; process peak {peak_mb():.0f} MB (includes building the database)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
