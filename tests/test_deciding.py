"""Deciding requests through the service layer and the command line: permissions, letters, the
one-transaction rule, and the hash-chained decision log."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, Run, table_count, write_requests_csv
from triage.clock import Clock, FixedClock
from triage.errors import PermissionRefused, UserError
from triage.models import Action, LetterKind, LogEvent, Role
from triage.services.deciding import (
    CLAIM_LEASE,
    Choice,
    claim,
    correct,
    decide,
    find_request,
    flag,
    prepare,
)
from triage.services.log import verify_log
from triage.services.workspace import Workspace, open_workspace

PRACTICE = (
    "practice", "set", "--name", "Harbour Street Surgery", "--ods-code", "y12345",
    "--address", "1 Harbour Street, Weymouth, DT4 0AA", "--phone", "01632 960000",
    "--email", "harbour.street@example.org",
)  # fmt: skip


# Decisions are taken on the day the samples were written for (policy dates, ages, supply).
DECIDED_AT = datetime(2025, 2, 3, 10, 0, tzinfo=UTC)


SAMPLE_DAY = FixedClock(DECIDED_AT)


@pytest.fixture
def clock() -> Clock:
    return SAMPLE_DAY


def queue_for_two_clerks(run: Run, db: str | Path) -> None:
    """The samples queued under the Weymouth policy for two clerks, cleo and cara, to share."""
    for args in (
        PRACTICE,
        ("users", "add", "cleo", "--role", "clerk"),
        ("users", "add", "cara", "--role", "clerk"),
        ("policy", "activate", "weymouth-portland-pcn"),
        ("import", SAMPLES / "requests.csv"),
    ):
        assert run("--db", db, *args).status == 0


def set_up_practice(run: Run, db: str | Path) -> None:
    """The samples queued under the Weymouth policy, with a clerk (cleo) and a GP (gwen), in a
    database its manager has made."""
    for name, role in (("cleo", "clerk"), ("gwen", "gp")):
        assert run("--db", db, "users", "add", name, "--role", role).status == 0
    assert run("--db", db, *PRACTICE).status == 0
    assert run("--db", db, "policy", "activate", "weymouth-portland-pcn").status == 0
    assert run("--db", db, "--user", "cleo", "import", SAMPLES / "requests.csv").status == 0


@pytest.fixture
def practice_db(run: Run, db_path: Path) -> Path:
    """The samples queued under the Weymouth policy, with a clerk and a GP (pat is manager)."""
    set_up_practice(run, db_path)
    return db_path


def workspace(db_path: Path, user: str) -> Workspace:
    return open_workspace(str(db_path), user, clock=SAMPLE_DAY)


def status_of(db_path: Path, ref: str) -> str:
    with sqlite3.connect(db_path) as connection:
        row = connection.execute("SELECT status FROM requests WHERE ref = ?", (ref,)).fetchone()
    return str(row[0])


def counts(db_path: Path) -> tuple[int, int, int]:
    return tuple(table_count(db_path, table) for table in ("decisions", "letters", "log_entries"))  # type: ignore[return-value]


# --- the acceptance path ---------------------------------------------------------------------


def test_apply_decides_the_clear_cut_requests_and_leaves_the_rest_for_a_gp(
    run: Run, practice_db: Path
) -> None:
    dry = run("--db", practice_db, "--user", "cleo", "apply", "--dry-run")
    assert dry.status == 0, dry.err
    assert counts(practice_db)[0] == 0
    applied = run("--db", practice_db, "--user", "cleo", "apply")
    assert applied.status == 0, applied.err
    assert applied.out == dry.out.replace("would be ", "").rstrip("\n") + ".\n"
    # The Weymouth letter redirects MGUS (S04) and bariatric monitoring (S05) and declines the
    # eating-disorder bloods (S06); ADHD and gender dysphoria (S01-S03) need a GP to confirm.
    with sqlite3.connect(practice_db) as connection:
        decided = dict(
            connection.execute(
                "SELECT r.ref, d.action FROM decisions d JOIN requests r ON r.id = d.request_id"
            ).fetchall()
        )
        letters = connection.execute(
            "SELECT d.id, COUNT(l.id) FROM decisions d JOIN letters l ON l.decision_id = d.id "
            "GROUP BY d.id"
        ).fetchall()
        waiting = {
            ref
            for (ref,) in connection.execute("SELECT ref FROM requests WHERE status='awaiting_gp'")
        }
    assert decided == {"S04": "redirect", "S05": "redirect", "S06": "decline"}
    assert [count for _, count in letters] == [3, 3, 3]
    assert waiting == {f"S{number:02d}" for number in range(1, 17)} - set(decided)
    verified = run("--db", practice_db, "log", "verify")
    assert verified.status == 0, verified.err
    # pat's and cleo's first logins (each sets a password), pat added as the first manager
    # and cleo and gwen added, the practice's details, the policy, 3 decisions and 13 requests
    # sent to a GP
    assert verified.out.startswith("The decision log verifies: 25 entries; head ")
    # A rerun finds nothing left to do.
    again = run("--db", practice_db, "--user", "cleo", "apply")
    assert again.out.startswith("0 open requests")


def test_apply_leaves_a_request_a_colleague_holds_and_takes_one_whose_claim_ran_out(
    run: Run, practice_db: Path
) -> None:
    assert run("--db", practice_db, "users", "add", "cara", "--role", "clerk").status == 0
    cara = workspace(practice_db, "cara")
    claim(cara, find_request(cara, "S06").id)  # cara has S06 open on her screen
    cara.close()
    earlier = FixedClock(DECIDED_AT - CLAIM_LEASE - timedelta(minutes=1))
    gwen = open_workspace(str(practice_db), "gwen", clock=earlier)
    claim(gwen, find_request(gwen, "S05").id)  # gwen opened S05, then went home
    gwen.close()
    applied = run("--db", practice_db, "--user", "cleo", "apply")
    assert applied.status == 0, applied.err
    assert applied.out == (
        "16 open requests: 0 decline, 2 redirect, 0 accept decided; 13 sent to a GP; "
        "1 left alone (a colleague is working on them).\n"
    )
    assert (status_of(practice_db, "S06"), status_of(practice_db, "S05")) == ("open", "decided")


def test_without_the_practice_details_nothing_is_decided(run: Run, db_path: Path) -> None:
    assert run("--db", db_path, "policy", "activate", "weymouth-portland-pcn").status == 0
    assert run("--db", db_path, "import", SAMPLES / "requests.csv").status == 0
    assert run("--db", db_path, "users", "add", "cleo", "--role", "clerk").status == 0
    result = run("--db", db_path, "--user", "cleo", "decide", "S04")
    assert result.status == 1
    assert result.err_lines == [
        "triage: error: the practice's details are not set, so no letter can be drafted: a "
        "manager sets them with `triage practice set`"
    ]
    assert table_count(db_path, "decisions") == 0


def test_only_a_manager_sets_the_practice_details(run: Run, practice_db: Path) -> None:
    refused = run("--db", practice_db, "--user", "cleo", *PRACTICE)
    assert refused.status == 1
    assert "only a manager may change the practice's details" in refused.err
    shown = run("--db", practice_db, "practice", "show")
    assert "ODS code:         Y12345" in shown.out


# --- permissions, at the service layer --------------------------------------------------------


def test_a_clerk_cannot_decide_a_request_waiting_for_a_gp(practice_db: Path) -> None:
    clerk = workspace(practice_db, "cleo")
    s07 = find_request(clerk, "S07")  # the Weymouth letter does not cover it: a GP reviews it
    before = counts(practice_db)
    with pytest.raises(PermissionRefused, match="only a GP may decide S07: the policy sends it"):
        decide(clerk, s07.id, Choice(action=Action.DECLINE, note="looks clear to me"))
    flag(clerk, s07.id, "please look at this")
    with pytest.raises(PermissionRefused, match="only a GP may decide S07: it waits for a GP"):
        decide(clerk, s07.id, Choice(action=Action.ACCEPT, note="x"))
    assert counts(practice_db) == (before[0], before[1], before[2] + 1)  # only the flag entry


def test_only_a_gp_confirms_an_equality_sensitive_category(practice_db: Path) -> None:
    clerk, gp = workspace(practice_db, "cleo"), workspace(practice_db, "gwen")
    s03 = find_request(clerk, "S03")  # gender dysphoria: the policy asks a GP to confirm
    with pytest.raises(PermissionRefused, match="the policy says a GP must confirm it"):
        decide(clerk, s03.id)
    with pytest.raises(UserError, match="needs a note"):
        decide(gp, s03.id)
    decision = decide(gp, s03.id, Choice(note="Confirmed; policy applied consistently."))
    assert (decision.kind, decision.action, decision.role) == (
        LogEvent.REVIEW,
        Action.DECLINE,
        Role.GP,
    )
    assert (
        "GP review" in decision.letters[LetterKind.SPECIALIST]
        or "reviewed" in (decision.letters[LetterKind.SPECIALIST])
    )


def test_a_manager_does_not_work_the_queue(practice_db: Path) -> None:
    manager = workspace(practice_db, "pat")
    s06 = find_request(manager, "S06")
    with pytest.raises(PermissionRefused, match="only a clerk or a GP may decide a request"):
        decide(manager, s06.id)


def test_deciding_other_than_suggested_needs_a_reason_and_is_an_override(
    practice_db: Path,
) -> None:
    clerk = workspace(practice_db, "cleo")
    s06 = find_request(clerk, "S06")  # the policy declines it
    with pytest.raises(UserError, match="to accept instead, give a reason"):
        decide(clerk, s06.id, Choice(action=Action.ACCEPT))
    decision = decide(clerk, s06.id, Choice(action=Action.ACCEPT, note="Funded locally."))
    assert (decision.kind, decision.suggested_action, decision.action) == (
        LogEvent.OVERRIDE,
        Action.DECLINE,
        Action.ACCEPT,
    )
    assert decision.note == "Funded locally."


def test_a_decision_is_final_and_a_gp_correction_supersedes_it(practice_db: Path) -> None:
    clerk, gp = workspace(practice_db, "cleo"), workspace(practice_db, "gwen")
    s04 = find_request(clerk, "S04")
    first = decide(clerk, s04.id)
    assert first.our_ref == f"SCT-{s04.id:06d}"
    with pytest.raises(UserError, match="S04 is already decided"):
        decide(clerk, s04.id)
    with pytest.raises(PermissionRefused, match="only a GP may correct a recorded decision"):
        correct(clerk, s04.id, Choice(action=Action.DECLINE, note="wrong service"))
    second = correct(gp, s04.id, Choice(action=Action.DECLINE, note="Wrong service named."))
    assert (second.kind, second.supersedes_id, second.our_ref) == (
        LogEvent.SUPERSEDE,
        first.id,
        f"SCT-{s04.id:06d}-2",
    )
    with gp.database.read() as tx:
        assert [d.id for d in tx.decisions.for_request(s04.id)] == [first.id, second.id]
    assert verify_log(gp).ok


def test_edited_letters_are_recorded_as_edited(practice_db: Path) -> None:
    clerk = workspace(practice_db, "cleo")
    s06 = find_request(clerk, "S06")
    edited = {
        LetterKind.SMS: "Your GP practice has replied to your specialist. Call us: 01632 960000."
    }
    decision = decide(clerk, s06.id, Choice(action=Action.DECLINE, letters=edited))
    assert decision.letters_edited
    assert decision.letters[LetterKind.SMS] == edited[LetterKind.SMS]
    s05 = find_request(clerk, "S05")
    with pytest.raises(UserError, match="at most 306"):
        decide(clerk, s05.id, Choice(action=Action.REDIRECT, letters={LetterKind.SMS: "x" * 307}))
    assert status_of(practice_db, "S05") == "open"


def test_a_colleagues_claim_holds_the_request(practice_db: Path) -> None:
    from triage.services.deciding import claim, release

    clerk, gp = workspace(practice_db, "cleo"), workspace(practice_db, "gwen")
    s06 = find_request(clerk, "S06")
    claim(gp, s06.id)
    with pytest.raises(UserError, match="gwen is working on S06"):
        decide(clerk, s06.id)
    release(clerk, s06.id)  # only the holder's release counts
    with pytest.raises(UserError, match="gwen is working on S06"):
        decide(clerk, s06.id)
    release(gp, s06.id)
    assert decide(clerk, s06.id).action is Action.DECLINE


# --- the decision log -------------------------------------------------------------------------


def test_the_database_refuses_to_change_or_delete_log_rows(practice_db: Path) -> None:
    decide(workspace(practice_db, "cleo"), find_request(workspace(practice_db, "cleo"), "S06").id)
    with sqlite3.connect(practice_db) as connection:
        for statement in (
            "UPDATE log_entries SET actor = 'someone' WHERE seq = 1",
            "DELETE FROM log_entries WHERE seq = 1",
            "UPDATE decisions SET action = 'accept'",
            "DELETE FROM letters",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="is append-only"):
                connection.execute(statement)


def _tampered_copy(source: Path, tmp_path: Path, *statements: str) -> Path:
    copy = tmp_path / "tampered.db"
    shutil.copy(source, copy)
    with sqlite3.connect(copy) as connection:
        for table in ("log_entries", "decisions", "letters"):
            connection.execute(f"DROP TRIGGER {table}_no_update")
            connection.execute(f"DROP TRIGGER {table}_no_delete")
        for statement in statements:
            connection.execute(statement)
    return copy


@pytest.mark.parametrize(
    ("statements", "named"),
    [
        (["UPDATE log_entries SET body = replace(body, 'pat', 'gwen') WHERE seq = 7"],
         "entry 7: its content does not match its hash"),
        (["DELETE FROM log_entries WHERE seq = 7"],
         "entry 8: expected entry 7 next, found 8"),
        (["UPDATE log_entries SET seq = -1 WHERE seq = 7",
          "UPDATE log_entries SET seq = 7 WHERE seq = 8",
          "UPDATE log_entries SET seq = 8 WHERE seq = -1"],
         "entry 7: it does not chain to the entry before"),
        (["UPDATE log_entries SET actor = 'gwen' WHERE seq = 7"],
         "entry 7: its stored actor disagree(s) with what was hashed"),
        (["UPDATE letters SET text = text || ' PS' WHERE kind = 'patient' AND decision_id = 1"],
         "were changed after it was recorded"),
        (["UPDATE decisions SET action = 'accept' WHERE id = 2"],
         "was changed after it was recorded"),
        (["UPDATE letters SET kind = 'memo' WHERE kind = 'sms' AND decision_id = 1"],
         "was changed after it was recorded ('memo' is not a valid LetterKind)"),
        (["UPDATE decisions SET reasons = '[\"bogus\"]' WHERE id = 2"],
         "was changed after it was recorded ('bogus' is not a valid Reason)"),
        (["UPDATE decisions SET note = 'agreed by phone' WHERE id = 2"],
         "was changed after it was recorded (note)"),
        (["UPDATE decisions SET redirect_to = 'someone else', category = 'adhd' WHERE id = 2"],
         "was changed after it was recorded (category, redirect_to)"),
        (["UPDATE decisions SET flags = '[]', decided_by_id = 1 WHERE id = 2"],
         "was changed after it was recorded (actor"),
    ],
)  # fmt: skip
def test_tampering_with_a_copy_makes_verify_fail_and_name_the_entry(
    run: Run, practice_db: Path, tmp_path: Path, statements: list[str], named: str
) -> None:
    assert run("--db", practice_db, "--user", "cleo", "apply").status == 0
    copy = _tampered_copy(practice_db, tmp_path, *statements)
    result = run("--db", copy, "log", "verify")
    assert result.status == 1
    [line] = result.err_lines
    assert line.startswith("triage: error: the decision log does not verify: ")
    assert named in line
    assert run("--db", practice_db, "log", "verify").status == 0  # the original is untouched


def test_every_change_is_a_log_entry_with_who_and_which_policy(practice_db: Path) -> None:
    import json

    clerk = workspace(practice_db, "cleo")
    decision_request = find_request(clerk, "S04")
    decision = decide(clerk, decision_request.id)
    with clerk.database.read() as tx:
        entries = list(tx.log.entries())
    events = [entry.event for entry in entries]
    # pat was recorded as the first manager and logged in (choosing a password), added cleo and
    # gwen, set the practice and activated the policy; cleo logged in likewise to import (the
    # import is not a decision log event), and again here.
    assert events == [
        "user_added", "password_set", "login", "user_added", "user_added",
        "practice_updated", "policy_activated", "password_set", "login", "login", "decision",
    ]  # fmt: skip
    body = json.loads(entries[-1].body)
    assert body["actor"] == "cleo" and body["role"] == "clerk"
    # who the patient is, as decided: a later change to the request's row is then caught
    assert {key: body["request"][key] for key in ("nhs_number", "patient_name")} == {
        "nhs_number": decision_request.patient.nhs_number,
        "patient_name": decision_request.patient.name,
    }
    born = decision_request.patient.date_of_birth
    assert born is not None and body["request"]["date_of_birth"] == born.isoformat()
    assert body["policy"]["id"] == "weymouth-portland-pcn"
    assert body["policy"]["sha256"] == decision.policy_sha256
    assert set(body["letters_sha256"]) == {"specialist", "patient", "sms"}
    assert body["request"]["ref"] == "S04"


def test_a_practice_can_use_its_own_letter_wording(
    run: Run, practice_db: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "our-letters"
    copied = run("--db", practice_db, "practice", "templates", "--out", folder)
    assert copied.status == 0, copied.err
    sms = folder / "decline.sms.j2"
    sms.write_text("Harbour Street Surgery has replied to your specialist. Call 01632 960000.\n")
    assert run("--db", practice_db, "practice", "set", "--letters-dir", folder).status == 0
    assert (
        "Name:             Harbour Street Surgery"
        in run("--db", practice_db, "practice", "show").out
    )
    decided = run("--db", practice_db, "--user", "cleo", "decide", "S06")
    assert decided.status == 0, decided.err
    clerk = workspace(practice_db, "cleo")
    with clerk.database.read() as tx:
        [decision] = tx.decisions.for_request(find_request(clerk, "S06").id)
    assert decision.template_id == "practice:decline"
    assert decision.letters[LetterKind.SMS].startswith("Harbour Street Surgery has replied")


@pytest.mark.parametrize(
    ("folder", "problem"),
    [
        ("no/such/folder", "no such folder of letter templates"),
        ("~no-such-account/letters", "no such home folder"),
    ],
)
def test_a_letters_folder_that_is_not_there_is_one_line(
    run: Run, practice_db: Path, folder: str, problem: str
) -> None:
    result = run("--db", practice_db, "practice", "set", "--letters-dir", folder)
    assert result.status == 1
    assert result.err_lines == [f"triage: error: {folder}: {problem}"]


def test_the_first_practice_details_need_every_field(run: Run, db_path: Path) -> None:
    result = run("--db", db_path, "practice", "set", "--name", "Harbour Street Surgery")
    assert result.status == 2
    assert "give --ods-code, --address, --phone, --email too" in result.err


def test_letters_prints_the_drafts_and_records_nothing(run: Run, practice_db: Path) -> None:
    before = counts(practice_db)
    result = run("--db", practice_db, "--user", "cleo", "letters", "S04")
    assert result.status == 0, result.err
    assert result.out.startswith("SCT-000004, a draft (redirect); nothing recorded\n")
    for title in ("Letter to the specialist", "Letter to the patient", "Text message"):
        assert f"=== {title} " in result.out
    assert "NHS number: 605 236 8500" in result.out  # the sample's number, spaced 3 3 4
    assert counts(practice_db) == before


def capped_dmard_queue(run: Run, db_path: Path, tmp_path: Path) -> None:
    """A practice whose policy accepts one DMARD request a week (then redirects), with two
    DMARD requests, D1 and D2, open; clerk cleo."""
    capped = tmp_path / "capped.toml"
    capped.write_text(
        '[policy]\nid = "capped"\ntitle = "Capped DMARD bloods"\nversion = "1"\n'
        'effective_from = 2025-01-01\nsource = "A test"\n[review]\n'
        '[[rules]]\nid = "dmard-bloods"\ncategory = "dmard"\naction = "accept"\n'
        'capacity = { limit = 1, per = "week" }\nwhen_full = "redirect"\n'
        'redirect_to = "Rheumatology day unit"\nreasons = ["capacity"]\n',
        encoding="utf-8",
    )
    rows = [
        [ref, "2025-01-30", number, "Sam Sample", "1970-01-01", "Dr R", "Rheumatology",
         "methotrexate 15mg weekly", "", "Please take on the monitoring bloods."]
        for ref, number in (("D1", "6557799398"), ("D2", "6221674271"))
    ]  # fmt: skip
    columns = (
        "ref", "received", "nhs_number", "patient_name", "date_of_birth", "requester",
        "organisation", "medications", "diagnosis", "text",
    )  # fmt: skip
    write_requests_csv(tmp_path / "dmard.csv", rows, columns)
    assert run("--db", db_path, *PRACTICE).status == 0
    assert run("--db", db_path, "users", "add", "cleo", "--role", "clerk").status == 0
    assert run("--db", db_path, "policy", "activate", capped).status == 0
    assert run("--db", db_path, "import", tmp_path / "dmard.csv").status == 0


def test_capacity_counts_the_acceptances_recorded(run: Run, db_path: Path, tmp_path: Path) -> None:
    capped_dmard_queue(run, db_path, tmp_path)
    applied = run("--db", db_path, "--user", "cleo", "apply")
    assert applied.status == 0, applied.err
    with sqlite3.connect(db_path) as connection:
        decided = connection.execute(
            "SELECT r.ref, d.action, d.redirect_to FROM decisions d "
            "JOIN requests r ON r.id = d.request_id ORDER BY r.ref"
        ).fetchall()
    assert decided == [("D1", "accept", None), ("D2", "redirect", "Rheumatology day unit")]


def test_letters_edited_for_a_suggestion_that_has_since_changed_are_not_recorded_for_another(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    capped_dmard_queue(run, db_path, tmp_path)
    clerk = workspace(db_path, "cleo")
    d1, d2 = find_request(clerk, "D1"), find_request(clerk, "D2")
    drafted = prepare(clerk, d2.id)  # accept, while the week's one place is free
    assert drafted.action is Action.ACCEPT
    edited = {**drafted.letters.texts(), LetterKind.SMS: "We will do your blood tests."}
    decide(clerk, d1.id)  # takes the place: D2 is now to be redirected
    with pytest.raises(UserError, match="the policy suggests redirect; to accept instead"):
        decide(clerk, d2.id, Choice(action=drafted.action, letters=edited))
    assert status_of(db_path, "D2") == "open"
    with pytest.raises(ValueError, match="the action they were drafted for"):
        Choice(letters=edited)


@pytest.mark.parametrize("changes_sms", [False, True])
def test_decide_edit_records_only_what_the_editor_changed(
    run: Run, practice_db: Path, monkeypatch: pytest.MonkeyPatch, changes_sms: bool
) -> None:
    clerk = workspace(practice_db, "cleo")
    s06 = find_request(clerk, "S06")
    drafts = prepare(clerk, s06.id).letters.texts()
    rewritten = "Your GP practice has replied to your specialist. Call 01632 960000.\n"

    def editor(text: str, extension: str) -> str:  # as an editor saves: a final newline added
        return rewritten if changes_sms and text == drafts[LetterKind.SMS] else text + "\n"

    monkeypatch.setattr("click.edit", editor)
    decided = run("--db", practice_db, "--user", "cleo", "decide", "S06", "--edit")
    assert decided.status == 0, decided.err
    with clerk.database.read() as tx:
        [decision] = tx.decisions.for_request(s06.id)
    expected = {**drafts, LetterKind.SMS: rewritten} if changes_sms else drafts
    assert decision.letters == expected
    assert decision.letters_edited is changes_sms


def test_a_decision_saves_while_the_background_refresh_is_assessing(
    practice_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app refreshes the stored assessments after every start, import and apply (at 100,000
    requests, for about 16 s): a clerk's save must not wait for it, let alone fail with "the
    database is busy". Here the refresh is held in the middle of assessing its batch while the
    clerk decides, with a write wait far shorter than the refresh."""
    import threading

    from triage.services import queue as queue_service

    monkeypatch.setenv("TRIAGE_SQLITE_WAIT_SECONDS", "2")
    assessing, save_done = threading.Event(), threading.Event()
    assess = queue_service._item_for

    def slow_item(*args: object, **kwargs: object) -> object:
        assessing.set()
        save_done.wait(timeout=30)  # as long as the clerk's save takes
        return assess(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(queue_service, "_item_for", slow_item)
    refreshed: list[queue_service.Refreshed] = []
    refresher = threading.Thread(
        target=lambda: refreshed.append(
            queue_service.refresh_assessments(workspace(practice_db, "cleo"))
        )
    )
    refresher.start()
    assert assessing.wait(timeout=30)
    clerk = workspace(practice_db, "cleo")
    try:
        decision = decide(clerk, find_request(clerk, "S04").id)
    finally:
        save_done.set()
        refresher.join(timeout=60)
    assert decision.our_ref and status_of(practice_db, "S04") == "decided"
    assert [done.assessed for done in refreshed] == [16]  # and the refresh finished its work too
