"""Sharing out the work: assigning a request to a clerk or GP, handing it back, each person's and
the team's lists, the queue by due date, and one action on several requests at once."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command

from db import open_database
from db.schema import _alembic_config
from tests.conftest import SAMPLES, Run
from tests.test_deciding import PRACTICE, SAMPLE_DAY, workspace
from triage.clock import Clock
from triage.errors import PermissionRefused, UserError
from triage.models import QueueQuery, QueueSort, Status
from triage.services.assignment import assign, hand_back, team_work
from triage.services.bulk import BulkAction, apply_to_each, listed
from triage.services.deciding import find_request, flag
from triage.services.log import verify_log
from triage.services.queue import queue_page, refresh_assessments


@pytest.fixture
def clock() -> Clock:
    return SAMPLE_DAY


@pytest.fixture
def team_db(run: Run, db_path: Path, tmp_path: Path) -> Path:
    """The samples, with supply dates on three of them and a dose due in one letter's words,
    for two clerks and a GP (pat manages)."""
    with (SAMPLES / "requests.csv").open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    # The samples' day is 2025-02-03: S03 has run out, S02 runs out within a fortnight.
    for ref, ends in (("S01", "2025-03-30"), ("S02", "2025-02-10"), ("S03", "2025-01-30")):
        next(row for row in rows if row["ref"] == ref)["supply_ends"] = ends
    # S08 gives no supply date; its letter says when the next dose is due.
    next(row for row in rows if row["ref"] == "S08")["text"] = (
        "Osteoporosis; 6-monthly denosumab. Her next injection is due on 5 February 2025. "
        "Please take over administration."
    )
    dated = tmp_path / "dated.csv"
    with dated.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    for name, role in (("cleo", "clerk"), ("cara", "clerk"), ("gwen", "gp")):
        assert run("--db", db_path, "users", "add", name, "--role", role).status == 0
    assert run("--db", db_path, *PRACTICE).status == 0
    assert run("--db", db_path, "policy", "activate", "weymouth-portland-pcn").status == 0
    assert run("--db", db_path, "--user", "cleo", "import", dated).status == 0
    return db_path


def refs(db_path: Path, user: str, query: QueueQuery) -> list[str]:
    return [request.ref for request in queue_page(workspace(db_path, user), query).requests]


def test_a_request_assigned_to_a_clerk_is_in_their_work_and_the_teams_counts(
    team_db: Path,
) -> None:
    pat = workspace(team_db, "pat")
    s01 = find_request(pat, "S01")
    assign(pat, s01.id, "cara", "please ring the clinic first")
    cara = workspace(team_db, "cara")
    assert refs(team_db, "cara", QueueQuery(assigned_to_id=cara.user.id)) == ["S01"]
    assert (
        refs(team_db, "cleo", QueueQuery(assigned_to_id=workspace(team_db, "cleo").user.id)) == []
    )
    assert "S01" not in refs(team_db, "cleo", QueueQuery(unassigned=True))
    team = {member.name: member.waiting for member in team_work(pat)}
    assert team["cara"] == 1
    assert team["cleo"] == 0
    assert team["(nobody)"] == 15
    assert "pat" not in team  # a manager is given no work
    assert verify_log(pat).ok


def test_handing_back_needs_a_message_and_the_assignee_or_a_manager(team_db: Path) -> None:
    pat, cara, cleo = (workspace(team_db, name) for name in ("pat", "cara", "cleo"))
    s01 = find_request(pat, "S01")
    assign(pat, s01.id, "cara")
    with pytest.raises(PermissionRefused, match="only they or a manager"):
        hand_back(cleo, s01.id, "not mine either")
    with pytest.raises(UserError, match="say why"):
        hand_back(cara, s01.id, "  ")
    hand_back(cara, s01.id, "I am away tomorrow")
    assert refs(team_db, "cara", QueueQuery(assigned_to_id=cara.user.id)) == []
    with pytest.raises(UserError, match="not assigned"):
        hand_back(cara, s01.id, "again")
    verified = verify_log(pat)
    assert verified.ok


def test_whom_each_role_may_assign_to(team_db: Path) -> None:
    cleo, gwen, pat = (workspace(team_db, name) for name in ("cleo", "gwen", "pat"))
    s01, s02 = find_request(pat, "S01"), find_request(pat, "S02")
    assign(cleo, s01.id, "cara")  # clerks share work among clerks
    with pytest.raises(PermissionRefused, match="flagging"):
        assign(cleo, s02.id, "gwen")  # a clerk sends work to a GP by flagging it
    with pytest.raises(UserError, match="manager"):
        assign(gwen, s02.id, "pat")
    with pytest.raises(UserError, match="no user"):
        assign(gwen, s02.id, "nobody")
    flag(cleo, s02.id, "dose looks high")
    with pytest.raises(UserError, match="waits for a GP"):
        assign(pat, s02.id, "cara")
    assign(pat, s02.id, "gwen")
    assert verify_log(pat).ok


def test_the_due_order_puts_the_soonest_due_first_by_supply_or_letter_and_unknown_dates_last(
    team_db: Path,
) -> None:
    by_due = QueueQuery(sort=QueueSort.DUE)
    # Until the letters are read (with their assessment), the supply dates alone.
    assert refs(team_db, "cleo", by_due)[:3] == ["S03", "S02", "S01"]
    refreshed = refresh_assessments(workspace(team_db, "cleo"))
    assert (refreshed.assessed, refreshed.dates_moved) == (16, 1)
    ordered = refs(team_db, "cleo", by_due)
    assert ordered[:4] == ["S03", "S08", "S02", "S01"]  # S08's letter: due 5 February
    assert len(ordered) == 16  # the undated are listed, after, not dropped
    within = QueueQuery(due_by=SAMPLE_DAY.today().replace(day=17))
    assert sorted(refs(team_db, "cleo", within)) == ["S02", "S03", "S08"]
    next_day = SAMPLE_DAY.today() + timedelta(days=1)
    again = refresh_assessments(workspace(team_db, "cleo"), on=next_day)
    assert (again.assessed, again.dates_moved) == (16, 0)  # assessed daily; dates unmoved


def test_a_practice_upgrading_reads_its_letters_due_dates_again(
    run: Run, team_db: Path, tmp_path: Path
) -> None:
    """Migration 0015, on a database that had been used: every request starts due at its
    supply's end, unread, and the next listing by due date reads the letters."""
    refresh_assessments(workspace(team_db, "cleo"))
    database = open_database(str(team_db))
    with database.connection(write=True) as connection:
        config = _alembic_config(connection)
        command.downgrade(config, "0014")
        command.upgrade(config, "head")
    database.dispose()
    with sqlite3.connect(team_db) as connection:
        rows = connection.execute("SELECT due_on IS supply_ends, due_read FROM requests")
        assert set(rows) == {(1, 0)}
        assert connection.execute("SELECT count(*) FROM assessments").fetchone() == (0,)
    due = run("--db", team_db, "--user", "cara", "queue", "--sort", "due").out
    assert due.index("S03") < due.index("S08") < due.index("S02")
    # The search index's triggers survived: a request imported now is found by its ref.
    later = tmp_path / "later.csv"
    with (SAMPLES / "requests.csv").open(newline="", encoding="utf-8") as file:
        first = next(csv.DictReader(file))
    with later.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(first))
        writer.writeheader()
        writer.writerow({**first, "ref": "LATE-1"})
    assert run("--db", team_db, "--user", "cleo", "import", later).status == 0
    assert refs(team_db, "cleo", QueueQuery(search="late-1")) == ["LATE-1"]


def test_bulk_actions_save_each_request_on_its_own(team_db: Path) -> None:
    cleo = workspace(team_db, "cleo")
    s01, s02, s03 = (find_request(cleo, ref) for ref in ("S01", "S02", "S03"))
    flag(cleo, s02.id, "a GP should see this")
    chosen = [(request.id, request.ref) for request in (s01, s02, s03)]
    outcomes = apply_to_each(cleo, BulkAction.ASSIGN, chosen, assignee="cara", note="yours")
    done = {outcome.ref: outcome.done for outcome in outcomes}
    # S02 waits for a GP: refused on its own; the others were assigned all the same.
    assert done == {"S01": True, "S02": False, "S03": True}
    assert "waits for a GP" in str(outcomes[1])
    cara = workspace(team_db, "cara")
    assert refs(team_db, "cara", QueueQuery(assigned_to_id=cara.user.id)) == ["S01", "S03"]
    with pytest.raises(UserError, match="say why"):
        apply_to_each(cleo, BulkAction.FLAG, chosen)
    assert verify_log(cleo).ok


def test_bulk_record_accepts_each_suggestion_and_reports_the_ones_for_a_gp(team_db: Path) -> None:
    cleo = workspace(team_db, "cleo")
    page = queue_page(cleo, QueueQuery())
    chosen = [(item.request.id, item.request.ref) for item in page.items[:6]]
    outcomes = apply_to_each(cleo, BulkAction.RECORD, chosen)
    assert len(outcomes) == 6
    recorded = [outcome.ref for outcome in outcomes if outcome.done]
    refused = [outcome for outcome in outcomes if not outcome.done]
    assert recorded and refused  # the samples hold both kinds
    assert all("GP" in outcome.said for outcome in refused)
    statuses = {
        item.request.ref: item.request.status
        for item in queue_page(cleo, QueueQuery(statuses=(Status.DECIDED,))).items
    }
    assert sorted(statuses) == sorted(recorded)


def test_a_long_list_of_refs_is_summarised() -> None:
    assert listed(["A", "B"]) == "A, B"
    assert listed([f"R{n}" for n in range(9)]) == "R0, R1, R2, R3, R4 and 4 more"


def test_the_command_line_assigns_lists_my_work_and_hands_back(run: Run, team_db: Path) -> None:
    db = ("--db", team_db)
    assigned = run(*db, "--user", "pat", "assign", "S01", "cara", "--note", "yours")
    assert assigned.status == 0, assigned.err
    assert "S01 is assigned to cara" in assigned.out
    mine = run(*db, "--user", "cara", "queue", "--mine")
    assert "S01" in mine.out
    assert "S02" not in mine.out
    listed = run(*db, "--user", "cara", "queue", "--format", "json").out.splitlines()
    records = {record["ref"]: record for record in map(json.loads, listed)}
    assert records["S01"]["assigned_to"] == "cara" and records["S02"]["assigned_to"] is None
    assert records["S03"]["due"] == {"on": "2025-01-30", "state": "overdue"}
    assert records["S02"]["due"] == {"on": "2025-02-10", "state": "soon"}
    assert records["S08"]["due"] == {"on": "2025-02-05", "state": "soon"}  # from the letter
    team = run(*db, "--user", "pat", "team")
    assert all(len(line) <= 80 for line in team.out.splitlines())
    assert any(line.split()[:3] == ["cara", "(clerk)", "1"] for line in team.out.splitlines())
    refused = run(*db, "--user", "cleo", "assign", "S02", "gwen")
    assert refused.status == 1
    assert refused.err.count("\n") == 1
    assert "flagging" in refused.err
    both = run(*db, "--user", "cara", "queue", "--mine", "--unassigned")
    assert both.status == 1
    assert "choose one" in both.err
    back = run(*db, "--user", "cara", "hand-back", "S01", "--note", "on leave")
    assert back.status == 0, back.err
    # The command line reads the letters' dates itself: nobody has opened the app.
    due = run(*db, "--user", "cara", "queue", "--sort", "due", "--due-within", "14")
    assert due.out.index("S03") < due.out.index("S08") < due.out.index("S02")
    assert "S01" not in due.out
    log = run(*db, "--user", "pat", "log", "verify")
    assert log.status == 0, log.out + log.err


def test_a_manager_chooses_that_the_queue_opens_most_urgent_first(run: Run, team_db: Path) -> None:
    db = ("--db", team_db)
    shipped = run(*db, "--user", "cara", "queue").out
    assert shipped.index("S01") < shipped.index("S03")  # as shipped: the oldest first
    refused = run(*db, "--user", "cara", "practice", "set", "--queue-opens", "due")
    assert refused.status == 1 and refused.err.count("\n") == 1
    chosen = run(*db, "--user", "pat", "practice", "set", "--queue-opens", "due")
    assert chosen.status == 0, chosen.err
    assert "Queue opens:      soonest due first" in run(*db, "practice", "show").out
    queue = run(*db, "--user", "cara", "queue").out
    assert queue.index("S03") < queue.index("S02") < queue.index("S01")  # overdue first
    oldest = run(*db, "--user", "cara", "queue", "--sort", "oldest").out
    assert oldest.index("S01") < oldest.index("S03")  # asked for: the clerk's order
    kept = run(*db, "--user", "pat", "practice", "set", "--phone", "01305 000000")
    assert kept.status == 0, kept.err
    assert "soonest due first" in run(*db, "practice", "show").out  # not reset by other details
    log = run(*db, "--user", "pat", "log", "verify")
    assert log.status == 0, log.out + log.err
