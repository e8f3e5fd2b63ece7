"""The long tampering run: `python -m tests.reliability.tampering --trials 1000 [--seed N]`.

A practice's database after a day's decisions is anchored (a signed checkpoint of its head),
then each trial takes a fresh copy, changes it at random as someone holding the file and the
sqlite3 program could (one of the KINDS below, at a random entry, row, field and value), and
runs the log's verification against the checkpoint. Every trial must be caught. The run prints,
per kind, the trials made and caught, and the first problem said for each kind.

Not tried, because it cannot be caught by design (docs/reliability.md §4.4): a consistent,
properly chained append made after the newest checkpoint.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from db import open_database
from tests.conftest import OS_LOGIN, PASSWORD
from tests.test_deciding import PRACTICE, SAMPLE_DAY
from triage import audit
from triage.cli import main as triage_main
from triage.services.log import verify_log
from triage.services.workspace import Workspace

SAMPLES = Path(__file__).parents[1] / "data" / "samples"
TRIGGERS = [f"{table}_no_{change}" for table in ("log_entries", "decisions", "letters")
            for change in ("update", "delete")]  # fmt: skip


@dataclass(frozen=True)
class Practice:
    """A decided database, the folder of its checkpoint and the key that signed it."""

    database: Path
    checkpoints: Path
    key: Path


@contextmanager
def _environment(folder: Path) -> Iterator[None]:
    """The command line run as a test's people: private folders, a password file."""
    password_file = folder / "password"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    password_file.chmod(0o600)
    values = {
        **{name: str(folder / name) for name in ("XDG_DATA_HOME", "XDG_STATE_HOME",
                                                  "XDG_CONFIG_HOME", "XDG_CACHE_HOME")},
        **dict.fromkeys(("LOGNAME", "USER", "LNAME", "USERNAME"), OS_LOGIN),
        "TRIAGE_PASSWORD_FILE": str(password_file),
        "TRIAGE_LOG_KEY": str(folder / "log.key"),
    }  # fmt: skip
    saved = {name: os.environ.get(name) for name in [*values, "TRIAGE_DB", "TRIAGE_USER"]}
    os.environ.update(values)
    for name in ("TRIAGE_DB", "TRIAGE_USER"):
        os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _triage(*args: str | Path) -> None:
    try:
        triage_main([str(arg) for arg in args], clock=SAMPLE_DAY)
    except SystemExit as exited:
        if exited.code != 0:
            raise RuntimeError(f"triage {' '.join(map(str, args))} exited {exited.code}") from None


def build_practice(folder: Path) -> Practice:
    """The samples under the Weymouth policy: applied by the clerk cleo, reviewed by the GP
    gwen, pat the manager; then anchored."""
    database, checkpoints = folder / "practice.db", folder / "checkpoints"
    checkpoints.mkdir()
    with _environment(folder), redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        _triage("--db", database, "db", "init")
        _triage("--db", database, "users", "add", "cleo", "--role", "clerk")
        _triage("--db", database, "users", "add", "gwen", "--role", "gp")
        _triage("--db", database, *PRACTICE)
        _triage("--db", database, "policy", "activate", "weymouth-portland-pcn")
        _triage("--db", database, "--user", "cleo", "import", SAMPLES / "requests.csv")
        _triage("--db", database, "--user", "cleo", "apply")
        _triage("--db", database, "--user", "gwen", "review")
        _triage("--db", database, "log", "anchor", "--out", checkpoints)
    return Practice(database, checkpoints, folder / "log.key")


# --- ways to tamper, each as someone with the file and sqlite3 ----------------------------------


def _rows(connection: sqlite3.Connection, query: str) -> list[tuple[object, ...]]:
    return list(connection.execute(query).fetchall())


def _changed(value: object, chance: random.Random) -> object:
    """A different value of the same kind."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + chance.choice([-1, 1, 1000])
    if isinstance(value, str) and value:
        at = chance.randrange(len(value))
        replacement = chance.choice("0123456789xyz ")
        return value[:at] + (replacement if value[at] != replacement else "q") + value[at + 1 :]
    if isinstance(value, list):
        return [*value, "added"] if chance.random() < 0.5 or not value else value[:-1]
    return "set"


def _leaves(value: object, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, (*path, key))
    elif isinstance(value, list) and value:
        for index, inner in enumerate(value):
            yield from _leaves(inner, (*path, index))
    else:
        yield path


def _set(body: dict[str, object], path: tuple[str | int, ...], value: object) -> None:
    target: object = body
    for step in path[:-1]:
        target = target[step]  # type: ignore[index]
    target[path[-1]] = value  # type: ignore[index]


def _get(body: dict[str, object], path: tuple[str | int, ...]) -> object:
    value: object = body
    for step in path:
        value = value[step]  # type: ignore[index]
    return value


def edit_an_entry(db: sqlite3.Connection, chance: random.Random) -> str:
    seq, text = chance.choice(_rows(db, "SELECT seq, body FROM log_entries"))
    body = json.loads(str(text))
    path = chance.choice([leaf for leaf in _leaves(body) if leaf])
    _set(body, path, _changed(_get(body, path), chance))
    db.execute("UPDATE log_entries SET body = ? WHERE seq = ?", (audit.canonical_json(body), seq))
    return f"entry {seq} {'.'.join(map(str, path))}"


def edit_an_entry_and_its_hash(db: sqlite3.Connection, chance: random.Random) -> str:
    seq, text, prev = chance.choice(_rows(db, "SELECT seq, body, prev_hash FROM log_entries"))
    body = json.loads(str(text))
    path = chance.choice([leaf for leaf in _leaves(body) if leaf and leaf[0] != "seq"])
    _set(body, path, _changed(_get(body, path), chance))
    new = audit.canonical_json(body)
    db.execute(
        "UPDATE log_entries SET body = ?, hash = ? WHERE seq = ?",
        (new, audit.chain_hash(str(prev), new), seq),
    )
    return f"entry {seq} {'.'.join(map(str, path))}, rehashed"


def edit_a_stored_column(db: sqlite3.Connection, chance: random.Random) -> str:
    seq, actor, event = chance.choice(_rows(db, "SELECT seq, actor, event FROM log_entries"))
    column, value = chance.choice(
        [("actor", _changed(actor, chance)), ("event", "review" if event != "review" else "flag"),
         ("at", "2025-01-01 09:00:00.000000")]
    )  # fmt: skip
    db.execute(f"UPDATE log_entries SET {column} = ? WHERE seq = ?", (value, seq))
    return f"entry {seq} column {column}"


def delete_an_entry(db: sqlite3.Connection, chance: random.Random) -> str:
    (seq,) = chance.choice(_rows(db, "SELECT seq FROM log_entries"))
    db.execute("DELETE FROM log_entries WHERE seq = ?", (seq,))
    return f"entry {seq}"


def swap_two_entries(db: sqlite3.Connection, chance: random.Random) -> str:
    rows = _rows(db, "SELECT seq, body, prev_hash, hash FROM log_entries")
    first, second = chance.sample(rows, 2)
    db.execute("UPDATE log_entries SET hash = 'moving' WHERE seq = ?", (first[0],))  # unique
    for (seq, *_), (_, body, prev, digest) in ((second, first), (first, second)):
        db.execute(
            "UPDATE log_entries SET body = ?, prev_hash = ?, hash = ? WHERE seq = ?",
            (body, prev, digest, seq),
        )
    return f"entries {first[0]} and {second[0]}"


def truncate_the_tail(db: sqlite3.Connection, chance: random.Random) -> str:
    (count,) = db.execute("SELECT count(*) FROM log_entries").fetchone()
    keep = chance.randrange(1, count)
    db.execute("DELETE FROM log_entries WHERE seq > ?", (keep,))
    return f"kept {keep} of {count}"


def empty_the_log(db: sqlite3.Connection, chance: random.Random) -> str:
    db.execute("DELETE FROM log_entries")
    return "all"


def rewrite_the_chain(db: sqlite3.Connection, chance: random.Random) -> str:
    """Change an entry and recompute every hash after it, as someone who knows how."""
    rows = _rows(db, "SELECT seq, body, prev_hash FROM log_entries ORDER BY seq")
    start = chance.randrange(len(rows))
    prev = str(rows[start][2])
    for index, (seq, text, _) in enumerate(rows[start:]):
        body = json.loads(str(text))
        if index == 0:
            path = chance.choice([leaf for leaf in _leaves(body) if leaf and leaf[0] != "seq"])
            _set(body, path, _changed(_get(body, path), chance))
        new = audit.canonical_json(body)
        digest = audit.chain_hash(prev, new)
        db.execute(
            "UPDATE log_entries SET body = ?, prev_hash = ?, hash = ? WHERE seq = ?",
            (new, prev, digest, seq),
        )
        prev = digest
    return f"from entry {rows[start][0]}"


def append_unchained(db: sqlite3.Connection, chance: random.Random) -> str:
    seq, text = db.execute("SELECT seq, body FROM log_entries ORDER BY seq DESC LIMIT 1").fetchone()
    body = {**json.loads(text), "seq": seq + 1, "event": "review", "actor": "gwen", "role": "gp"}
    new = audit.canonical_json(body)
    db.execute(
        "INSERT INTO log_entries (seq, at, event, actor, request_id, decision_id, body, "
        "prev_hash, hash) SELECT seq + 1, at, 'review', 'gwen', request_id, decision_id, ?, ?, ? "
        "FROM log_entries WHERE seq = ?",
        (new, "f" * 64, audit.chain_hash("f" * 64, new), seq),
    )
    return f"after entry {seq}"


def change_a_patient(db: sqlite3.Connection, chance: random.Random) -> str:
    column = chance.choice(["nhs_number", "patient_name", "date_of_birth", "sender", "ref"])
    request_id, value = chance.choice(
        _rows(db, f"SELECT id, {column} FROM requests WHERE status = 'decided'")
    )
    # A reference is unique per sender: a changed one must not be another request's.
    new = (
        f"{value}-{chance.randrange(10**6)}" if column == "ref" else _changed(value or "x", chance)
    )
    db.execute(f"UPDATE requests SET {column} = ? WHERE id = ?", (new, request_id))
    return f"request {request_id} {column}"


def change_a_decision(db: sqlite3.Connection, chance: random.Random) -> str:
    choices: list[tuple[str, list[object]]] = (
        [("action", ["accept", "decline", "redirect"]), ("note", ["agreed by phone", None]),
         ("redirect_to", ["Rheumatology", "someone"]), ("category", ["adhd", "dmard", "mgus"]),
         ("suggested_action", ["accept", "decline"]), ("our_ref", ["SCT-999999"]),
         ("policy_sha256", ["0" * 64]), ("letters_edited", [0, 1]), ("rule_id", ["r1", "x"]),
         ("reasons", ['["capacity"]', "[]"]), ("flags", ['["urgent"]', "[]"]),
         ("role", ["gp", "clerk", "manager"]), ("decided_by_id", [1, 2, 3])]
    )  # fmt: skip
    column, values = chance.choice(choices)
    decision_id, current = chance.choice(_rows(db, f"SELECT id, {column} FROM decisions"))
    value = chance.choice([value for value in values if value != current] or ["changed"])
    db.execute(f"UPDATE decisions SET {column} = ? WHERE id = ?", (value, decision_id))
    return f"decision {decision_id} {column}"


def change_a_letter(db: sqlite3.Connection, chance: random.Random) -> str:
    letter_id, text = chance.choice(_rows(db, "SELECT id, text FROM letters"))
    db.execute("UPDATE letters SET text = ? WHERE id = ?", (_changed(text, chance), letter_id))
    return f"letter {letter_id}"


def delete_a_decision(db: sqlite3.Connection, chance: random.Random) -> str:
    (decision_id,) = chance.choice(_rows(db, "SELECT id FROM decisions"))
    db.execute("DELETE FROM letters WHERE decision_id = ?", (decision_id,))
    db.execute("DELETE FROM decisions WHERE id = ?", (decision_id,))
    return f"decision {decision_id}"


def add_a_decision(db: sqlite3.Connection, chance: random.Random) -> str:
    (decision_id,) = chance.choice(_rows(db, "SELECT id FROM decisions"))
    columns = [row[1] for row in db.execute("PRAGMA table_info(decisions)") if row[1] != "id"]
    undecided = "(SELECT min(id) FROM requests WHERE id NOT IN (SELECT request_id FROM decisions))"
    copied = (
        ", ".join(columns)
        .replace("our_ref", "'FORGED-' || our_ref")
        .replace("request_id", undecided)
    )
    db.execute(
        f"INSERT INTO decisions ({', '.join(columns)}) SELECT {copied} FROM decisions WHERE id = ?",
        (decision_id,),
    )
    return f"a copy of decision {decision_id}"


def change_a_user(db: sqlite3.Connection, chance: random.Random) -> str:
    user_id, role, active = chance.choice(_rows(db, "SELECT id, role, active FROM users"))
    if chance.random() < 0.5:
        new = chance.choice([other for other in ("clerk", "gp", "manager") if other != role])
        db.execute("UPDATE users SET role = ? WHERE id = ?", (new, user_id))
        return f"user {user_id} role"
    db.execute("UPDATE users SET active = ? WHERE id = ?", (0 if active else 1, user_id))
    return f"user {user_id} access"


def add_a_user(db: sqlite3.Connection, chance: random.Random) -> str:
    role = chance.choice(["clerk", "gp", "manager"])
    db.execute(
        "INSERT INTO users (name, role, active, created_at, failed_logins) "
        "VALUES (?, ?, 1, '2025-01-01 09:00:00.000000', 0)",
        (f"mallory{chance.randrange(1000)}", role),
    )
    return f"a {role}"


Tamper = Callable[[sqlite3.Connection, random.Random], str]
KINDS: dict[str, Tamper] = {
    function.__name__.replace("_", " "): function
    for function in (
        edit_an_entry, edit_an_entry_and_its_hash, edit_a_stored_column, delete_an_entry,
        swap_two_entries, truncate_the_tail, empty_the_log, rewrite_the_chain, append_unchained,
        change_a_patient, change_a_decision, change_a_letter, delete_a_decision, add_a_decision,
        change_a_user, add_a_user,
    )
}  # fmt: skip


def tampered_copy(practice: Practice, folder: Path, kind: Tamper, chance: random.Random) -> str:
    """A copy of the practice's database at `folder`/practice.db, tampered with; what was done."""
    copy = folder / "practice.db"
    shutil.copy(practice.database, copy)
    with sqlite3.connect(copy) as connection:
        for trigger in TRIGGERS:
            connection.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        return kind(connection, chance)


def verification_problem(practice: Practice, copy: Path) -> str:
    """What `triage log verify --against` the checkpoint says of the copy ("" if it verifies).
    Read as the manager without logging in: a login would add an entry to what is checked."""
    database = open_database(f"sqlite:///{copy}")
    try:
        with database.read() as tx:
            manager = tx.users.find(OS_LOGIN)
        assert manager is not None
        check = verify_log(Workspace(database, manager), [practice.checkpoints], key=practice.key)
        return "" if check.ok else check.verification.described
    finally:  # an exception is not "caught": it would be a crash report for the person
        database.dispose()


@dataclass
class Results:
    tried: Counter[str]
    caught: Counter[str]
    missed: list[tuple[str, str]]  # (kind, what was done)
    said: dict[str, str]  # kind -> the first problem named


def run(practice: Practice, trials: int, seed: int, work: Path) -> Results:
    chance = random.Random(seed)
    results = Results(Counter(), Counter(), [], {})
    names = list(KINDS)
    for trial in range(trials):
        kind = names[trial % len(names)]
        folder = work / str(trial)
        folder.mkdir()
        done = tampered_copy(practice, folder, KINDS[kind], chance)
        problem = verification_problem(practice, folder / "practice.db")
        results.tried[kind] += 1
        if problem:
            results.caught[kind] += 1
            results.said.setdefault(kind, problem)
        else:
            results.missed.append((kind, done))
        shutil.rmtree(folder)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--trials", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="triage-tamper-") as temporary:
        folder = Path(temporary)
        started = time.perf_counter()
        practice = build_practice(folder)
        work = folder / "trials"
        work.mkdir()
        results = run(practice, args.trials, args.seed, work)
        seconds = time.perf_counter() - started
    for kind in KINDS:
        print(f"{kind}: {results.caught[kind]} of {results.tried[kind]} caught; e.g. "
              f"{results.said.get(kind, '-')}")  # fmt: skip
    for kind, done in results.missed:
        print(f"MISSED: {kind}: {done}")
    total = sum(results.tried.values())
    print(f"{sum(results.caught.values())} of {total} tamperings caught in {seconds:.0f} s "
          f"(seed {args.seed})")  # fmt: skip
    return 1 if results.missed else 0


if __name__ == "__main__":
    sys.exit(main())
