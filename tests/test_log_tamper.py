"""Every way of tampering with the decision log in docs/reliability.md §4, each made with plain
SQL on a copy of a practice's SQLite file, and shown to be caught by `triage log verify` (with
`--against` a signed checkpoint where only an anchor can tell): exit status 1, one line naming
the first bad entry or what differs. Then the checkpoints themselves: round trip, wrong key,
altered and malformed files."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import OS_LOGIN, PASSWORD, Run
from tests.test_deciding import PRACTICE, SAMPLE_DAY
from triage import audit
from triage.cli import main
from triage.clock import Clock

TRIGGERS = [f"{table}_no_{change}" for table in ("log_entries", "decisions", "letters")
            for change in ("update", "delete")]  # fmt: skip
# pat, cleo and gwen added; the practice; the policy; apply: 3 decisions, 13 flags; each of the
# three's first login (choosing a password) and their login on the test's copy
ENTRIES = 30
CLEO_ADDED = 4  # the entry that made cleo a clerk


@pytest.fixture
def clock() -> Clock:
    return SAMPLE_DAY


def _triage(*args: str | Path) -> None:
    with pytest.raises(SystemExit) as exited:
        main([str(arg) for arg in args], clock=SAMPLE_DAY)
    assert exited.value.code == 0, args


@pytest.fixture(scope="module")
def decided(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples under the Weymouth policy, applied by the clerk cleo (gwen is a GP, pat the
    manager): built once, copied by each test."""
    folder = tmp_path_factory.mktemp("decided")
    db = folder / "practice.db"
    with pytest.MonkeyPatch.context() as patch:
        for variable in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
            patch.setenv(variable, str(folder / variable))
        for variable in ("LOGNAME", "USER", "LNAME", "USERNAME"):
            patch.setenv(variable, OS_LOGIN)
        for variable in ("TRIAGE_DB", "TRIAGE_USER", "TRIAGE_LOG_KEY"):
            patch.delenv(variable, raising=False)
        password_file = folder / "password"  # each person's first login chooses it
        password_file.write_text(PASSWORD + "\n", encoding="utf-8")
        password_file.chmod(0o600)
        patch.setenv("TRIAGE_PASSWORD_FILE", str(password_file))
        _triage("--db", db, "db", "init")
        _triage("--db", db, "users", "add", "cleo", "--role", "clerk")
        _triage("--db", db, "users", "add", "gwen", "--role", "gp")
        _triage("--db", db, *PRACTICE)
        _triage("--db", db, "policy", "activate", "weymouth-portland-pcn")
        _triage(
            "--db",
            db,
            "--user",
            "cleo",
            "import",
            Path(__file__).parent / "data/samples/requests.csv",
        )
        _triage("--db", db, "--user", "cleo", "apply")
        _triage("--db", db, "--user", "gwen", "review")  # gwen's first login: her password
    return db


@pytest.fixture
def db(decided: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    copy = tmp_path / "practice.db"
    shutil.copy(decided, copy)
    for person in (OS_LOGIN, "cleo", "gwen"):  # each logs in on this copy, as the tests act
        _triage("--db", copy, "--user", person, "queue")
    capsys.readouterr()  # what they saw is not what a test's command prints
    return copy


@pytest.fixture
def anchored(run: Run, db: Path, tmp_path: Path) -> Path:
    """The folder the practice keeps its checkpoints in, holding one of the log as decided."""
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    result = run("--db", db, "log", "anchor", "--out", folder)
    assert result.status == 0, result.err
    return folder


def tamper(db: Path, *statements: str) -> None:
    """Change the file as someone with the file and the sqlite3 program could: the append-only
    triggers dropped first, foreign keys off (sqlite3's default)."""
    with sqlite3.connect(db) as connection:
        for trigger in TRIGGERS:
            connection.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for statement in statements:
            connection.execute(statement)


def rewrite_chain(
    db: Path,
    change: Callable[[int, dict[str, object]], dict[str, object] | None],
    *,
    start: int = 1,
) -> None:
    """Rewrite the log from entry `start` and recompute every hash after it, as someone who knows
    how the chain is made would: `change` returns an entry's new body, or None to drop it."""
    tamper(db)
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT seq, at, body, prev_hash FROM log_entries ORDER BY seq"
        ).fetchall()
        connection.execute("DELETE FROM log_entries WHERE seq >= ?", (start,))
        prev_hash, seq = audit.GENESIS, 0
        for old_seq, at, text, old_prev in rows:
            if old_seq < start:
                prev_hash, seq = audit.chain_hash(old_prev, text), old_seq
                continue
            body = change(old_seq, json.loads(text))
            if body is None:
                continue
            seq += 1
            body["seq"] = seq
            text = audit.canonical_json(body)
            new_hash = audit.chain_hash(prev_hash, text)
            request = body.get("request")
            connection.execute(
                "INSERT INTO log_entries (seq, at, event, actor, request_id, decision_id, body, "
                "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    seq,
                    at,
                    body["event"],
                    body["actor"],
                    request.get("id") if isinstance(request, dict) else None,
                    body.get("decision_id"),
                    text,
                    prev_hash,
                    new_hash,
                ),
            )
            prev_hash = new_hash


def append_forged(db: Path, **fields: object) -> None:
    """A new entry at the head, chained properly: what someone who can compute SHA-256 appends."""
    with sqlite3.connect(db) as connection:
        seq, head, at, head_body = connection.execute(
            "SELECT seq, hash, at, body FROM log_entries ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        request = connection.execute(
            "SELECT id, ref, sender, nhs_number, patient_name, date_of_birth FROM requests "
            "WHERE ref = 'S07'"
        ).fetchone()
    summary = dict(
        zip(
            ("id", "ref", "sender", "nhs_number", "patient_name", "date_of_birth"),
            request,
            strict=True,
        )
    )
    body = {
        "seq": seq + 1,
        "at": json.loads(head_body)["at"],
        "request": summary,
        "decision_id": None,
        **fields,
    }
    text = audit.canonical_json(body)
    tamper(
        db,
        "INSERT INTO log_entries (seq, at, event, actor, request_id, decision_id, body, prev_hash, hash) "
        f"VALUES ({seq + 1}, '{at}', '{body['event']}', '{body['actor']}', {summary['id']}, NULL, "
        f"'{text.replace(chr(39), chr(39) * 2)}', '{head}', '{audit.chain_hash(head, text)}')",
    )


def refused(run: Run, db: Path, *options: str | Path) -> str:
    """The one line `log verify` ends in, having exited with status 1."""
    result = run("--db", db, "log", "verify", *options)
    assert result.status == 1, result.out
    [line] = result.err_lines
    assert line.startswith("triage: error: the decision log does not verify: "), line
    return line


def verifies(run: Run, db: Path, *options: str | Path) -> str:
    result = run("--db", db, "log", "verify", *options)
    assert result.status == 0, result.err
    return result.out


def entry(db: Path, seq: int) -> dict[str, object]:
    with sqlite3.connect(db) as connection:
        (body,) = connection.execute(
            "SELECT body FROM log_entries WHERE seq = ?", (seq,)
        ).fetchone()
    return dict(json.loads(body))


# --- the chain alone catches these ------------------------------------------------------------


def test_the_untouched_log_verifies_with_its_checkpoint(run: Run, db: Path, anchored: Path) -> None:
    out = verifies(run, db, "--against", anchored)
    assert out.startswith(f"The decision log verifies: {ENTRIES} entries; head ")
    assert f"It holds checkpoint {anchored}/checkpoint-" in out


def test_an_edited_entry_is_named(run: Run, db: Path) -> None:
    tamper(
        db,
        'UPDATE log_entries SET body = replace(body, \'"role":"clerk"\', \'"role":"gp"\') WHERE seq = 10',
    )
    assert "entry 10: its content does not match its hash (the entry was edited)" in refused(
        run, db
    )


def test_a_deleted_entry_is_named(run: Run, db: Path) -> None:
    tamper(db, "DELETE FROM log_entries WHERE seq = 10")
    assert "entry 11: expected entry 10 next, found 11 (an entry is missing)" in refused(run, db)


def test_reordered_entries_are_named(run: Run, db: Path) -> None:
    tamper(
        db,
        "UPDATE log_entries SET seq = -1 WHERE seq = 10",
        "UPDATE log_entries SET seq = 10 WHERE seq = 11",
        "UPDATE log_entries SET seq = 11 WHERE seq = -1",
    )
    assert "entry 10: it does not chain to the entry before" in refused(run, db)


def test_a_malformed_time_in_an_entry_is_one_line_naming_it(run: Run, db: Path) -> None:
    """Found by fuzzing: the time column is read as a time, and text that is none crashed."""
    tamper(db, "UPDATE log_entries SET at = 'not a time' WHERE seq = 7")
    line = refused(run, db)
    assert "entry 7: its stored time 'not a time' cannot be read (the entry was edited)" in line
    assert f"(6 of {ENTRIES} entries good before it)" in line


# --- only an anchor catches these --------------------------------------------------------------


def test_a_truncated_tail_is_caught_by_the_checkpoint(run: Run, db: Path, anchored: Path) -> None:
    tamper(db, "DELETE FROM log_entries WHERE seq > 18")
    line = refused(run, db, "--against", anchored)
    assert "the log has 18 entries, but checkpoint checkpoint-" in line
    assert f"recorded {ENTRIES}: entries were removed from its end" in line


def test_an_emptied_log_is_caught_by_the_checkpoint(run: Run, db: Path, anchored: Path) -> None:
    tamper(db, "DELETE FROM log_entries")
    line = refused(run, db, "--against", anchored)
    assert "the log has 0 entries, but checkpoint checkpoint-" in line
    assert "the log was emptied" in line
    # Without it, the decisions left without entries still give it away.
    assert "has no log entry (added outside the program, or its entry was removed)" in refused(
        run, db
    )


def test_a_chain_rehashed_from_an_entry_is_caught_only_by_the_checkpoint(
    run: Run, db: Path, anchored: Path
) -> None:
    def reworded(seq: int, body: dict[str, object]) -> dict[str, object]:
        return {**body, "note": "Sent to a GP by mistake"} if seq == 10 else body

    rewrite_chain(db, reworded, start=10)
    verifies(run, db)  # the chain holds: it was recomputed
    line = refused(run, db, "--against", anchored)
    assert f"entry {ENTRIES}: it is not the entry checkpoint checkpoint-" in line
    assert "signed: the log was rewritten at or before it" in line


# --- forged appends ----------------------------------------------------------------------------


def test_a_forged_entry_by_plain_insert_breaks_the_chain(run: Run, db: Path) -> None:
    """A GP decision typed in with INSERT, its hash made up."""
    tamper(
        db,
        "INSERT INTO log_entries (seq, at, event, actor, request_id, decision_id, body, prev_hash, "
        f"hash) VALUES ({ENTRIES + 1}, '2025-02-03 11:00:00', 'review', 'gwen', 7, NULL, "
        f"'{{\"seq\":{ENTRIES + 1}}}', '{'0' * 64}', '{'1' * 64}')",
    )
    assert f"entry {ENTRIES + 1}: it does not chain to the entry before" in refused(run, db)


def test_a_forged_gp_decision_row_without_an_entry_is_named(run: Run, db: Path) -> None:
    columns = (
        "supersedes_id, kind, action, suggested_action, rule_id, category, reasons, flags, "
        "redirect_to, note, policy_id, policy_version, policy_sha256, decided_by_id, role, "
        "decided_at, template_id, template_version, letters_edited"
    )
    tamper(
        db,
        f"INSERT INTO decisions (request_id, our_ref, {columns}) SELECT "
        f"(SELECT id FROM requests WHERE ref = 'S07'), 'FORGED-1', {columns} FROM decisions "
        "LIMIT 1",
        "UPDATE requests SET status = 'decided' WHERE ref = 'S07'",
    )
    line = refused(run, db)
    assert "decision FORGED-1 has no log entry (added outside the program" in line


def test_a_chained_forgery_in_a_role_the_user_does_not_have_is_named(run: Run, db: Path) -> None:
    append_forged(db, event="flag", actor="cleo", role="gp", note="forged")
    line = refused(run, db)
    assert (
        f"entry {ENTRIES + 1}: cleo acted as a GP, but entry {CLEO_ADDED} recorded them as a clerk"
        in line
    )


def test_a_chained_forgery_by_someone_who_is_no_user_is_named(run: Run, db: Path) -> None:
    append_forged(db, event="flag", actor="mallory", role="gp", note="forged")
    line = refused(run, db)
    assert f"entry {ENTRIES + 1}: mallory acted, but no entry before it made them a user" in line


def test_a_chained_review_naming_no_decision_is_named(run: Run, db: Path) -> None:
    append_forged(db, event="review", actor="gwen", role="gp", action="decline")
    assert f"entry {ENTRIES + 1}: it records a decision but names none" in refused(run, db)


def test_what_an_anchor_cannot_catch_a_consistent_append_after_it(
    run: Run, db: Path, anchored: Path
) -> None:
    """The honest limit (docs/reliability.md §4.4): someone who can compute the chain appends an
    entry every other row agrees with, after the newest checkpoint. Anchoring often narrows it."""
    append_forged(db, event="flag", actor="gwen", role="gp", note="forged")
    verifies(run, db, "--against", anchored)
    later = run("--db", db, "log", "anchor", "--out", anchored)
    assert later.status == 0  # and from now on it is part of what a checkpoint proves


# --- rows the log speaks of ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("nhs_number", "9434765919", "NHS number"),
        ("patient_name", "Someone Else", "patient's name"),
        ("date_of_birth", "1970-01-01", "date of birth"),
        ("date_of_birth", "1979-09930", "date of birth"),  # not a date: read as stored
    ],
    ids=["nhs-number", "name", "date-of-birth", "not-a-date"],
)
def test_a_decided_patients_identity_changed_in_the_requests_table_is_named(
    run: Run, db: Path, column: str, value: str, words: str
) -> None:
    tamper(db, f"UPDATE requests SET {column} = '{value}' WHERE ref = 'S04'")
    line = refused(run, db)
    assert (
        f"request S04's {words} in the requests table differ(s) from what this entry recorded"
        in line
    )
    assert f"(its chain of {ENTRIES} entries holds)" in line


def test_an_entry_rewritten_to_name_its_request_wrongly_is_named_never_a_crash(
    run: Run, db: Path
) -> None:
    """Found by the tampering run: a rehashed entry whose request is not a request summary."""
    rewrite_chain(db, lambda seq, body: {**body, "request": "S04"} if seq == 14 else body)
    assert refused(run, db).endswith(
        "entry 14: its stored request disagree(s) with what was hashed (edited) "
        "(13 of 30 entries good before it)"
    )


def test_a_users_role_changed_in_the_users_table_is_named(run: Run, db: Path) -> None:
    tamper(db, "UPDATE users SET role = 'gp' WHERE name = 'cleo'")
    line = refused(run, db)
    assert (
        f"entry {CLEO_ADDED}: user cleo is a GP in the users table, but this entry recorded them "
        "as a clerk" in line
    )


def test_a_user_added_in_the_users_table_is_named(run: Run, db: Path) -> None:
    tamper(
        db,
        "INSERT INTO users (name, role, active, created_at) VALUES "
        "('mallory', 'gp', 1, '2025-02-03 11:00:00')",
    )
    assert "user mallory is in the users table, but no log entry added them" in refused(run, db)


def test_role_changes_and_removals_are_chained_and_then_checked(run: Run, db: Path) -> None:
    assert run("--db", db, "users", "role", "cleo", "--role", "gp").out == "cleo is now a gp.\n"
    assert run("--db", db, "users", "remove", "gwen").out == "gwen no longer has access.\n"
    assert entry(db, ENTRIES + 1)["user"] == {
        "name": "cleo",
        "role": "gp",
        "full_name": None,
        "active": True,
    }
    assert entry(db, ENTRIES + 1)["previous_role"] == "clerk"
    assert entry(db, ENTRIES + 2)["event"] == "user_removed"
    verifies(run, db)
    tamper(db, "UPDATE users SET active = 1 WHERE name = 'gwen'")
    assert f"entry {ENTRIES + 2}: user gwen has access in the users table, unlike" in refused(
        run, db
    )


def test_only_a_manager_changes_roles_and_one_manager_stays(run: Run, db: Path) -> None:
    clerk = run("--db", db, "--user", "cleo", "users", "role", "gwen", "--role", "clerk")
    assert clerk.err_lines == [
        "triage: error: only a manager may change a user's role or access; you are cleo (a clerk)"
    ]
    last = run("--db", db, "users", "remove", OS_LOGIN)
    assert last.err_lines == [
        f"triage: error: {OS_LOGIN} is the only manager; make another user a manager first"
    ]


def test_a_log_begun_by_an_earlier_version_still_verifies_and_is_checked(
    run: Run, db: Path
) -> None:
    """Entries written before users were chained, and before requests recorded the patient's
    name and date of birth, verify as they are; a user is then known by the role they acted in."""

    def as_before(seq: int, body: dict[str, object]) -> dict[str, object] | None:
        if str(body["event"]).startswith("user"):
            return None
        request = body.get("request")
        if isinstance(request, dict):
            body["request"] = {key: request[key] for key in ("id", "ref", "sender", "nhs_number")}
        return body

    rewrite_chain(db, as_before)
    verifies(run, db)
    tamper(db, "UPDATE users SET role = 'gp' WHERE name = 'cleo'")
    assert (
        "user cleo is a GP in the users table, but this entry recorded them as a clerk"
        in refused(run, db)
    )
    tamper(db, "UPDATE users SET role = 'clerk' WHERE name = 'cleo'")
    # The first user change records every user as they were, then the change.
    assert run("--db", db, "users", "add", "nina", "--role", "clerk").status == 0
    assert [entry(db, seq)["event"] for seq in (ENTRIES - 2, ENTRIES - 1)] == [
        "users_recorded",
        "user_added",
    ]
    verifies(run, db)


# --- the checkpoints themselves -----------------------------------------------------------


def test_checkpoints_round_trip_and_each_is_named(
    run: Run, db: Path, tmp_path: Path, anchored: Path
) -> None:
    assert (
        run(
            "--db",
            db,
            "--user",
            "gwen",
            "review",
            "S07",
            "--note",
            "Checked",
            "--action",
            "decline",
        ).status
        == 0
    )
    second = tmp_path / "after-review.json"
    made = run("--db", db, "log", "anchor", "--out", second)
    assert made.out.startswith(f"Anchored the decision log at {ENTRIES + 1} entries (head ")
    saved = json.loads(second.read_text())
    assert set(saved) == {
        "format",
        "count",
        "head_seq",
        "head_hash",
        "at",
        "practice",
        "public_key",
        "signature",
    }
    assert saved["practice"] == "Harbour Street Surgery (Y12345)"
    assert saved["at"] == SAMPLE_DAY.now().isoformat()
    out = verifies(run, db, "--against", anchored, "--against", second)
    assert out.splitlines()[1].startswith(
        f"It holds checkpoint {anchored}/checkpoint-20250203T100000Z-{ENTRIES}-"
    )
    assert out.splitlines()[2].startswith(
        f"It holds checkpoint {second} (entry {ENTRIES + 1}, taken 2025-02-03 10:00 UTC, key "
    )
    again = run("--db", db, "log", "anchor", "--out", second)
    assert again.err_lines == [
        f"triage: error: {second} already exists; a checkpoint is never overwritten"
    ]


def test_the_key_is_made_private_once_and_its_public_half_written_beside_it(
    run: Run, db: Path, tmp_path: Path, isolated_home: Path
) -> None:
    first = run("--db", db, "log", "anchor", "--out", tmp_path / "one.json")
    key = isolated_home / "config" / "shared-care-triage" / "log-signing-key.pem"
    assert first.err_lines == [
        f"triage: made a new signing key {key}; copy its public key {key.with_suffix('.pub')} "
        "to wherever checkpoints are verified"
    ]
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert oct(key.parent.stat().st_mode & 0o777) == "0o700"
    assert run("--db", db, "log", "anchor", "--out", tmp_path / "two.json").err == ""
    key.chmod(0o644)
    leaked = run("--db", db, "log", "anchor", "--out", tmp_path / "three.json")
    assert leaked.status == 1
    assert "the signing key can be read by others" in leaked.err


def test_a_checkpoint_signed_by_another_key_is_refused(
    run: Run, db: Path, tmp_path: Path, anchored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    thief = tmp_path / "thief.pem"
    assert (
        run("--db", db, "log", "anchor", "--key", thief, "--out", tmp_path / "forged.json").status
        == 0
    )
    line = refused_line(run, db, "--against", tmp_path / "forged.json")
    assert line.startswith(f"triage: error: {tmp_path / 'forged.json'}: signed by key ")
    assert line.endswith(
        ", which is not a trusted key; the checkpoint proves nothing (anyone can make a key)"
    )
    # With the thief's key named as trusted, it is the thief's word, and then it holds.
    verifies(
        run, db, "--against", tmp_path / "forged.json", "--public-key", thief.with_suffix(".pub")
    )
    # On a second machine, with no key of its own, verify must be told which key to trust.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "elsewhere"))
    assert refused_line(run, db, "--against", anchored) == (
        "triage: error: say which key the checkpoints must be signed with: --public-key FILE "
        "(the .pub written beside the signing key)"
    )


def refused_line(run: Run, db: Path, *options: str | Path) -> str:
    result = run("--db", db, "log", "verify", *options)
    assert result.status == 1, result.out
    [line] = result.err_lines
    return line


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "not a checkpoint (not JSON)"),
        (b"\xff\xfe", "not a checkpoint (not JSON)"),
        (
            b"[1, 2]",
            "not a checkpoint (it does not say format 'shared-care-triage log checkpoint 1')",
        ),
        (None, "not a checkpoint (count is not a whole number)"),
        (None, "not a checkpoint (at 'yesterday' is not a time)"),
        (None, "not a checkpoint (at has no time zone)"),
        (None, "not a checkpoint (head_hash is not a SHA-256)"),
        (None, "not a checkpoint (signature is not base64)"),
        (
            None,
            "the checkpoint's signature does not verify (the file was changed after it was signed)",
        ),
        (b"x" * 70_000, "not a checkpoint (far too long for one)"),
    ],
)
def test_a_malformed_or_altered_checkpoint_is_one_clear_line(
    run: Run, db: Path, anchored: Path, tmp_path: Path, content: bytes | None, problem: str
) -> None:
    [good] = anchored.iterdir()
    fields = json.loads(good.read_text())
    changes: dict[str, dict[str, object]] = {
        "count": {"count": "21"},
        "at 'yesterday'": {"at": "yesterday"},
        "no time zone": {"at": "2025-02-03T10:00:00"},
        "head_hash": {"head_hash": "abc"},
        "signature is not": {"signature": "***"},
        "signature does not verify": {"count": 5},
    }
    if content is None:
        [change] = [value for key, value in changes.items() if key in problem]
        content = json.dumps({**fields, **change}).encode()
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    assert refused_line(run, db, "--against", bad) == f"triage: error: {bad}: {problem}"


def test_a_log_that_does_not_verify_is_not_anchored(run: Run, db: Path, tmp_path: Path) -> None:
    tamper(db, "DELETE FROM log_entries WHERE seq = 10")
    result = run("--db", db, "log", "anchor", "--out", tmp_path / "cp.json")
    assert result.err_lines == [
        "triage: error: the decision log does not verify, so it is not anchored: entry 11: "
        "expected entry 10 next, found 11 (an entry is missing)"
    ]
    assert not (tmp_path / "cp.json").exists()


def test_an_empty_folder_of_checkpoints_is_said(
    run: Run, db: Path, anchored: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert refused_line(run, db, "--against", empty) == (
        f"triage: error: {empty}: no checkpoint files (checkpoint-*.json) in this folder"
    )


def test_a_checkpoint_of_another_database_says_so(run: Run, db: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    assert run("--db", other, "db", "init").status == 0
    details = ("--address", "2 Quay Road", "--phone", "01632 960001", "--email", "q@example.org")
    assert (
        run(
            "--db",
            other,
            "practice",
            "set",
            "--name",
            "Quay Surgery",
            "--ods-code",
            "Y99999",
            *details,
        ).status
        == 0
    )
    assert run("--db", other, "log", "anchor", "--out", tmp_path / "other.json").status == 0
    line = refused(run, db, "--against", tmp_path / "other.json")
    assert (
        f"entry {CLEO_ADDED}: it is not the entry checkpoint other.json (taken 2025-02-03 10:00 UTC) "
        "signed" in line
    )
    assert line.endswith(
        "(or the checkpoint is of another database: it names Quay Surgery (Y99999)) "
        f"(its chain of {ENTRIES} entries holds)"
    )
