"""Searching the queue through its index, and paging it by key (issue 16), on SQLite and
PostgreSQL; and the queue screen's search as you type."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from textual.widgets import Input

import screens.queue
import triage.services.queue as queue_service
from db.engine import Database
from screens.app import TriageApp
from tests.conftest import Run
from tests.factories import make_request
from tests.test_screens import PINNED, column, settle, type_into
from triage.cli.render import json_line, queue_item_json
from triage.clock import FixedClock
from triage.demo import DEMO_CLERK, DEMO_MANAGER, DEMO_USERS, build_demo
from triage.models import Patient, QueueQuery, QueueSort, Request, Role, SourceFormat, Status
from triage.services.assignment import assign, assignee_names
from triage.services.queue import QueuePage, queue_page
from triage.services.workspace import Workspace, open_database_for, open_workspace

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
DEMO_GP = DEMO_USERS[1][0]
SAME_TIME = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # many requests arrive in the same minute


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = str(tmp_path / "practice.db")
    else:
        url = request.getfixturevalue("postgres_url")
    database = open_database_for(url, create=True)
    yield database
    database.dispose()


def store(
    database: Database,
    patients: Sequence[tuple[str, str | None, str]],
    supply_ends: Sequence[date | None] = (),
) -> None:
    """Requests with these (ref, patient name, NHS number), several received at the same time,
    and (in turn, if given) these dates their supply ends."""
    with database.write() as tx:
        manager = tx.users.add("manager", Role.MANAGER, None, None, NOW)
        import_id = tx.requests.add_import(
            file_name="test.csv",
            file_sha256="0" * 64,
            source_format=SourceFormat.CSV,
            imported_by=manager,
            imported_at=NOW,
            requests_added=len(patients),
            requests_present=0,
            rows_rejected=0,
        )
        requests = [
            make_request(
                ref=ref,
                received=SAME_TIME + timedelta(minutes=number // 3),
                supply_ends=supply_ends[number % len(supply_ends)] if supply_ends else None,
                patient=Patient(
                    nhs_number=nhs, nhs_number_valid=True, name=name, date_of_birth=None
                ),
            )
            for number, (ref, name, nhs) in enumerate(patients)
        ]
        tx.requests.add(requests, import_id=import_id, imported_at=NOW)


def found(database: Database, search: str) -> list[str]:
    with database.read() as tx:
        return [r.ref for r in tx.requests.page(QueueQuery(search=search, sort=QueueSort.REF))]


PATIENTS = [
    ("RL-4471", "Amelia Whitfield", "9434765919"),
    ("QX-0099", "Oliver Smithson", "4010232137"),
    ("MX-1234", "Priya O'Neill", "9990000018"),
    ("RL-5000", "Olivia Smith", "9990000026"),
]


def test_search_finds_part_of_a_name_a_ref_or_an_nhs_number(database: Database) -> None:
    store(database, PATIENTS)
    assert found(database, "whitf") == ["RL-4471"]
    assert found(database, "SMITH") == ["QX-0099", "RL-5000"]  # any case, anywhere in a name
    assert found(database, "x-00") == ["QX-0099"]  # part of a ref
    assert found(database, "943 476") == ["RL-4471"]  # an NHS number, typed spaced
    assert found(database, "0232") == ["QX-0099"]  # the middle of an NHS number
    assert found(database, "o'ne") == ["MX-1234"]  # an apostrophe is a letter, not syntax
    assert found(database, '"smith" OR x') == []  # FTS syntax is searched for as typed
    assert found(database, "nobody") == []


def test_search_follows_a_corrected_name(database: Database) -> None:
    store(database, PATIENTS)
    with database.write() as tx:
        request = tx.requests.with_ref("RL-4471")[0]
        patient = request.patient.model_copy(update={"name": "Amelia Hartley"})
        tx.requests.complete_details(request.model_copy(update={"patient": patient}))
    assert found(database, "hartl") == ["RL-4471"]
    assert found(database, "whitf") == []


def test_one_or_two_characters_leave_the_queue_as_it_is(database: Database) -> None:
    store(database, PATIENTS)
    everything = found(database, "")
    assert len(everything) == len(PATIENTS)
    assert found(database, "Ol") == everything  # not Oliver and Olivia only: too few to search
    assert found(database, "9 ") == everything
    assert QueueQuery(search=" 94 3 ").searched == "943"


@pytest.mark.parametrize("sort", list(QueueSort))
def test_paging_by_key_forward_and_back_gives_the_rows_in_order_with_ties(
    database: Database, sort: QueueSort
) -> None:
    # Three requests a minute, the same names twice, and two statuses (merged into one order).
    names = ["Ann Able", "ann able", None, "Bob Best", "Ann Able", "Cy Cole"] * 3
    ends = [date(2026, 12, 1), None, date(2026, 11, 20), date(2026, 12, 1)]  # ties and unknowns
    store(
        database,
        [(f"R{n % 7}-{n:02}", name, f"99900000{n:02}") for n, name in enumerate(names)],
        ends,
    )
    with database.write() as tx:
        for request in tx.requests.page(QueueQuery())[::4]:
            tx.requests.set_state(request.id, Status.AWAITING_GP, None, None)
    query = QueueQuery(sort=sort)
    with database.read() as tx:
        whole = [r.id for r in tx.requests.page(query)]
        assert [r.id for r in tx.requests.page(query, limit=5, offset=5)] == whole[5:10]
        pages: list[list[Request]] = [tx.requests.page(query, limit=5)]
        while len(pages[-1]) == 5:
            pages.append(tx.requests.page(query, limit=5, after=pages[-1][-1].id))
        assert [r.id for page in pages for r in page] == whole
        back = [tx.requests.page(query, limit=5, before=page[0].id) for page in pages[1:]]
        assert [[r.id for r in page] for page in back] == [
            [r.id for r in page] for page in pages[:-1]
        ]
        again = tx.requests.page(query, limit=5, starting=pages[2][0].id)
        assert [r.id for r in again] == [r.id for r in pages[2]]
    if sort is QueueSort.OLDEST:
        assert len({r.received for r in pages[0]}) < 5  # the test has ties to keep in order
    if sort is QueueSort.DUE:  # soonest first, a date not known last (never taken as urgent)
        dates = [r.supply_ends for page in pages for r in page]
        known = [d for d in dates if d is not None]
        assert known == sorted(known) and dates[len(known) :] == [None] * (len(dates) - len(known))


def test_the_soonest_due_order_reads_its_index_rather_than_sorting_the_queue(
    database: Database,
) -> None:
    ends = [date(2026, 12, 1), None, date(2026, 11, 20)]
    store(database, [(f"R-{n:03}", f"P {n}", f"99900001{n:02}") for n in range(60)], ends)
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "due_on" in statement and "ORDER BY" in statement:
            statements.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        with database.read() as tx:
            tx.requests.page(QueueQuery(sort=QueueSort.DUE), limit=5)
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)
    assert statements
    statement, parameters = statements[0]
    with database.engine.connect() as connection:
        if database.engine.dialect.name == "sqlite":
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            steps = " / ".join(str(row[-1]) for row in plan)
            # Each status's page along the index; one sort, of those few rows, merges them.
            assert steps.count("USING INDEX ix_requests_due_order") == 2, steps
            assert steps.count("TEMP B-TREE") == 1 and steps.endswith("TEMP B-TREE FOR ORDER BY")
        else:  # a table this small is cheaper to sort: ask whether the index fits at all
            connection.exec_driver_sql("SET enable_seqscan = off")
            connection.exec_driver_sql("SET enable_sort = off")
            plan = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
            steps = " / ".join(str(row[0]) for row in plan)
            assert "ix_requests_due_order" in steps, steps


# --- the whole queue as JSON Lines, read a page at a time ----------------------------------------


@pytest.fixture
def clock() -> FixedClock:
    """The command line's, in this module: the demo's day (suggestions and ages depend on it)."""
    return PINNED


@pytest.mark.parametrize("sort", list(QueueSort))
def test_the_queue_as_json_lines_is_the_same_however_many_pages_it_is_read_in(
    run: Run, monkeypatch: pytest.MonkeyPatch, sort: QueueSort
) -> None:
    """`triage queue --format json` reads the queue a few requests at a time (however long, it
    never holds the whole of it): line for line, byte for byte, what one read of the whole
    queue gives, across pages of two statuses merged, ties, and requests people hold."""
    build_demo(40, clock=PINNED)
    workspace = open_workspace(None, DEMO_MANAGER, demo=True, clock=PINNED)
    try:
        with workspace.database.read() as tx:
            requests = tx.requests.page(QueueQuery())
        for request, person in zip(requests[::5], itertools.cycle((DEMO_CLERK, DEMO_GP))):
            assign(workspace, request.id, person)
        with workspace.database.write() as tx:
            for request in requests[1::3]:
                tx.requests.set_state(request.id, Status.AWAITING_GP, None, None)
        monkeypatch.setattr(queue_service, "STREAM_PAGE", 4)
        listed = run("--demo", "queue", "--format", "json", "--sort", sort.value)
        assert listed.status == 0, listed.err
        whole = queue_page(workspace, QueueQuery(sort=sort), on=PINNED.today())
        names = assignee_names(workspace)
        expected = [json_line(queue_item_json(item, whole.on, names)) for item in whole.items]
        assert listed.out.splitlines() == expected
        assert len(expected) == 40 and {item.request.status for item in whole.items} == {
            Status.OPEN,
            Status.AWAITING_GP,
        }
        assert any(json.loads(line)["assigned_to"] == DEMO_GP for line in expected)
        for limit in ("8", "10"):  # a page's end, and part way through one
            first = run(
                "--demo", "queue", "--format", "json", "--sort", sort.value, "--limit", limit
            )
            assert first.out.splitlines() == expected[: int(limit)]
    finally:
        workspace.close()


# --- the screen -----------------------------------------------------------------------------------


@pytest.fixture
def demo(isolated_home: Path) -> Iterator[Workspace]:
    build_demo(60, clock=PINNED)
    workspace = open_workspace(None, None, demo=True, default_user=DEMO_CLERK, clock=PINNED)
    yield workspace
    workspace.close()


async def test_the_queue_searches_as_you_type_without_enter(demo: Workspace) -> None:
    app = TriageApp(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        name = column(app, "Patient")[7]
        part = name.split()[-1][:4].lower()
        await pilot.press("slash")
        await type_into(pilot, part)
        await pilot.pause(screens.queue.SEARCH_DELAY_SECONDS + 0.1)
        await settle(pilot)
        patients = column(app, "Patient")
        assert name in patients
        assert all(part in patient.lower() for patient in patients)
        assert app.screen.query_one("#search", Input).has_focus  # still typing


async def test_a_search_replaced_by_a_newer_one_is_never_shown(
    demo: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first search is held in its thread until the second has been shown: when it ends,
    the table keeps the second's rows."""
    real = queue_page
    release = threading.Event()

    def slow_for_the_first(*args: object, **kwargs: object) -> QueuePage:
        query = args[1]
        assert isinstance(query, QueueQuery)
        if query.search == "first":
            release.wait(10)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    app = TriageApp(demo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        refs = column(app, "Ref")
        monkeypatch.setattr(screens.queue, "queue_page", slow_for_the_first)
        box = app.screen.query_one("#search", Input)
        box.value = "first"
        await pilot.pause(screens.queue.SEARCH_DELAY_SECONDS + 0.1)
        box.value = refs[3]
        await pilot.pause(screens.queue.SEARCH_DELAY_SECONDS + 0.1)
        for _ in range(100):
            await pilot.pause(0.02)
            if column(app, "Ref") == [refs[3]]:
                break
        assert column(app, "Ref") == [refs[3]]
        release.set()
        await settle(pilot)
        await pilot.pause(0.1)
        assert column(app, "Ref") == [refs[3]]  # not the first search's "nothing matches"


async def test_the_next_and_previous_page_show_the_rows_either_side(
    isolated_home: Path,
) -> None:
    size = screens.queue.PAGE_SIZE
    build_demo(size * 2 + 10, clock=PINNED)
    workspace = open_workspace(None, None, demo=True, default_user=DEMO_CLERK, clock=PINNED)
    try:
        app = TriageApp(workspace)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            first = column(app, "Ref")
            await pilot.press("right_square_bracket")
            await settle(pilot)
            second = column(app, "Ref")
            await pilot.press("right_square_bracket")
            await settle(pilot)
            third = column(app, "Ref")
            counts = str(app.screen.query_one("#counts").render())
            assert counts.startswith(f"{size * 2 + 1:,}–{size * 2 + 10:,} of {size * 2 + 10:,}")
            await pilot.press("left_square_bracket")
            await settle(pilot)
            assert column(app, "Ref") == second
            await pilot.press("left_square_bracket")
            await settle(pilot)
            assert column(app, "Ref") == first
            assert len(set(first + second + third)) == size * 2 + 10
    finally:
        workspace.close()
