"""Following up a redirect (issue 17): the redirect records the day by which the service it went
to should confirm taking the patient on; a clerk records the reply; overdue ones are listed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import Run
from tests.test_deciding import set_up_practice
from tests.test_notices import MovingClock

DECIDED = datetime(2025, 2, 3, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(DECIDED)


def follow_ups(run: Run, db: Path, *options: str) -> list[dict[str, object]]:
    listed = run("--db", db, "--user", "cleo", "redirect", "list", *options, "--format", "json")
    assert listed.status == 0, listed.err
    return [json.loads(line) for line in listed.out.splitlines()]


def test_a_redirect_asks_for_confirmation_by_a_date_and_is_listed_once_overdue(
    run: Run, db_path: Path, clock: MovingClock
) -> None:
    set_up_practice(run, db_path)
    decided = run("--db", db_path, "--user", "cleo", "decide", "S04")
    assert decided.status == 0 and "redirect" in decided.out, decided.err
    (s04,) = follow_ups(run, db_path)
    assert (s04["ref"], s04["confirm_by"], s04["overdue"]) == ("S04", "2025-03-03", False)
    assert s04["redirect_to"] == "Local specialist haematology service"
    assert follow_ups(run, db_path, "--overdue") == []

    clock.at = DECIDED + timedelta(days=29)
    (late,) = follow_ups(run, db_path, "--overdue")
    assert late["ref"] == "S04" and late["overdue"] is True
    shown = run("--db", db_path, "--user", "cleo", "redirect", "list").out
    assert "OVERDUE" in shown and "1 redirects; 1 overdue." in shown

    gp = run("--db", db_path, "--user", "gwen", "redirect", "confirm", "S04", "--note", "x")
    assert gp.status == 1 and "only a clerk or a manager may" in gp.err
    confirmed = run(
        "--db", db_path, "--user", "cleo", "redirect", "confirm", str(s04["our_ref"]).lower(),
        "--note", "E-mail from the haematology team, 4 March",
    )  # fmt: skip
    assert confirmed.status == 0 and "took on the patient of S04" in confirmed.out
    (done,) = follow_ups(run, db_path)
    assert done["confirmed_on"] == "2025-03-04" and done["overdue"] is False
    assert follow_ups(run, db_path, "--overdue") == []
    again = run("--db", db_path, "--user", "cleo", "redirect", "confirm", "S04", "--note", "x")
    assert again.status == 1 and "already confirmed on 2025-03-04 by cleo" in again.err
    unknown = run("--db", db_path, "--user", "cleo", "redirect", "confirm", "S01", "--note", "x")
    assert unknown.status == 1 and "no redirect in force waits for this confirmation" in unknown.err
    assert run("--db", db_path, "log", "verify").status == 0


def test_the_rule_sets_how_long_the_service_has_and_only_a_redirect_may(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    from policies import load_shipped_policy

    shipped = load_shipped_policy("weymouth-portland-pcn")
    assert shipped is not None
    quicker = shipped.text.replace('version = "2025-01.2"', 'version = "2025-01.3"').replace(
        'redirect_to = "Local specialist haematology service"\n',
        'redirect_to = "Local specialist haematology service"\nconfirm_within_days = 14\n',
    )
    policy = tmp_path / "quicker.toml"
    policy.write_text(quicker, encoding="utf-8")
    set_up_practice(run, db_path)
    assert run("--db", db_path, "policy", "activate", policy).status == 0
    assert run("--db", db_path, "--user", "cleo", "decide", "S04").status == 0
    (s04,) = follow_ups(run, db_path)
    assert s04["confirm_by"] == "2025-02-17"

    wrong = tmp_path / "wrong.toml"
    wrong.write_text(
        quicker.replace('id = "adhd-new"\n', 'id = "adhd-new"\nconfirm_within_days = 7\n'),
        encoding="utf-8",
    )
    checked = run("--db", db_path, "policy", "check", wrong)
    assert checked.status == 1
    assert (
        "rules[adhd-new].confirm_within_days: only a redirect is confirmed by the service it "
        "went to; this rule's action is 'decline'"
    ) in checked.err
