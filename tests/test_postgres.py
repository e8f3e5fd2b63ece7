"""The same product on PostgreSQL, for practices with several workstations: a real server,
started by the tests."""

from __future__ import annotations

import json
import threading
import time

import pytest

from db import open_database
from tests.conftest import OS_LOGIN, SAMPLES, Run
from tests.test_deciding import PRACTICE, SAMPLE_DAY, queue_for_two_clerks
from triage.clock import Clock
from triage.services.workspace import open_database_for

pytestmark = pytest.mark.postgres
THREE_SAMPLES = [SAMPLES / "requests.csv", SAMPLES / "requests.json", SAMPLES / "requests.jsonl"]
# The FHIR samples that hold requests (the Task and Communication examples are refused).
FHIR_REQUESTS = sorted(
    path
    for path in (SAMPLES / "fhir").iterdir()
    if path.suffix in (".json", ".xml")
    and not {"Task", "Communication"} & set(path.name.split("-"))
)


@pytest.fixture
def clock() -> Clock:
    """Decisions on the day the samples were written for."""
    return SAMPLE_DAY


def refs_and_flags(run: Run, url: str) -> dict[str, list[str]]:
    lines = run("--db", url, "queue", "--format", "json").out.splitlines()
    return {record["ref"]: record["flags"] for record in map(json.loads, lines)}


def test_import_is_idempotent_and_all_or_nothing(run: Run, postgres_url: str) -> None:
    first = run("--db", postgres_url, "import", *THREE_SAMPLES)
    assert first.status == 0, first.err
    assert f"first run: {OS_LOGIN} is now this database's manager" in first.err
    assert "Nothing new" in run("--db", postgres_url, "import", *THREE_SAMPLES).out
    bad = run("--db", postgres_url, "import", SAMPLES / "requests-bad.csv")
    assert bad.status == 1
    flags = refs_and_flags(run, postgres_url)
    assert len(flags) == 16 and flags["S15"] == ["invalid_nhs_number"]


def test_postgres_and_sqlite_give_the_same_queue(
    run: Run, postgres_url: str, db_path: object
) -> None:
    for url in (postgres_url, str(db_path)):
        assert run("--db", url, "import", *THREE_SAMPLES, *FHIR_REQUESTS).status == 0
    keep = (
        "ref",
        "received",
        "nhs_number",
        "date_of_birth",
        "medications",
        "codes",
        "flags",
        "text",
    )

    def comparable(url: str) -> list[dict[str, object]]:
        queue = run("--db", url, "queue", "--status", "all", "--format", "json")
        records = map(json.loads, queue.out.splitlines())
        return [{key: record[key] for key in keep} for record in records]

    assert comparable(postgres_url) == comparable(str(db_path))


def test_db_upgrade_and_a_password_never_shown(run: Run, postgres_url: str) -> None:
    assert "created, schema" in run("--db", postgres_url, "db", "upgrade").out
    assert "up to date" in run("--db", postgres_url, "db", "upgrade").out


def test_two_workstations_starting_together_migrate_once(postgres_url: str) -> None:
    failures: list[BaseException] = []
    barrier = threading.Barrier(4)

    def start_workstation() -> None:
        try:
            barrier.wait()
            open_database_for(postgres_url).dispose()
        except BaseException as failure:  # reported below
            failures.append(failure)

    threads = [threading.Thread(target=start_workstation, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "a workstation is stuck migrating"
    assert failures == []


def test_a_database_holding_other_tables_is_refused(run: Run, postgres_url: str) -> None:
    database = open_database(postgres_url)
    with database.connection(write=True) as connection:
        connection.exec_driver_sql("CREATE TABLE appointments (id integer primary key)")
    database.dispose()
    result = run("--db", postgres_url, "queue")
    assert result.status == 1
    assert "already holds tables that are not this program's (appointments)" in result.err


def test_deciding_on_postgres_keeps_an_append_only_verified_log(
    run: Run, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:

    import sqlalchemy

    assert run("--db", postgres_url, *PRACTICE).status == 0
    assert run("--db", postgres_url, "users", "add", "cleo", "--role", "clerk").status == 0
    assert run("--db", postgres_url, "policy", "activate", "weymouth-portland-pcn").status == 0
    assert run("--db", postgres_url, "import", SAMPLES / "requests.csv").status == 0
    applied = run("--db", postgres_url, "--user", "cleo", "apply")
    assert applied.out.startswith("16 open requests: 1 decline, 2 redirect, 0 accept decided;")
    verified = run("--db", postgres_url, "log", "verify")
    # as on SQLite (tests/test_deciding.py): two first logins, the users added, and 18 more
    assert verified.out.startswith("The decision log verifies: 24 entries; head ")
    engine = sqlalchemy.create_engine(
        postgres_url.replace("postgresql://", "postgresql+psycopg://")
    )
    try:
        for statement in (
            "UPDATE log_entries SET actor = 'someone'",
            "DELETE FROM decisions",
            "TRUNCATE letters CASCADE",
        ):
            with (
                engine.connect() as connection,
                pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"),
            ):
                connection.execute(sqlalchemy.text(statement))
    finally:
        engine.dispose()


def test_two_people_deciding_one_request_at_once_are_taken_in_turn(
    run: Run, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:

    from triage.errors import UserError
    from triage.services.deciding import decide, find_request
    from triage.services.workspace import open_workspace

    queue_for_two_clerks(run, postgres_url)
    clerks = [open_workspace(postgres_url, name, clock=SAMPLE_DAY) for name in ("cleo", "cara")]
    request_id = find_request(clerks[0], "S06").id
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def decide_as(index: int) -> None:
        start.wait()
        try:
            outcomes.append(decide(clerks[index], request_id).our_ref)
        except UserError as refused:
            outcomes.append(str(refused))

    threads = [threading.Thread(target=decide_as, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for workspace in clerks:
        workspace.close()
    assert sorted(outcomes)[0].startswith("S06 is already decided")
    assert sorted(outcomes)[1] == "SCT-000006"
    assert run("--db", postgres_url, "log", "verify").status == 0


def test_exports_and_the_report_on_postgres(
    run: Run, postgres_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    from pathlib import Path

    for args in (
        PRACTICE,
        ("users", "add", "cleo", "--role", "clerk"),
        ("policy", "activate", "weymouth-portland-pcn"),
        ("import", SAMPLES / "requests.csv"),
    ):
        assert run("--db", postgres_url, *args).status == 0
    assert run("--db", postgres_url, "--user", "cleo", "apply").status == 0
    folder = Path(str(tmp_path))
    for name in ("log.csv", "log.jsonl", "log.xlsx", "log.json"):
        result = run("--db", postgres_url, "log", "export", "--out", folder / name)
        assert result.status == 0, result.err
        assert result.out.startswith("Exported 3 decisions")
    report = run(
        "--db", postgres_url, "report", "--month", "2025-02", "--out", folder / "r.csv",
        "--show-small-counts",
    )  # fmt: skip
    assert report.status == 0, report.err
    assert (folder / "r.csv").read_text().splitlines()[-1] == "all,all,all,all,all,3"
    # Over three months, counted by the database month by month (and by reasons, as text).
    quarter = run(
        "--db", postgres_url, "report", "--month", "2025-01", "--to", "2025-03",
        "--out", folder / "q.csv", "--show-small-counts",
    )  # fmt: skip
    assert quarter.status == 0, quarter.err
    rows = [line.split(",") for line in (folder / "q.csv").read_text().splitlines()[1:]]
    totals = [row for row in rows if row[3:5] == ["all", "all"] and row[0] != "all"]
    assert {row[0] for row in totals} == {"2025-02"}
    assert sum(int(row[-1]) for row in totals) == 3
    assert {row[3] for row in rows if row[3] != "all"} - {"none"}  # some decision's reasons
    assert run("--db", postgres_url, "log", "verify").out.startswith(
        "The decision log verifies: 30 entries"  # as above, and the exports and reports
    )


def test_workstations_taking_the_next_request_at_once_each_get_another_without_waiting(
    run: Run, postgres_url: str
) -> None:
    from triage.models import Status
    from triage.services.workspace import open_workspace

    queue_for_two_clerks(run, postgres_url)
    cleo, cara = (open_workspace(postgres_url, name, clock=SAMPLE_DAY) for name in ("cleo", "cara"))
    leases_from = SAMPLE_DAY.now()
    with cleo.database.read() as tx:
        oldest_first = tx.requests.ids(Status.OPEN)
    taken_by_cara: list[int] = []

    def cara_takes_the_next() -> None:
        with cara.database.write() as tx:
            taken = tx.requests.take_open(cara.user, leases_from, limit=1)
            taken_by_cara.extend(request.id for request in taken)

    try:
        with cleo.database.write() as tx:
            taken_by_cleo = tx.requests.take_open(cleo.user, leases_from, limit=1)
            cara_at_work = threading.Thread(target=cara_takes_the_next)
            cara_at_work.start()
            cara_at_work.join(timeout=20)
            waited = cara_at_work.is_alive()  # (she gets S01 once cleo's transaction ends)
    finally:
        cara_at_work.join(timeout=20)
        cleo.close()
        cara.close()
    assert not waited, "cara waited for the request cleo was deciding"
    assert [request.id for request in taken_by_cleo] + taken_by_cara == oldest_first[:2]
