"""The practice the app's benchmarks open: open requests made from the demo's letters, checked
as an import checks them and inserted in bulk, a manager and a clerk, the practice's details
and the Dorset policy in force. Shared by queue_first_frame.py and app_speed.py."""

from __future__ import annotations

from datetime import date

from db.engine import Database
from triage.clock import Clock
from triage.demo import DEMO_PRACTICE, demo_records
from triage.errors import Place
from triage.intake.records import RawRecord, check_record
from triage.models import IncomingRequest, Role, SourceFormat
from triage.services.policy import activate_policy
from triage.services.practice import set_practice_details
from triage.services.workspace import Workspace

BATCH = 5_000  # requests inserted in one transaction


def fill_practice(database: Database, count: int, *, today: date, clock: Clock) -> Workspace:
    """`count` open requests received up to `today`; returns the manager's workspace."""
    now = clock.now()
    with database.write() as tx:
        manager = tx.users.add("manager", Role.MANAGER, None, None, now)
        tx.users.add("clerk", Role.CLERK, None, None, now)
    workspace = Workspace(database, manager, clock=clock)
    set_practice_details(workspace, DEMO_PRACTICE, None)
    activate_policy(workspace, "dorset-gp-alliance")
    batch: list[IncomingRequest] = []
    for line, record in enumerate(demo_records(count, today=today), start=1):
        checked = check_record(
            RawRecord(Place(line=line), record),
            file="benchmark",
            source_format=SourceFormat.JSONL,
            today=today,
        )
        assert checked.request is not None
        batch.append(checked.request)
        if len(batch) == BATCH or line == count:
            with database.write() as tx:
                import_id = tx.requests.add_import(
                    file_name="benchmark",
                    file_sha256="0" * 64,
                    source_format=SourceFormat.JSONL,
                    imported_by=manager,
                    imported_at=now,
                    requests_added=len(batch),
                    requests_present=0,
                    rows_rejected=0,
                )
                tx.requests.add(batch, import_id=import_id, imported_at=now)
            batch = []
    return workspace
