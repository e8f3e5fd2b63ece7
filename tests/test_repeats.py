"""A team asking again for a patient after the practice said no ("ping-pong", issue 17): the new
request is linked to the earlier one and goes to a GP, whatever the policy would say."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from policies import evaluate, load_shipped_policy
from screens.widgets.request_detail import request_text
from tests.conftest import SAMPLES, Run
from tests.factories import make_request
from tests.test_deciding import DECIDED_AT, SAMPLE_DAY, set_up_practice
from triage.classify import read
from triage.cli.main import main
from triage.clock import Clock, FixedClock
from triage.models import Action, EarlierDecision, Flag, QueueQuery, Request, Status
from triage.services.deciding import Choice, apply_policy, correct, decide, find_request
from triage.services.importing import import_files
from triage.services.log import verify_log
from triage.services.queue import queue_item, queue_page
from triage.services.workspace import open_workspace

LATER = FixedClock(DECIDED_AT + timedelta(days=40))


@pytest.fixture
def clock() -> Clock:
    return SAMPLE_DAY  # the command line's, while the practice is set up


def asked_again(
    db: str, folder: Path, *, days_after: int, organisation: str = "Haematology"
) -> str:
    """The haematology team's MGUS request (S04) again, under a new ref, `days_after` the
    practice decided the first; imported on a later day. Returns the new ref."""
    with (SAMPLES / "requests.csv").open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    first = next(row for row in rows if row["ref"] == "S04")
    ref = f"S04-AGAIN-{days_after}"
    received = (DECIDED_AT + timedelta(days=days_after)).date().isoformat()
    again = {**first, "ref": ref, "received": received, "organisation": organisation}
    path = folder / f"{ref}.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(first))
        writer.writeheader()
        writer.writerow(again)
    next_day = FixedClock(DECIDED_AT + timedelta(days=days_after + 1))
    import_files(open_workspace(db, "cleo", clock=next_day), [path])
    return ref


def run_at(clock: FixedClock, capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    """The command line's output, run on the clock's day."""
    with pytest.raises(SystemExit) as exited:
        main([str(arg) for arg in args], clock=clock)
    assert exited.value.code == 0
    return capsys.readouterr().out


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def declined_s04(request: pytest.FixtureRequest, run: Run, new_db_path: Path) -> str:
    """The samples under the Weymouth policy, with S04 (MGUS, haematology) handed back to the
    specialists as the policy suggests. On SQLite and on PostgreSQL: the database URL."""
    url = str(new_db_path) if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    assert run("--db", url, "db", "init").status == 0
    set_up_practice(run, url)
    clerk = open_workspace(url, "cleo", clock=SAMPLE_DAY)
    decision = decide(clerk, find_request(clerk, "S04").id)
    assert decision.action in (Action.DECLINE, Action.REDIRECT)
    return url


@pytest.mark.parametrize("days_after", [0, 30], ids=["the-same-day", "a-month-later"])
def test_a_team_asking_again_within_six_months_is_linked_and_goes_to_a_gp(
    declined_s04: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], days_after: int
) -> None:
    # The same day: a file gives the date alone (midnight), before the reply's hour.
    ref = asked_again(declined_s04, tmp_path, days_after=days_after)
    clerk = open_workspace(declined_s04, "cleo", clock=LATER)
    item = queue_item(clerk, find_request(clerk, ref).id)
    assert item is not None and item.suggestion is not None
    assert item.request.repeat_of is not None and item.request.repeat_of.ref == "S04"
    assert item.suggestion.action is Action.GP_REVIEW
    assert Flag.REPEAT_REQUEST in item.suggestion.flags
    assert "the same team asked for this patient before: S04 was" in item.suggestion.explanation
    shown = request_text(item.request).plain  # the request screen and the queue's side pane
    earlier = item.request.repeat_of
    said = "declined" if earlier.action is Action.DECLINE else "redirected"
    assert f"Repeat of: S04, {said} on 2025-02-03 ({earlier.our_ref})" in shown
    # Applying the policy leaves it for a GP; the clerk cannot decide it either.
    apply_policy(clerk)
    assert find_request(clerk, ref).status is not Status.DECIDED
    # The command line shows the link.
    listed = run_at(LATER, capsys, "--db", declined_s04, "queue", "--format", "json")
    record = next(json.loads(line) for line in listed.splitlines() if ref in line)
    assert record["repeat_of"]["ref"] == "S04"
    assert record["repeat_of"]["action"] in ("decline", "redirect")
    assert "repeat_request" in record["suggestion"]["flags"]
    assert verify_log(clerk).ok


def test_a_request_sent_twice_and_applied_in_one_go_has_the_second_sent_to_a_gp(
    run: Run, new_db_path: Path, tmp_path: Path
) -> None:
    # Applying the policy decides requests in batches, each one transaction: the copy is in
    # the same batch as the request it repeats, so it is read again once that is decided.
    url = str(new_db_path)
    assert run("--db", url, "db", "init").status == 0
    set_up_practice(run, url)
    ref = asked_again(url, tmp_path, days_after=1)
    clerk = open_workspace(url, "cleo", clock=LATER)
    apply_policy(clerk)
    first, again = find_request(clerk, "S04"), find_request(clerk, ref)
    assert first.status is Status.DECIDED
    assert again.status is Status.AWAITING_GP
    assert again.repeat_of is not None and again.repeat_of.ref == "S04"
    assert verify_log(clerk).ok


@pytest.mark.parametrize(
    ("days_after", "organisation"),
    [(200, "Haematology"), (30, "Rheumatology")],
    ids=["after-six-months", "another-team"],
)
def test_a_later_or_different_teams_request_is_not_a_repeat(
    declined_s04: str, tmp_path: Path, days_after: int, organisation: str
) -> None:
    ref = asked_again(declined_s04, tmp_path, days_after=days_after, organisation=organisation)
    later = FixedClock(DECIDED_AT + timedelta(days=days_after + 2))
    clerk = open_workspace(declined_s04, "cleo", clock=later)
    item = queue_item(clerk, find_request(clerk, ref).id)
    assert item is not None and item.suggestion is not None
    assert item.request.repeat_of is None
    assert Flag.REPEAT_REQUEST not in item.suggestion.flags


def test_a_decision_corrected_to_accept_is_no_longer_a_no(
    declined_s04: str, tmp_path: Path
) -> None:
    gp = open_workspace(declined_s04, "gwen", clock=SAMPLE_DAY)
    s04 = find_request(gp, "S04")
    correct(gp, s04.id, Choice(action=Action.ACCEPT, note="we can monitor this one after all"))
    ref = asked_again(declined_s04, tmp_path, days_after=30)
    clerk = open_workspace(declined_s04, "cleo", clock=LATER)
    page = queue_page(clerk, QueueQuery(search=ref))
    assert [item.request.ref for item in page.items] == [ref]
    assert page.items[0].request.repeat_of is None


def test_the_earlier_decision_is_dated_as_the_practice_saw_it() -> None:
    """A reply recorded at 23:30 UTC on a June evening was made on the next day in England."""
    incoming = make_request(organisation="Haematology", sender="Haematology")
    earlier = EarlierDecision(
        ref="S04",
        action=Action.DECLINE,
        decided_at=datetime(2025, 6, 1, 23, 30, tzinfo=UTC),
        our_ref="SCT-000004",
    )
    request = Request(
        **incoming.model_dump(),
        id=2,
        status=Status.OPEN,
        imported_at=incoming.received,
        repeat_of=earlier,
    )
    shipped = load_shipped_policy("weymouth-portland-pcn")
    assert shipped is not None
    suggestion = evaluate(shipped.policy, request, read(request), date(2025, 6, 10))
    assert suggestion.action is Action.GP_REVIEW
    assert "S04 was declined on 2 June 2025 (SCT-000004)" in suggestion.explanation
