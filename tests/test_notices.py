"""Existing patients handed back with notice (issue 17): the caseload imported from a search
export, the Dorset policy's notices planned and sent per patient and per team, the log verified,
nothing sent twice, and no patient whose dose falls before their team confirms left without a
GP task."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.loading import load_policy_text
from policies.notices import plan_notices
from tests.conftest import SAMPLES, Run
from tests.test_deciding import PRACTICE
from triage.clock import Clock
from triage.models import (
    CaseloadEntry,
    HandBackKey,
    HandBackRecord,
    Recorded,
    add_months,
    nhs_check_digit,
)

TODAY = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


@dataclass
class MovingClock(Clock):
    """A clock a test moves on, as the weeks of a notice period pass."""

    at: datetime

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> MovingClock:
    return MovingClock(TODAY)


# One medicine and team for each of the eleven categories, as a search export names them.
ELEVEN = {
    "adhd": ("Methylphenidate XL 36mg", "Adult ADHD Service"),
    "gender_dysphoria": ("Estradiol 2mg tablets", "Gender Identity Clinic"),
    "mgus": ("Paraprotein monitoring", "Haematology MGUS clinic"),
    "bariatric": ("Vitamin B12 and iron monitoring after gastric bypass", "Bariatric Service"),
    "eating_disorder": ("Electrolyte monitoring", "Eating Disorder Service"),
    "dmard": ("Methotrexate 15mg weekly", "Rheumatology"),
    "denosumab": ("Denosumab 60mg injection", "Osteoporosis Service"),
    "psa": ("PSA monitoring", "Urology"),
    "inr": ("Warfarin 3mg", "Anticoagulation Clinic"),
    "mental_health_monitoring": ("Clozapine 300mg", "Community Mental Health Team"),
    "lithium": ("Lithium carbonate 400mg (Priadel)", "Community Mental Health Team"),
}
HOSPITALS = ("Dorset County Hospital", "University Hospitals Dorset")
NOTICED = set(ELEVEN) - {"mental_health_monitoring", "lithium"}  # the Dorset list's
SIGNED_OFF_FIRST = {"dmard", "denosumab", "psa", "inr"}  # "consider", and the risky medicines


def nhs_numbers(count: int) -> list[str]:
    numbers: list[str] = []
    base = 400_000_000
    while len(numbers) < count:
        base += 1
        digit = nhs_check_digit(str(base))
        if digit is not None:
            numbers.append(f"{base}{digit}")
    return numbers


@dataclass(frozen=True)
class Patient:
    nhs_number: str
    name: str
    category: str
    team: str
    next_due: date | None


def write_caseload(path: Path, count: int) -> list[Patient]:
    """A search export as EMIS writes one: its own column titles, day-first dates, and a
    column the caseload does not use."""
    patients = []
    lines = ["NHS Number,Patient Name,Date of Birth,Medication,Team,Last Review,Next Due,Usual GP"]
    for index, number in enumerate(nhs_numbers(count)):
        category = list(ELEVEN)[index % len(ELEVEN)]
        medicine, service = ELEVEN[category]
        team = f"{service}, {HOSPITALS[index % 2]}"
        due = None if index % 17 == 0 else date(2026, 12, 1) + timedelta(days=index % 150)
        name = f"Patient {index:04d}"
        born = f"{1 + index % 28:02d}/{1 + index % 12:02d}/{1940 + index % 60}"
        shown_due = due.strftime("%d-%b-%Y") if due else ""
        lines.append(f'{number},{name},{born},{medicine},"{team}",01/09/2026,{shown_due},Dr Hale')
        patients.append(Patient(number, name, category, team, due))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return patients


def imported_caseload(run: Run, db: Path, folder: Path, count: int) -> list[Patient]:
    """A search export of `count` patients, imported by the clerk."""
    patients = write_caseload(folder / "search.csv", count)
    imported = run("--db", db, "--user", "cleo", "caseload", "import", folder / "search.csv")
    assert imported.status == 0, imported.err
    return patients


def practice(run: Run, db: Path) -> None:
    for name, role in (("cleo", "clerk"), ("gwen", "gp")):
        assert run("--db", db, "users", "add", name, "--role", role).status == 0
    assert run("--db", db, *PRACTICE).status == 0
    assert run("--db", db, "policy", "activate", "dorset-gp-alliance").status == 0


def entries(db: Path, event: str) -> list[dict[str, Any]]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT body FROM log_entries WHERE event = ? ORDER BY seq", (event,)
        ).fetchall()
    return [json.loads(body) for (body,) in rows]


def log_size(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute("SELECT count(*) FROM log_entries").fetchone()[0])


def plan(run: Run, db: Path, *command: str) -> list[dict[str, Any]]:
    ran = run("--db", db, "notice", *(command or ("plan",)), "--format", "json")
    assert ran.status == 0, ran.err
    return [json.loads(line) for line in ran.out.splitlines()]


# --- the acceptance ------------------------------------------------------------------------------


def test_dorset_hands_back_a_caseload_of_2000_per_patient_and_per_team_and_sends_nothing_twice(
    run: Run, db_path: Path, tmp_path: Path, clock: MovingClock
) -> None:
    practice(run, db_path)
    patients = write_caseload(tmp_path / "search.csv", 2000)
    imported = run("--db", db_path, "--user", "cleo", "caseload", "import", tmp_path / "search.csv")
    assert imported.out.endswith("2000 added, 0 updated, 0 unchanged, 0 rejected\n"), imported.err

    planned = plan(run, db_path)
    by_number = {item["nhs_number"]: item for item in planned}
    affected = [patient for patient in patients if patient.category in NOTICED]
    assert set(by_number) == {patient.nhs_number for patient in affected}
    for patient in affected:
        item = by_number[patient.nhs_number]
        assert item["category"] == patient.category and item["team"] == patient.team
        assert item["hand_back_on"] == "2027-02-27"  # three months' notice from today
        waits = patient.category in SIGNED_OFF_FIRST
        assert item["status"] == ("awaiting_sign_off" if waits else "ready")
        kinds = [block["kind"] for block in item["blocked_by"]]
        assert ("gp_sign_off" in kinds) is waits
        assert ("due_unknown" in kinds) is (patient.next_due is None)

    # Only a manager sends the practice's notice.
    refused = run("--db", db_path, "--user", "cleo", "notice", "send")
    assert refused.status == 1 and "only a manager may send notice" in refused.err
    before = log_size(db_path)
    sent = run("--db", db_path, "notice", "send")
    assert sent.status == 0, sent.err
    ready = [patient for patient in affected if patient.category not in SIGNED_OFF_FIRST]
    notices = entries(db_path, "notice_sent")
    covering = entries(db_path, "notice_covering")
    assert len(notices) == len(ready)
    teams = Counter(patient.team for patient in ready)
    assert {entry["team"]: len(entry["hand_backs"]) for entry in covering} == teams
    assert log_size(db_path) == before + len(ready) + len(teams)
    for notice in notices:
        patient = next(p for p in ready if p.nhs_number == notice["hand_back"]["nhs_number"])
        letters = notice["letters"]
        assert isinstance(letters, dict)
        spaced = f"{patient.nhs_number[:3]} {patient.nhs_number[3:6]} {patient.nhs_number[6:]}"
        assert f"NHS number: {spaced}" in letters["specialist"]
        assert f"To: {patient.team}" in letters["specialist"]
        assert "Until you confirm, we will keep prescribing" in letters["specialist"]
        assert f"Dear {patient.name}," in letters["patient"]
        assert "Please do not stop taking your medicine." in letters["patient"]
        assert patient.name not in letters["sms"] and len(letters["sms"]) <= 306
    for letter in covering:
        listed = [n for n in notices if n["batch"] == letter["our_ref"]]
        assert [n["our_ref"] for n in listed] == letter["hand_backs"]
        for n in listed:
            assert f"our reference {n['our_ref']}" in str(letter["letter"])

    assert run("--db", db_path, "log", "verify").status == 0
    # Again: nothing is sent twice.
    size = log_size(db_path)
    again = run("--db", db_path, "notice", "send")
    assert "Nothing to send" in again.out and log_size(db_path) == size
    assert run(
        "--db", db_path, "--user", "cleo", "caseload", "import", tmp_path / "search.csv"
    ).out.endswith("0 added, 0 updated, 2000 unchanged, 0 rejected\n")
    assert run("--db", db_path, "notice", "send").out.startswith("Nothing to send")

    # A GP signs off one denosumab patient: the next send sends that one alone.
    denosumab = next(p for p in affected if p.category == "denosumab")
    assert (
        run(
            "--db",
            db_path,
            "--user",
            "cleo",
            "notice",
            "sign-off",
            denosumab.nhs_number,
            "--note",
            "ok",
        ).status
        == 1
    )
    signed = run(
        "--db", db_path, "--user", "gwen", "notice", "sign-off", denosumab.nhs_number,
        "--note", "Last injection 12 Sep; the osteoporosis team knows the next is due",
    )  # fmt: skip
    assert signed.status == 0, signed.err
    third = run("--db", db_path, "notice", "send")
    assert f"to {denosumab.team}: 1 patient\n" in third.out
    assert run("--db", db_path, "log", "verify").status == 0


def test_no_sent_patient_whose_dose_falls_before_confirmation_is_left_without_a_gp_task(
    run: Run, db_path: Path, tmp_path: Path, clock: MovingClock
) -> None:
    """Across the notice period of 300 patients, some confirmed by their team along the way:
    on every day looked at, each unconfirmed patient whose dose falls on or after the hand-back
    and within the supply window, or whose due date is unknown, has a GP task; a confirmed one
    has none."""
    practice(run, db_path)
    patients = imported_caseload(run, db_path, tmp_path, 300)
    assert run("--db", db_path, "notice", "send").status == 0
    sent = {entry["hand_back"]["nhs_number"]: entry for entry in entries(db_path, "notice_sent")}
    confirmed: set[str] = set()
    for day in (40, 80, 85, 92, 100, 120):
        clock.at = TODAY + timedelta(days=day)
        today = clock.today()
        for number in list(sent)[day % 7 :: 9]:  # some teams reply along the way
            if number not in confirmed:
                ref = str(sent[number]["our_ref"])
                ran = run(
                    "--db", db_path, "--user", "cleo", "notice", "confirm", ref, "--note", "letter"
                )
                assert ran.status == 0, ran.err
                confirmed.add(number)
        tasks = {item["nhs_number"] for item in plan(run, db_path, "tasks")}
        for patient in patients:
            if patient.nhs_number not in sent:
                continue
            hand_back = date.fromisoformat(str(sent[patient.nhs_number]["hand_back_on"]))
            due = patient.next_due
            at_risk = patient.nhs_number not in confirmed and (
                due is None
                or today >= hand_back
                or (due >= hand_back and due - timedelta(days=28) <= today)
            )
            assert (patient.nhs_number in tasks) is at_risk, (day, patient)


@given(
    notice_months=st.integers(1, 6),
    sent_after=st.integers(0, 120),
    due_after_send=st.one_of(st.none(), st.integers(-30, 400)),
    confirmed_after_send=st.one_of(st.none(), st.integers(0, 400)),
)
def test_a_dose_after_the_hand_back_and_before_confirmation_always_has_a_gp_task(
    notice_months: int,
    sent_after: int,
    due_after_send: int | None,
    confirmed_after_send: int | None,
) -> None:
    """The property, day by day from sending: from the supply window before a dose the team
    would give (on or after the hand-back) until the team confirms, a GP has a task; and
    whenever the due date is unknown, or the hand-back date has passed unconfirmed."""
    policy = load_policy_text(
        f"""
        [policy]
        id = "p"
        title = "P"
        version = "1"
        effective_from = 2024-10-01
        source = "s"
        [[notices]]
        id = "adhd-existing"
        category = "adhd"
        notice_months = {notice_months}
        hand_back_on = 2025-01-01
        """,
        "p.toml",
    ).policy
    sent_on = date(2024, 10, 1) + timedelta(days=sent_after)
    hand_back = max(date(2025, 1, 1), add_months(sent_on, notice_months))
    due = None if due_after_send is None else sent_on + timedelta(days=due_after_send)
    confirmed_on = (
        None if confirmed_after_send is None else sent_on + timedelta(days=confirmed_after_send)
    )
    entry = CaseloadEntry(
        "9434765919", "A", date(1980, 1, 1), "Methylphenidate", "ADHD team", "adhd",
        None, due, None, "search.csv line 2",
    )  # fmt: skip
    key = HandBackKey("p", "adhd-existing", entry.nhs_number, entry.team_key)
    for offset in range(0, 420, 3):
        today = sent_on + timedelta(days=offset)
        record = HandBackRecord(
            key,
            sent=Recorded("pat", sent_on, 1),
            ref="HB-000001",
            hand_back_on=hand_back,
            confirm_by=sent_on + timedelta(days=28),
            return_to="ADHD team",
        )
        if confirmed_on is not None and confirmed_on <= today:
            record.confirmed = Recorded("cleo", confirmed_on, 2)
        (item,) = plan_notices(policy, [entry], {key: record}, today).hand_backs
        unconfirmed = record.confirmed is None
        dose_falls_to_the_team = due is not None and due >= hand_back
        if unconfirmed and (
            due is None
            or today >= hand_back
            or (dose_falls_to_the_team and due is not None and today >= due - timedelta(28))
        ):
            assert item.gp_task is not None, (today, item)
        if not unconfirmed:
            assert item.gp_task is None


# --- the caseload's import -----------------------------------------------------------------------

HEADER = "nhs_number,patient_name,date_of_birth,medication,team,last_review,next_due\n"


def caseload_count(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute("SELECT count(*) FROM caseload").fetchone()[0])


@pytest.mark.parametrize(
    ("content", "problems"),
    [
        (
            HEADER
            + "9434765919,Jane Smith,12/03/1956,Methotrexate,Rheumatology,,05-Jan-2027\n"
            + "1234567890,Bad Number,01/01/1980,Warfarin,Anticoagulation,,\n"
            + "9434765870,John Brown,31/02/1950,Denosumab,Osteoporosis,,next week\n",
            [
                "search.csv:3: nhs_number: '1234567890' fails the Modulus 11 check",
                "search.csv:4: date_of_birth: '31/02/1950' is not a date",
                "search.csv:4: next_due: 'next week' is not a date",
            ],
        ),
        (
            "nhs_number,patient_name,date_of_birth,medication\n9434765919,A,1956-03-12,MTX\n",
            ["search.csv:1: team: required column missing"],
        ),
        (HEADER.replace(",", ";") + "9434765919;A;1956-03-12;MTX;R;;\n", ["use commas"]),
        ("", ["search.csv: is empty"]),
        (
            HEADER + "9434765919,,12/03/1956,Methotrexate,Rheumatology,,\n",
            ["patient_name: missing"],
        ),
        (HEADER + "9434765919,Jane\x1b[31m,12/03/1956,MTX,R,,\n", ["control character"]),
        (HEADER + "9434765919,Jane,12/03/2030,MTX,R,,\n", ["'12/03/2030' is in the future"]),
    ],
    ids=["bad-rows", "missing-column", "semicolons", "empty", "blank-name", "escape", "unborn"],
)
def test_a_bad_search_export_names_each_problem_and_imports_nothing(
    run: Run, db_path: Path, tmp_path: Path, content: str, problems: list[str]
) -> None:
    practice(run, db_path)
    (tmp_path / "search.csv").write_text(content, encoding="utf-8")
    ran = run("--db", db_path, "--user", "cleo", "caseload", "import", tmp_path / "search.csv")
    assert ran.status == 1 and "Traceback" not in ran.err
    for problem in problems:
        assert problem in ran.err.replace(str(tmp_path) + "/", "")
    assert "\x1b" not in ran.err
    assert caseload_count(db_path) == 0 and not entries(db_path, "caseload_imported")


def test_skip_invalid_imports_the_good_rows_and_a_newer_export_updates_them(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    practice(run, db_path)
    search = tmp_path / "search.csv"
    search.write_text(
        HEADER
        + "9434765919,Jane Smith,12/03/1956,Methotrexate 10mg,Rheumatology,,05-Jan-2027\n"
        + "1234567890,Bad Number,01/01/1980,Warfarin 3mg,Anticoagulation,,\n",
        encoding="utf-8",
    )
    ran = run("--db", db_path, "--user", "cleo", "caseload", "import", "--skip-invalid", search)
    assert ran.status == 0 and "not imported:" in ran.err
    assert ran.out.endswith("1 added, 0 updated, 0 unchanged, 1 rejected\n")
    search.write_text(
        HEADER + "9434765919,Jane Smith,12/03/1956,Methotrexate 10mg,Rheumatology,,2027-02-02\n",
        encoding="utf-8",
    )
    assert run("--db", db_path, "--user", "cleo", "caseload", "import", search).out.endswith(
        "0 added, 1 updated, 0 unchanged, 0 rejected\n"
    )
    listed = run("--db", db_path, "--user", "cleo", "caseload", "list", "--format", "json")
    (entry,) = [json.loads(line) for line in listed.out.splitlines()]
    assert (entry["category"], entry["next_due"]) == ("dmard", "2027-02-02")


def test_a_patient_the_practice_accepted_a_request_for_is_in_the_caseload(
    run: Run, db_path: Path
) -> None:

    practice(run, db_path)
    assert run("--db", db_path, "--user", "cleo", "import", SAMPLES / "requests.csv").status == 0
    decided = run(
        "--db", db_path, "--user", "gwen", "review", "S07", "--action", "accept",
        "--note", "Funded locally; we will monitor",
    )  # fmt: skip
    assert decided.status == 0, decided.err
    listed = run("--db", db_path, "caseload", "list", "--format", "json").out.splitlines()
    (entry,) = [json.loads(line) for line in listed]
    assert entry["source"].startswith("accepted request S07 (SCT-")
    assert entry["category"] == "dmard"
    (item,) = plan(run, db_path)
    assert item["nhs_number"] == entry["nhs_number"] and item["status"] == "awaiting_sign_off"


# --- confirmation and chasing --------------------------------------------------------------------


def test_unanswered_hand_backs_are_chased_per_team_every_fortnight_until_confirmed(
    run: Run, db_path: Path, tmp_path: Path, clock: MovingClock
) -> None:
    practice(run, db_path)
    imported_caseload(run, db_path, tmp_path, 22)  # two of each category
    assert run("--db", db_path, "notice", "send").status == 0
    sent = entries(db_path, "notice_sent")
    assert run("--db", db_path, "--user", "cleo", "notice", "chase").out.startswith(
        "Nothing to chase"
    )

    first = str(sent[0]["our_ref"])
    confirmed = run(
        "--db", db_path, "--user", "cleo", "notice", "confirm", first.lower(),
        "--note", "Letter from Dr Rao, 3 December",
    )  # fmt: skip
    assert confirmed.status == 0 and f"Confirmed {first}" in confirmed.out
    again = run("--db", db_path, "--user", "cleo", "notice", "confirm", first, "--note", "x")
    assert again.status == 1 and "already confirmed on 2026-11-27 by cleo" in again.err
    unknown = run(
        "--db", db_path, "--user", "cleo", "notice", "confirm", "HB-999999", "--note", "x"
    )
    assert unknown.status == 1 and "no notice with this reference was sent" in unknown.err
    gp = run(
        "--db",
        db_path,
        "--user",
        "gwen",
        "notice",
        "confirm",
        str(sent[1]["our_ref"]),
        "--note",
        "x",
    )
    assert gp.status == 1 and "only a clerk or a manager may record" in gp.err

    clock.at = TODAY + timedelta(days=29)  # the replies were due in 28 days
    overdue = [item for item in plan(run, db_path) if item["overdue"]]
    assert {item["our_ref"] for item in overdue} == {str(n["our_ref"]) for n in sent[1:]}
    chased = run("--db", db_path, "--user", "cleo", "notice", "chase")
    reminders = entries(db_path, "hand_back_chased")
    assert len(reminders) == len({str(n["return_to"]) for n in sent[1:]})
    chased_refs = sorted(ref for reminder in reminders for ref in reminder["refs"])
    assert chased_refs == sorted(str(n["our_ref"]) for n in sent[1:])
    assert "Reminder: please confirm the hand-back" in str(reminders[0]["letter"])
    assert chased.out.count("overdue") == len(reminders)
    assert run("--db", db_path, "--user", "cleo", "notice", "chase").out.startswith(
        "Nothing to chase"
    )
    clock.at = TODAY + timedelta(days=29 + 14)
    assert run("--db", db_path, "--user", "cleo", "notice", "chase").status == 0
    assert len(entries(db_path, "hand_back_chased")) == 2 * len(reminders)
    letters = run("--db", db_path, "notice", "letters", str(reminders[0]["our_ref"]))
    assert letters.out.startswith("--- reminder ---\n") and first not in letters.out
    assert run("--db", db_path, "log", "verify").status == 0


def test_a_notice_letter_changed_in_the_log_is_caught(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    practice(run, db_path)
    imported_caseload(run, db_path, tmp_path, 11)
    assert run("--db", db_path, "notice", "send").status == 0
    with sqlite3.connect(db_path) as connection:
        seq, body = connection.execute(
            "SELECT seq, body FROM log_entries WHERE event = 'notice_sent' LIMIT 1"
        ).fetchone()
        connection.execute("DROP TRIGGER IF EXISTS log_entries_no_update")
        connection.execute(
            "UPDATE log_entries SET body = ? WHERE seq = ?",
            (body.replace("we will keep prescribing", "we will stop prescribing"), seq),
        )
    verified = run("--db", db_path, "log", "verify")
    assert verified.status == 1 and f"entry {seq}" in verified.err
    # An entry no longer shaped as written: the plan says so in one line, and how to look.
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE log_entries SET body = '{}' WHERE seq = ?", (seq,))
    planned = run("--db", db_path, "notice", "plan")
    assert planned.status == 1 and planned.err_lines == [
        f"triage: error: entry {seq} of the decision log is not as this program writes it: "
        "`triage log verify` says whether the log was changed"
    ]


# --- the policy language -------------------------------------------------------------------------

FUNDED = """
[[funded]]
id = "poole-rheumatology-les"
kind = "named_provider"
provider = "University Hospitals Dorset"
categories = ["dmard"]
note = "Poole's rheumatology shared care is paid for under a local enhanced service."
"""


def test_a_funded_arrangement_keeps_its_patients_and_sets_unfunded_rules_aside(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    from policies import load_shipped_policy

    shipped = load_shipped_policy("dorset-gp-alliance")
    assert shipped is not None
    funded = tmp_path / "funded.toml"
    text = shipped.text.replace('version = "2024-10.2"', 'version = "2024-10.3"')
    funded.write_text(text.replace("[safe_working]", FUNDED + "\n[safe_working]"), encoding="utf-8")
    practice(run, db_path)
    assert run("--db", db_path, "policy", "activate", funded).status == 0
    imported_caseload(run, db_path, tmp_path, 44)
    planned = plan(run, db_path)
    dmard = [item for item in planned if item["category"] == "dmard"]
    assert dmard and all("Dorset County Hospital" in str(item["team"]) for item in dmard)
    shown = run("--db", db_path, "notice", "plan").out
    assert "2 existing patients are kept: a funded arrangement pays for them." in shown

    requests = tmp_path / "requests.csv"
    rows = (SAMPLES / "requests.csv").read_text(encoding="utf-8").splitlines()
    s07 = next(row for row in rows if row.startswith("S07,"))
    from_poole = s07.replace(",Rheumatology,", ",Rheumatology (University Hospitals Dorset),")
    requests.write_text(f"{rows[0]}\n{from_poole}\n", encoding="utf-8")
    assert run("--db", db_path, "--user", "cleo", "import", requests).status == 0
    (item,) = [
        json.loads(line)
        for line in run("--db", db_path, "queue", "--format", "json").out.splitlines()
    ]
    assert item["suggestion"]["rule"] != "dmard-unfunded"
    assert (
        "rule dmard-unfunded does not apply: poole-rheumatology-les (a funded arrangement with "
        "a named provider) funds it" in item["suggestion"]["explanation"]
    )


def test_a_consider_rule_suggests_and_a_gp_decides(run: Run, db_path: Path) -> None:

    practice(run, db_path)
    assert run("--db", db_path, "--user", "cleo", "import", SAMPLES / "requests.csv").status == 0
    queue = [
        json.loads(line)
        for line in run("--db", db_path, "queue", "--format", "json").out.splitlines()
    ]
    (s07,) = [item for item in queue if item["ref"] == "S07"]
    suggestion = s07["suggestion"]
    assert suggestion["action"] == "decline" and "gp_confirmation" in suggestion["flags"]
    assert (
        "rule dmard-unfunded only says to consider it, so a GP decides" in suggestion["explanation"]
    )
    refused = run("--db", db_path, "--user", "cleo", "decide", "S07")
    assert refused.status == 1 and "only a GP may decide S07" in refused.err


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        (
            '[[funded]]\nid = "x"\nkind = "named_provider"\ncategories = ["dmard"]\n',
            "funded[x].provider: a named provider's arrangement needs provider",
        ),
        (
            '[[funded]]\nid = "x"\nkind = "grant"\ncategories = ["dmard"]\n',
            "funded[x].kind: unknown value 'grant'",
        ),
        (
            '[[notices]]\nid = "a"\ncategory = "adhd"\nnotice_months = 3\nhand_back_on = 2025-01-01\n'
            '[[notices]]\nid = "b"\ncategory = "adhd"\nnotice_months = 3\nhand_back_on = 2025-01-01\n',
            "notices[b].category: 'adhd' already has a notice",
        ),
        (
            '[[notices]]\nid = "a"\ncategory = "adhd"\nnotice_months = 3\nhand_back_on = 2020-01-01\n',
            "notices[a].hand_back_on: the hand-back (2020-01-01) comes before the policy starts",
        ),
        (
            '[[notices]]\nid = "a"\ncategory = "adhd"\nnotice_months = 0\nhand_back_on = 2025-01-01\n',
            "notices[a].notice_months: 0 is too small",
        ),
        (
            '[[notices]]\nid = "a"\ncategory = "adhd"\nscope = "some"\nnotice_months = 3\nhand_back_on = 2025-01-01\n',
            "notices[a].scope: unknown value 'some'",
        ),
    ],
    ids=["provider", "kind", "two-notices", "before-start", "no-notice", "scope"],
)
def test_a_notice_or_funded_arrangement_that_cannot_work_is_named_by_its_line(
    run: Run, db_path: Path, tmp_path: Path, extra: str, problem: str
) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text(
        '[policy]\nid = "p"\ntitle = "P"\nversion = "1"\neffective_from = 2024-10-01\n'
        'source = "s"\n' + extra,
        encoding="utf-8",
    )
    checked = run("--db", db_path, "policy", "check", policy)
    assert checked.status == 1 and problem in checked.err, checked.err


# --- the screens and the report ------------------------------------------------------------------


async def test_the_existing_patients_screen_sends_signs_off_and_confirms(
    run: Run, db_path: Path, tmp_path: Path, clock: MovingClock
) -> None:
    from textual.widgets import DataTable, Static

    from screens.app import TriageApp
    from tests.test_screens import settle
    from triage.services.workspace import open_workspace

    practice(run, db_path)
    imported_caseload(run, db_path, tmp_path, 11)  # one of each category

    manager = TriageApp(open_workspace(str(db_path), "pat", clock=clock))
    async with manager.run_test(size=(80, 24)) as pilot:
        await pilot.press("f7")
        await settle(pilot)
        summary = str(manager.screen.query_one("#caseload-summary", Static).render())
        assert summary.startswith("9 hand-backs on 2026-11-27 · 5 ready · 4 to sign off")
        rows = manager.screen.query_one("#hand-backs", DataTable)
        assert rows.row_count == 9
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert len(entries(db_path, "notice_sent")) == 5
        summary = str(manager.screen.query_one("#caseload-summary", Static).render())
        assert "0 ready" in summary
        await pilot.press("o")  # a manager may not sign off: the key says who may
        await pilot.pause()
        assert not entries(db_path, "hand_back_signed_off")

    gp = TriageApp(open_workspace(str(db_path), "gwen", clock=clock))
    async with gp.run_test(size=(120, 40)) as pilot:
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press("f", "f", "f")  # awaiting sign-off
        await settle(pilot)
        rows = gp.screen.query_one("#hand-backs", DataTable)
        assert rows.row_count == 4
        await pilot.press("o")
        await pilot.pause()
        await pilot.press(*"Last dose checked; team knows", "enter")
        await settle(pilot)
        assert len(entries(db_path, "hand_back_signed_off")) == 1
        assert gp.screen.query_one("#hand-backs", DataTable).row_count == 3

    clerk = TriageApp(open_workspace(str(db_path), "cleo", clock=clock))
    async with clerk.run_test(size=(120, 40)) as pilot:
        await pilot.press("f7")
        await settle(pilot)
        detail = str(clerk.screen.query_one("#hand-back-detail", Static).render())
        assert "Notice HB-00000" in detail and "reply due 2026-12-25" in detail
        await pilot.press("c")
        await pilot.pause()
        await pilot.press(*"Letter from Dr Rao", "enter")
        await settle(pilot)
        (confirmed,) = entries(db_path, "hand_back_confirmed")
        assert confirmed["note"] == "Letter from Dr Rao"
    assert run("--db", db_path, "log", "verify").status == 0


def test_the_report_counts_notices_and_hand_backs_without_naming_anyone(
    run: Run, db_path: Path, tmp_path: Path, clock: MovingClock
) -> None:
    practice(run, db_path)
    patients = imported_caseload(run, db_path, tmp_path, 110)
    assert run("--db", db_path, "notice", "send").status == 0
    sent = entries(db_path, "notice_sent")
    for notice in sent[:12]:
        ran = run(
            "--db",
            db_path,
            "--user",
            "cleo",
            "notice",
            "confirm",
            str(notice["our_ref"]),
            "--note",
            "ok",
        )
        assert ran.status == 0
    out = tmp_path / "report.csv"
    assert run("--db", db_path, "report", "--out", out).status == 0
    rows = out.read_text(encoding="utf-8").splitlines()
    assert "2026-11,adhd,notice_sent,all,all,10" in rows
    # The first twelve sent (by team: ADHD's ten, then two bariatric) were confirmed; two is a
    # small count, shown as *.
    assert "2026-11,adhd,hand_back_confirmed,all,all,10" in rows
    assert "2026-11,bariatric,hand_back_confirmed,all,all,*" in rows
    assert "2026-11,mgus,hand_back_open,all,all,10" in rows
    assert not [row for row in rows if row.startswith("2026-11,adhd,hand_back_open")]
    page = tmp_path / "report.html"
    assert run("--db", db_path, "report", "--out", page).status == 0
    shown = page.read_text(encoding="utf-8")
    assert "Existing patients handed back" in shown
    for patient in patients[:20]:
        assert patient.nhs_number not in shown and patient.name not in shown


async def test_the_queue_says_what_replies_are_overdue_and_what_needs_a_gp(
    run: Run, db_path: Path, tmp_path: Path, clock: MovingClock
) -> None:
    from textual.widgets import Static

    from screens.app import TriageApp
    from tests.test_screens import settle
    from triage.services.follow_ups import follow_ups_due
    from triage.services.workspace import open_workspace

    practice(run, db_path)
    imported_caseload(run, db_path, tmp_path, 11)
    assert run("--db", db_path, "notice", "send").status == 0
    clerk = open_workspace(str(db_path), "cleo", clock=clock)
    assert follow_ups_due(clerk) is None  # nothing overdue yet
    clock.at = TODAY + timedelta(days=29)
    assert str(follow_ups_due(clerk)) == "5 hand-back replies overdue (F7)"
    gp = open_workspace(str(db_path), "gwen", clock=clock)
    assert str(follow_ups_due(gp)) == "5 hand-backs need a GP (F7)"  # four sign-offs, one unknown

    app = TriageApp(open_workspace(str(db_path), "cleo", clock=clock))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        counts = str(app.screen.query_one("#counts", Static).render())
        assert counts.startswith("5 hand-back replies overdue (F7) · ")


def reply_letter(refs: list[str], body: str) -> str:
    """A reply as a rheumatology department writes one."""
    listed = "\n".join(f"  {ref}" for ref in refs)
    return (
        "Department of Rheumatology\nDorset County Hospital\nWilliams Avenue, Dorchester DT1 2JY\n"
        "Tel: 01305 251150\n\n3 December 2026\n\nDear Harbour Street Surgery,\n\n"
        f"Re: your notice of hand-back of shared care, your references:\n{listed}\n\n{body}\n\n"
        "Yours sincerely,\n\nDr P Rao\nConsultant Rheumatologist\n"
    )


def test_a_reply_letter_that_takes_the_patients_on_confirms_them_and_any_other_waits_for_a_person(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    from tests.letter_factory import docx_of, pdf_of

    practice(run, db_path)
    imported_caseload(run, db_path, tmp_path, 33)
    assert run("--db", db_path, "notice", "send").status == 0
    refs = [str(n["our_ref"]) for n in entries(db_path, "notice_sent")]

    declining = tmp_path / "reply-no.docx"
    declining.write_bytes(
        docx_of(reply_letter(refs[:2], "We are unable to take these patients back until the "
                             "commissioning position with the ICB is resolved."))
    )  # fmt: skip
    refused = run("--db", db_path, "--user", "cleo", "notice", "confirm", "--from", declining)
    assert refused.status == 1
    assert (
        "it says 'unable', so a person must read it; it quotes " + ", ".join(refs[:2])
        in refused.err
    )
    vague = tmp_path / "reply-vague.txt"
    vague.write_text(reply_letter(refs[:1], "Thank you for your letter, which we have noted."))
    unsure = run("--db", db_path, "--user", "cleo", "notice", "confirm", "--from", vague)
    assert (
        unsure.status == 1
        and "does not say plainly that the team takes the patient on" in unsure.err
    )
    nothing = tmp_path / "reply-none.txt"
    nothing.write_text("Dear colleague, we accept the transfer. Yours, Dr Rao")
    unquoted = run("--db", db_path, "--user", "cleo", "notice", "confirm", "--from", nothing)
    assert unquoted.status == 1 and "quotes no reference of ours" in unquoted.err
    assert not entries(db_path, "hand_back_confirmed")

    accepting = tmp_path / "reply-yes.pdf"
    letter = reply_letter(
        [*refs[:3], "HB-999999"],
        "We confirm that we will take over prescribing and monitoring for these patients from "
        "the dates in your letter. Please continue until then.",
    )
    accepting.write_bytes(pdf_of(letter))
    done = run("--db", db_path, "--user", "cleo", "notice", "confirm", "--from", accepting)
    assert done.status == 0, done.err
    assert f"confirmed {', '.join(refs[:3])}." in done.out
    assert "No notice was sent under: HB-999999." in done.err
    confirmations = entries(db_path, "hand_back_confirmed")
    assert [c["our_ref"] for c in confirmations] == refs[:3]
    assert (
        "reply letter" in confirmations[0]["note"]
        and "we confirm" in confirmations[0]["note"].lower()
    )
    again = run("--db", db_path, "--user", "cleo", "notice", "confirm", "--from", accepting)
    assert f"Already confirmed before: {', '.join(refs[:3])}." in again.out
    assert len(entries(db_path, "hand_back_confirmed")) == 3
    with sqlite3.connect(db_path) as connection:
        (kept,) = connection.execute("SELECT count(*) FROM originals").fetchone()
    assert kept == 1
    assert run("--db", db_path, "log", "verify").status == 0


def test_policy_show_says_what_the_notices_and_funded_arrangements_declare(
    run: Run, db_path: Path
) -> None:
    shown = run("--db", db_path, "policy", "show", "dorset-gp-alliance").out
    assert "unless funded, consider: a GP decides, from 2025-01-01" in shown
    assert (
        "  adhd-existing: ADHD, where not funded, 3 months' notice, handed back from 1 January "
        "2025, to their own team\n"
    ) in shown
    assert (
        "  inr-existing: INR/warfarin, where not funded, 3 months' notice, handed back from 1 January 2025, to their own team, a GP signs off each\n"
        in shown
    )


def test_letters_export_writes_the_hand_back_letters_for_the_clinical_system(
    run: Run, db_path: Path, tmp_path: Path, clock: MovingClock
) -> None:
    practice(run, db_path)
    patients = imported_caseload(run, db_path, tmp_path, 11)
    assert run("--db", db_path, "notice", "send").status == 0
    clock.at = TODAY + timedelta(days=30)
    assert run("--db", db_path, "--user", "cleo", "notice", "chase").status == 0
    folder = tmp_path / "letters"
    assert run("--db", db_path, "letters", "export", "--out", folder).status == 0
    names = sorted(path.name for path in folder.iterdir())
    adhd = next(p for p in patients if p.category == "adhd")
    assert f"2026-11-27_HB-000001_{adhd.nhs_number}_specialist.txt" in names
    assert f"2026-11-27_HB-000001_{adhd.nhs_number}_patient.txt" in names
    assert f"2026-11-27_HB-000001_{adhd.nhs_number}_sms.txt" in names
    assert "2026-11-27_HBT-00001_covering.txt" in names
    assert "2026-12-27_HBC-00001_reminder.txt" in names
    assert len(names) == 5 * 3 + 5 + 5  # five sent, five covering letters, five reminders
    assert all(path.stat().st_mode & 0o777 == 0o600 for path in folder.iterdir())
    covering = (folder / "2026-11-27_HBT-00001_covering.txt").read_text(encoding="utf-8")
    assert "our reference HB-000001" in covering
    only_december = tmp_path / "december"
    assert (
        run(
            "--db", db_path, "letters", "export", "--out", only_december, "--from", "2026-12-01"
        ).status
        == 0
    )
    assert sorted(path.name for path in only_december.iterdir()) == [
        n for n in names if n.startswith("2026-12-27")
    ]


def test_a_policy_without_notices_hands_nobody_back(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    practice(run, db_path)
    assert run("--db", db_path, "policy", "activate", "weymouth-portland-pcn").status == 0
    imported_caseload(run, db_path, tmp_path, 11)
    shown = run("--db", db_path, "notice", "plan")
    assert (
        shown.out
        == "The policy in force declares no notices: no existing patient is handed back.\n"
    )
    assert run("--db", db_path, "notice", "send").out.startswith("Nothing to send")
    assert not entries(db_path, "notice_sent")
