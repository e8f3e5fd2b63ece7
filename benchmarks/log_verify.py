"""Verifying the decision log: `triage log verify` against a plain walk of the same hash chain.

What is timed: `triage.services.log.verify_log`, which walks the chain and compares what every
entry recorded with the tables (each decision, its letters' hashes, the request's identity,
users). The baseline, in the same run on the same database: the same entries read in the same
order, each hash recomputed and compared, nothing else. The ratio verify / baseline is the figure
to compare between runs (the aim is at most 3x); the growth from the first size to the second is
printed, so anything that grows faster than the log shows.

The database is synthetic: each size's decisions, each with a request, three short letters and
its log entry, chained as the program chains them, inserted directly (recording them through the
service layer, letters drafted, would take hours at a million). Run from the repository root:

    .venv/bin/python benchmarks/log_verify.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from export_csv import LETTER, _decision, _request
from sqlalchemy import insert

from db.tables import Base, DecisionRow, LetterRow, LogEntryRow, RequestRow
from triage import audit
from triage.clock import SYSTEM_CLOCK
from triage.models import Action, Decision, LetterKind, LogEvent, Reason, Role
from triage.services.log import verify_log
from triage.services.policy import activate_policy
from triage.services.workspace import Workspace, open_database_for

CHUNK = 10_000


def build(path: Path, rows: int) -> None:
    database = open_database_for(str(path), create=True)
    now = SYSTEM_CLOCK.now()
    with database.write() as tx:
        manager = tx.users.add("manager", Role.MANAGER, None, None, now)
        clerk = tx.users.add("clerk", Role.CLERK, None, None, now)
    # The policy the decisions name must be stored: verify checks it is.
    activated = activate_policy(Workspace(database, manager), "weymouth-portland-pcn")
    policy_sha256 = activated.stored.content_sha256
    with database.write() as tx:
        head = tx.log.head()
        assert head is not None
        seq, prev_hash = head
        import_id = tx.requests.add_import(
            file_name="synthetic", file_sha256="0" * 64, source_format="jsonl",  # type: ignore[arg-type]
            imported_by=clerk, imported_at=now, requests_added=rows, requests_present=0,
            rows_rejected=0,
        )  # fmt: skip
    tables = Base.metadata.tables
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with database.engine.begin() as connection:
        for first in range(1, rows + 1, CHUNK):
            ids = range(first, min(first + CHUNK, rows + 1))
            requests = [_request(i, import_id, start) for i in ids]
            decisions = [
                {**_decision(i, clerk.id, start), "policy_sha256": policy_sha256} for i in ids
            ]
            letters = {i: {kind: f"{LETTER}{i}" for kind in LetterKind} for i in ids}
            connection.execute(insert(tables[RequestRow.__tablename__]), requests)
            connection.execute(insert(tables[DecisionRow.__tablename__]), decisions)
            connection.execute(
                insert(tables[LetterRow.__tablename__]),
                [
                    {
                        "decision_id": i,
                        "kind": kind.value,
                        "text": text,
                        "sha256": audit.text_sha256(text),
                    }
                    for i in ids
                    for kind, text in letters[i].items()
                ],
            )
            entries = []
            for request, decision in zip(requests, decisions, strict=True):
                seq += 1
                body = _body(seq, request, decision, letters[int(str(decision["id"]))])
                text = audit.canonical_json(body)
                entry_hash = audit.chain_hash(prev_hash, text)
                entries.append(
                    {
                        "seq": body["seq"], "at": decision["decided_at"], "event": "decision",
                        "actor": "clerk", "request_id": request["id"],
                        "decision_id": decision["id"], "body": text, "prev_hash": prev_hash,
                        "hash": entry_hash, "db_actor": None, "db_at": None,
                    }
                )  # fmt: skip
                prev_hash = entry_hash
            connection.execute(insert(tables[LogEntryRow.__tablename__]), entries)
    database.dispose()


def _body(
    seq: int, request: dict[str, object], row: dict[str, object], letters: dict[LetterKind, str]
) -> dict[str, object]:
    """The entry `record` would have written for the decision (services/deciding/steps.py)."""
    decided_at = row["decided_at"]
    assert isinstance(decided_at, datetime)
    decision = Decision(
        id=int(str(row["id"])), request_id=int(str(row["request_id"])), our_ref=str(row["our_ref"]),
        kind=LogEvent.DECISION, action=Action.REDIRECT, suggested_action=Action.REDIRECT,
        rule_id="mgus-new", category=None, reasons=(Reason.SPECIALIST_KNOWLEDGE, Reason.CAPACITY),
        flags=(), redirect_to="Haematology", note=row["note"],  # type: ignore[arg-type]
        policy_id="weymouth-portland-pcn", policy_version="2025-01",
        policy_sha256=str(row["policy_sha256"]),
        decided_by="clerk", role=Role.CLERK, decided_at=decided_at,
        template_id="shipped:redirect", template_version="0" * 16, letters_edited=False,
        supersedes_id=None, letters=letters,
    )  # fmt: skip
    hashes = {kind: audit.text_sha256(text) for kind, text in letters.items()}
    return {
        "seq": seq,
        "at": decided_at.isoformat(),
        "event": "decision",
        "actor": "clerk",
        "role": "clerk",
        "request": {
            "id": request["id"],
            "ref": request["ref"],
            "sender": request["sender"],
            "nhs_number": request["nhs_number"],
            "patient_name": request["patient_name"],
            "date_of_birth": None,
        },
        "decision_id": decision.id,
        **audit.decision_details(decision, hashes),
        "category": "mgus",
    }


def baseline(workspace: Workspace) -> int:
    """The same entries, in the same order, each hash recomputed and compared: nothing else."""
    count = 0
    prev_hash = audit.GENESIS
    with workspace.database.read() as tx:
        for entry in tx.log.entries():
            assert entry.prev_hash == prev_hash
            assert audit.chain_hash(prev_hash, entry.body) == entry.hash
            prev_hash = entry.hash
            count += 1
    return count


def measure(rows: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.db"
        started = time.perf_counter()
        build(path, rows)
        print(f"built {rows:,} decisions in {time.perf_counter() - started:.1f} s (not timed)")
        database = open_database_for(str(path))
        with database.read() as tx:
            clerk = tx.users.find("clerk")
        assert clerk is not None
        workspace = Workspace(database, clerk)
        started = time.perf_counter()
        checked = verify_log(workspace)
        verify_seconds = time.perf_counter() - started
        assert checked.verification.ok, checked.verification.described
        started = time.perf_counter()
        assert baseline(workspace) == rows + 1  # and the policy's activation
        baseline_seconds = time.perf_counter() - started
        database.dispose()
    print(
        f"{rows:,} entries: verify {verify_seconds:.2f} s, baseline {baseline_seconds:.2f} s, "
        f"ratio {verify_seconds / baseline_seconds:.1f}x"
    )
    return verify_seconds, baseline_seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args(argv)
    results = [measure(rows) for rows in args.sizes]
    timed = list(zip(args.sizes, (seconds for seconds, _ in results), strict=True))
    for (small, first), (large, second) in itertools.pairwise(timed):
        print(
            f"{small:,} -> {large:,} entries ({large / small:.0f}x): verify took "
            f"{second / first:.1f}x as long"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
