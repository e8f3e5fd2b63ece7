"""The practice the app's benchmarks open: open requests made from the demo's letters, checked
as an import checks them and inserted in bulk, a manager and a clerk, the practice's details
and the Dorset policy in force. Shared by queue_first_frame.py and app_speed.py."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
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
    workspace = set_up_practice(database, clock)
    insert_requests(workspace, demo_requests(count, today))
    return workspace


def set_up_practice(
    database: Database, clock: Clock, policy: str = "dorset-gp-alliance"
) -> Workspace:
    """A manager and a clerk, the practice's details and the policy; the manager's workspace."""
    now = clock.now()
    with database.write() as tx:
        manager = tx.users.add("manager", Role.MANAGER, None, None, now)
        tx.users.add("clerk", Role.CLERK, None, None, now)
    workspace = Workspace(database, manager, clock=clock)
    set_practice_details(workspace, DEMO_PRACTICE, None)
    activate_policy(workspace, policy)
    return workspace


def demo_requests(count: int, today: date) -> Iterator[IncomingRequest]:
    """The demo's requests, checked as an import checks them."""
    for line, record in enumerate(demo_records(count, today=today), start=1):
        checked = check_record(
            RawRecord(Place(line=line), record),
            file="benchmark",
            source_format=SourceFormat.JSONL,
            today=today,
        )
        assert checked.request is not None
        yield checked.request


def insert_requests(workspace: Workspace, requests: Iterable[IncomingRequest]) -> None:
    """The requests stored as an import stores them, BATCH to a transaction."""
    now = workspace.clock.now()
    requests = iter(requests)
    while batch := list(itertools.islice(requests, BATCH)):
        with workspace.database.write() as tx:
            import_id = tx.requests.add_import(
                file_name="benchmark",
                file_sha256="0" * 64,
                source_format=SourceFormat.JSONL,
                imported_by=workspace.user,
                imported_at=now,
                requests_added=len(batch),
                requests_present=0,
                rows_rejected=0,
            )
            tx.requests.add(batch, import_id=import_id, imported_at=now)
