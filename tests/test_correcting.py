"""A GP's correction of a recorded decision (its letters say what they replace) and a request's
history (every note, flag, claim and decision, and the other requests for the patient)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, Run
from tests.test_deciding import DECIDED_AT, PRACTICE, SAMPLE_DAY, workspace
from triage.clock import Clock, FixedClock
from triage.errors import PermissionRefused
from triage.letters import Replaced, copy_shipped_templates, replacement_notices
from triage.models import Action, LetterKind
from triage.services.deciding import CLAIM_LEASE, Choice, claim, correct, decide, find_request, flag
from triage.services.history import request_history
from triage.services.log import verify_log
from triage.services.workspace import open_workspace


@pytest.fixture
def clock() -> Clock:
    return SAMPLE_DAY


@pytest.fixture
def practice_db(run: Run, db_path: Path) -> Path:
    """The samples queued under the Weymouth policy, with a clerk and a GP."""
    for name, role in (("cleo", "clerk"), ("gwen", "gp")):
        assert run("--db", db_path, "users", "add", name, "--role", role).status == 0
    assert run("--db", db_path, *PRACTICE).status == 0
    assert run("--db", db_path, "policy", "activate", "weymouth-portland-pcn").status == 0
    assert run("--db", db_path, "--user", "cleo", "import", SAMPLES / "requests.csv").status == 0
    return db_path


def test_a_correction_s_letters_say_which_letter_they_replace(practice_db: Path) -> None:
    clerk, gp = workspace(practice_db, "cleo"), workspace(practice_db, "gwen")
    s04 = find_request(clerk, "S04")
    first = decide(clerk, s04.id)
    second = correct(gp, s04.id, Choice(action=Action.ACCEPT, note="Funded locally after all."))
    specialist = second.letters[LetterKind.SPECIALIST]
    assert (
        f"This letter replaces our letter of 3 February 2025 (our reference {first.our_ref}) "
        "about this request. That decision has been corrected: please disregard that letter "
        "and act on this one only." in specialist
    )
    # Under the letterhead, before the letter itself.
    assert specialist.index("replaces our letter") < specialist.index("Dear colleague")
    patient = second.letters[LetterKind.PATIENT]
    assert (
        f"This letter replaces our letter of 3 February 2025 (our reference {first.our_ref})"
        in (patient)
    )
    assert "Please ignore that letter" in patient
    assert second.letters[LetterKind.SMS].startswith("This replaces our earlier message. ")
    assert len(second.letters[LetterKind.SMS]) <= 306
    # The earlier letters are kept exactly as they were sent, and the log still verifies.
    with gp.database.read() as tx:
        kept = tx.decisions.for_request(s04.id)
    assert [decision.letters for decision in kept] == [first.letters, second.letters]
    assert "replaces" not in first.letters[LetterKind.SPECIALIST]
    assert verify_log(gp).ok


def test_a_practice_template_without_the_notice_still_gets_it_first(
    practice_db: Path, run: Run, tmp_path: Path
) -> None:
    folder = tmp_path / "letters"
    copy_shipped_templates(folder)
    (folder / "_specialist.j2").write_text(
        (folder / "_specialist.j2").read_text().replace("{{ replaces.notice }}", ""),
        encoding="utf-8",
    )
    assert run("--db", practice_db, *PRACTICE, "--letters-dir", folder).status == 0
    clerk, gp = workspace(practice_db, "cleo"), workspace(practice_db, "gwen")
    s04 = find_request(clerk, "S04")
    first = decide(clerk, s04.id)
    second = correct(gp, s04.id, Choice(action=Action.ACCEPT, note="Funded locally."))
    specialist = second.letters[LetterKind.SPECIALIST]
    assert specialist.startswith(replacement_notices_for(first.our_ref)[LetterKind.SPECIALIST])


def replacement_notices_for(our_ref: str) -> dict[LetterKind, str]:
    return replacement_notices(Replaced(our_ref, DECIDED_AT.date()))


def test_a_clerk_cannot_correct(practice_db: Path) -> None:
    clerk = workspace(practice_db, "cleo")
    s04 = find_request(clerk, "S04")
    decide(clerk, s04.id)
    with pytest.raises(PermissionRefused, match="only a GP may correct a recorded decision"):
        correct(clerk, s04.id, Choice(action=Action.ACCEPT, note="wrong"))


def test_the_history_holds_every_note_flag_and_decision(practice_db: Path) -> None:
    clerk, gp = workspace(practice_db, "cleo"), workspace(practice_db, "gwen")
    s04 = find_request(clerk, "S04")
    flag(clerk, s04.id, "Patient says the clinic agreed\nto keep prescribing [bold]x[/bold]")
    decide(gp, s04.id, Choice(action=Action.DECLINE, note="Clinic keeps it."))
    correct(gp, s04.id, Choice(action=Action.ACCEPT, note="Funded locally."))
    history = request_history(clerk, s04.id)
    said = [(entry.who, entry.what, entry.note) for entry in history.entries]
    assert said[0][1].startswith("imported, from ")
    assert said[1:] == [
        (
            "cleo",
            "sent to a GP",
            "Patient says the clinic agreed\nto keep prescribing [bold]x[/bold]",
        ),
        ("gwen", f"decided by a GP: decline (SCT-{s04.id:06d})", "Clinic keeps it."),
        ("gwen", f"corrected by a GP: accept (SCT-{s04.id:06d}-2)", "Funded locally."),
    ]
    assert [decision.action for decision in history.decisions] == [Action.DECLINE, Action.ACCEPT]


def test_triage_history_prints_the_notes_and_decisions_and_names_a_missing_ref(
    practice_db: Path, run: Run
) -> None:
    clerk = workspace(practice_db, "cleo")
    s04 = find_request(clerk, "S04")
    flag(clerk, s04.id, "Supply ends Friday\x1b[31m")
    shown = run("--db", practice_db, "--user", "gwen", "history", "S04")
    assert shown.status == 0
    lines = shown.out.splitlines()
    assert lines[0] == "S04 from Haematology: awaiting_gp"
    assert lines[2] == "2025-02-03 10:00 cleo: sent to a GP"
    assert lines[3].startswith("  note: Supply ends Friday") and "\x1b" not in shown.out
    assert lines[-1] == "No other requests for this NHS number."
    missing = run("--db", practice_db, "history", "S99")
    assert (missing.status, missing.err.strip()) == (1, "triage: error: no request with ref 'S99'")


def test_the_history_says_who_is_working_on_a_request_until_the_claim_runs_out(
    practice_db: Path,
) -> None:
    clerk = workspace(practice_db, "cleo")
    s05 = find_request(clerk, "S05")
    claim(workspace(practice_db, "gwen"), s05.id)
    held = [(e.who, e.what) for e in request_history(clerk, s05.id).entries]
    assert held[-1] == ("gwen", "being worked on (claimed)")
    later = FixedClock(DECIDED_AT + CLAIM_LEASE + timedelta(minutes=1))
    after = open_workspace(str(practice_db), "cleo", clock=later)
    lapsed = [e.what for e in request_history(after, s05.id).entries]
    after.close()
    assert "being worked on (claimed)" not in lapsed


@pytest.mark.postgres
def test_a_correction_and_the_history_on_postgres(run: Run, postgres_url: str) -> None:
    for args in (
        PRACTICE,
        ("users", "add", "cleo", "--role", "clerk"),
        ("users", "add", "gwen", "--role", "gp"),
        ("policy", "activate", "weymouth-portland-pcn"),
        ("import", SAMPLES / "requests.csv"),
        ("--user", "cleo", "decide", "S04"),
        ("--user", "gwen", "correct", "S04", "--action", "accept", "--note", "Funded locally."),
    ):
        assert run("--db", postgres_url, *args).status == 0, args
    shown = run("--db", postgres_url, "history", "S04").out
    assert "decided as the policy suggested: " in shown
    assert "corrected by a GP: accept" in shown and "  note: Funded locally." in shown
    letters = run("--db", postgres_url, "letters", "S04").out
    assert "This letter replaces our letter of 3 February 2025 (our reference SCT-" in letters
    assert run("--db", postgres_url, "log", "verify").out.startswith("The decision log verifies")
