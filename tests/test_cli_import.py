"""`triage import` and `triage queue` as a clerk uses them: idempotent, all or nothing, and every
problem named, with nothing half-written."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import (
    OS_LOGIN,
    SAMPLES,
    Run,
    sqlite_dump,
    table_count,
    write_requests_csv,
)
from triage.errors import DatabaseBusy, Joined, Place, Problem, Problems
from triage.intake import REQUIRED_COLUMNS
from triage.services.importing import ImportRejected, import_files
from triage.services.workspace import open_workspace

THREE_SAMPLES = [SAMPLES / "requests.csv", SAMPLES / "requests.json", SAMPLES / "requests.jsonl"]


def queued(run: Run, db: Path) -> list[dict[str, object]]:
    result = run("--db", db, "queue", "--format", "json")
    assert result.status == 0, result.err
    return [json.loads(line) for line in result.out.splitlines()]


def test_the_three_samples_queue_sixteen_requests_once(run: Run, db_path: Path) -> None:
    first = run("--db", db_path, "import", *THREE_SAMPLES)
    assert first.status == 0, first.err
    assert "requests.csv: 16 imported, 0 already present, 0 rejected" in first.out
    assert "Total: 16 imported, 16 already present, 0 rejected." in first.out
    assert len(queued(run, db_path)) == 16

    again = run("--db", db_path, "import", *THREE_SAMPLES)
    assert again.status == 0
    assert "Nothing new: every request in these files is already in the queue." in again.out
    assert len(queued(run, db_path)) == 16
    assert table_count(db_path, "imports") == 6  # who imported which file is kept, each time


def test_sample_s15_is_queued_with_the_invalid_nhs_number_flag(run: Run, db_path: Path) -> None:
    result = run("--db", db_path, "import", SAMPLES / "requests.csv")
    assert (
        "triage: warning: " + str(SAMPLES / "requests.csv") + ":16: nhs_number: '1234567890' fails "
        "the Modulus 11 check"
    ) in result.err
    flags = {request["ref"]: request["flags"] for request in queued(run, db_path)}
    assert flags["S15"] == ["invalid_nhs_number"]
    assert all(not flagged for ref, flagged in flags.items() if ref != "S15")


def test_the_bad_sample_imports_nothing_and_names_each_problem(run: Run, db_path: Path) -> None:
    run("--db", db_path, "import", SAMPLES / "requests.csv")
    before = sqlite_dump(db_path)
    bad = SAMPLES / "requests-bad.csv"
    result = run("--db", db_path, "import", bad)
    assert result.status == 1
    assert result.out == ""
    assert result.err_lines == [
        f"{bad}:1: colour: unknown column (see the import formats)",
        f"{bad}:2: received: '14/01/2025' is not an ISO 8601 date or date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM)",
        f"{bad}:3: ref: missing (a value is required)",
        f"{bad}:4: request_type: 'brand-new' is not one of: new, continuation, transfer_in",
        f"triage: error: nothing imported: 4 problems in {bad}; correct the file, or use "
        "--skip-invalid to import the good rows",
    ]
    assert sqlite_dump(db_path) == before


def test_one_bad_file_among_good_ones_imports_nothing_at_all(run: Run, db_path: Path) -> None:
    run("--db", db_path, "users", "list")  # creates the database
    before = sqlite_dump(db_path)
    result = run("--db", db_path, "import", SAMPLES / "requests.csv", SAMPLES / "requests-bad.csv")
    assert result.status == 1
    assert sqlite_dump(db_path) == before


def test_skip_invalid_imports_the_good_rows_and_lists_the_rest(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    mixed = tmp_path / "mixed.csv"
    good_rows = (SAMPLES / "requests.csv").read_text().splitlines()[:4]
    bad_row = "S99,not a date,9434765919,A,1980-01-01,Dr B,Clinic" + "," * 11
    mixed.write_text("\n".join([*good_rows, bad_row]) + "\n")
    result = run("--db", db_path, "import", "--skip-invalid", mixed)
    assert result.status == 0
    assert f"{mixed.name}: 3 imported, 0 already present, 1 rejected" in result.out
    assert f"not imported: {mixed}:5: received: 'not a date' is not an ISO 8601 date" in result.err
    assert [request["ref"] for request in queued(run, db_path)] == ["S01", "S02", "S03"]


def test_skip_invalid_still_refuses_a_file_whose_header_is_wrong(run: Run, db_path: Path) -> None:
    result = run(
        "--db",
        db_path,
        "import",
        "--skip-invalid",
        SAMPLES / "requests-bad.csv",
        SAMPLES / "requests.json",
    )
    assert "requests-bad.csv: not imported (see the problems above)" in result.out
    assert "requests.json: 6 imported" in result.out
    assert len(queued(run, db_path)) == 6


def test_a_changed_request_reusing_a_ref_keeps_the_first_and_says_so(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    run("--db", db_path, "import", SAMPLES / "requests.csv")
    changed = tmp_path / "changed.csv"
    lines = (SAMPLES / "requests.csv").read_text().splitlines()
    changed.write_text("\n".join([lines[0], lines[1].replace("36mg", "54mg")]) + "\n")
    result = run("--db", db_path, "import", changed)
    assert result.status == 0
    assert (
        f"triage: warning: {changed}: ref: 'S01' from 'Adult ADHD Service' (line 2) was already "
        f"imported from {SAMPLES / 'requests.csv'} (line 2) with different content; the earlier "
        "request is kept"
    ) in result.err
    [s01] = [request for request in queued(run, db_path) if request["ref"] == "S01"]
    assert s01["medications"] == ["methylphenidate MR 36mg"]


def test_the_same_ref_from_another_sender_is_another_request(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.csv"
    lines = (SAMPLES / "requests.csv").read_text().splitlines()
    other.write_text(
        "\n".join([lines[0], lines[1].replace("Adult ADHD Service", "Another Trust")]) + "\n"
    )
    run("--db", db_path, "import", SAMPLES / "requests.csv")
    result = run("--db", db_path, "import", other)
    assert "other.csv: 1 imported" in result.out
    assert len(queued(run, db_path)) == 17


def test_senders_match_ignoring_case_and_spacing(run: Run, db_path: Path, tmp_path: Path) -> None:
    respaced = tmp_path / "respaced.csv"
    lines = (SAMPLES / "requests.csv").read_text().splitlines()
    respaced.write_text(
        "\n".join([lines[0], lines[1].replace("Adult ADHD Service", "adult  ADHD service")]) + "\n"
    )
    run("--db", db_path, "import", SAMPLES / "requests.csv")
    assert (
        "respaced.csv: 0 imported, 1 already present"
        in run("--db", db_path, "import", respaced).out
    )


def test_the_fhir_samples_import(run: Run, db_path: Path) -> None:
    # The Task and the Communication examples are not requests: each is refused on its own
    # (test_intake_fhir.py), so they are left out here, where the requests are imported.
    files = sorted(
        path for path in (SAMPLES / "fhir").iterdir() if path.suffix in (".json", ".xml")
    )
    requests = [
        path for path in files if "Task" not in path.name and "Communication" not in path.name
    ]
    assert len(requests) == 5
    result = run("--db", db_path, "import", *requests)
    assert result.status == 0, result.err
    assert "Total: 3 imported, 2 already present, 0 rejected." in result.out
    assert "skipped 1 Task (only ServiceRequests are imported)" in result.err
    waiting = run("--db", db_path, "queue", "--status", "all", "--format", "json")
    queue = [json.loads(line) for line in waiting.out.splitlines()]
    assert sorted(str(request["ref"]) for request in queue) == [
        "TRUST-LETTER-12345",
        "UKCore-ServiceRequest-ColonoscopyRequest-Example",
        "UKCore-ServiceRequest-Lab-CReactiveProtein-Example",
    ]
    # None names its patient in full: each waits for a clerk to complete it.
    assert {request["status"] for request in queue} == {"needs_details"}

    refused = run("--db", db_path, "import", *files)
    assert refused.status == 1
    assert (
        f"{SAMPLES / 'fhir' / 'UKCore-Task-Colonoscopy-Example.official.xml'}: is a Task about "
        "ServiceRequest/UKCore-ServiceRequest-ColonoscopyRequest-Example, which is not in the file"
    ) in refused.err


def test_a_missing_file_is_named_and_nothing_imported(run: Run, db_path: Path) -> None:
    result = run("--db", db_path, "import", SAMPLES / "requests.csv", "nowhere.csv")
    assert result.status == 1
    assert "nowhere.csv: no such file" in result.err
    assert run("--db", db_path, "queue").out.startswith("No requests")


def test_queue_json_is_one_object_per_line_with_the_documented_keys(
    run: Run, db_path: Path
) -> None:
    run("--db", db_path, "import", SAMPLES / "requests.csv")
    [first, *_] = queued(run, db_path)
    assert set(first) == {
        "id", "ref", "sender", "status", "received", "nhs_number", "nhs_number_valid",
        "patient_name", "date_of_birth", "requester", "organisation", "provider_type",
        "request_type", "medications", "diagnosis", "codes", "category", "urgency",
        "supply_ends", "procedure_date", "reply_to", "text", "flags", "repeat_of", "source", "imported_at", "due", "assigned_to",
        "classified_as", "suggestion",
    }  # fmt: skip
    assert first["source"] == {
        "file": str(SAMPLES / "requests.csv"),
        "format": "csv",
        "location": "line 2",
    }


def test_queue_table_shows_counts_and_honours_limit(run: Run, db_path: Path) -> None:
    run("--db", db_path, "import", SAMPLES / "requests.csv")
    result = run("--db", db_path, "queue", "--limit", "5")
    assert result.status == 0
    assert "Showing 5 of 16; use --limit 0 to see all." in result.out
    assert "16 open · 0 awaiting GP · 0 decided" in result.out
    assert "S05" in result.out and "S06" not in result.out
    assert "1234567890 (invalid)" in run("--db", db_path, "queue", "--limit", "0").out


def test_queue_status_filter(run: Run, db_path: Path) -> None:
    run("--db", db_path, "import", SAMPLES / "requests.csv")
    assert run("--db", db_path, "queue", "--status", "decided").out.startswith(
        "No requests with that status."
    )
    assert run("--db", db_path, "queue", "--status", "bogus").status == 2


INJECTIONS = [
    "[@click=app.quit]Jane[/]",
    "O'Brien [/bold]",
    "\x1b[2J\x1b]0;pwned\x07Evil",
    "\u202eevil\u202c",
    "[link=https://evil.example]click[/link]",
]


def test_untrusted_text_is_printed_literally_never_as_markup_or_escapes(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    hostile = write_requests_csv(
        tmp_path / "hostile.csv",
        (
            [f"X{number}", "2025-01-14", "9434765919", text, "1980-01-01", "Dr A", text]
            for number, text in enumerate(INJECTIONS)
        ),
    )
    assert run("--db", db_path, "import", hostile).status == 0
    table = run("--db", db_path, "queue", "--limit", "0").out
    assert "\x1b" not in table and "\x07" not in table and "\u202e" not in table
    assert "[@click=app.quit]Jane[/]" in table
    assert "O'Brien [/bold]" in table
    assert "\\x1b[2J\\x1b]0;pwned" in table  # the column is cut short with an ellipsis
    assert "\\u202eevil\\u202c" in table
    as_json = run("--db", db_path, "queue", "--format", "json").out
    assert "\x1b" not in as_json and "\u202e" not in as_json
    names = [json.loads(line)["patient_name"] for line in as_json.splitlines()]
    assert names == INJECTIONS  # stored exactly as received


def test_errors_quoting_the_file_are_terminal_safe(run: Run, db_path: Path, tmp_path: Path) -> None:
    hostile = tmp_path / "evil.csv"
    hostile.write_text(
        "ref,received,nhs_number,patient_name,date_of_birth,requester,organisation\n"
        "X1,\x1b[31mred\x1b[0m,9434765919,A,1980-01-01,Dr A,Clinic\n"
    )
    result = run("--db", db_path, "import", hostile)
    assert result.status == 1
    assert "\x1b" not in result.err
    assert "received: '\\x1b[31mred\\x1b[0m' is not an ISO 8601 date" in result.err


def test_import_works_on_a_copy_of_the_samples_in_another_folder(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "inbox"
    shutil.copytree(SAMPLES, copy)
    assert run("--db", db_path, "import", copy / "requests.csv").status == 0
    # The same requests from another path are still the same requests.
    assert (
        "0 imported, 16 already present"
        in run("--db", db_path, "import", SAMPLES / "requests.csv").out
    )


def test_thousands_of_warnings_are_summarised_not_flooded(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    many = write_requests_csv(
        tmp_path / "many.csv",
        (
            [f"B{n}", "2025-01-14", "1234567890", "A", "1980-01-01", "Dr A", "Clinic"]
            for n in range(120)
        ),
    )
    result = run("--db", db_path, "import", many)
    assert result.status == 0
    warnings = [line for line in result.err_lines if line.startswith("triage: warning:")]
    assert len(warnings) == 51
    assert (
        warnings[-1]
        == "triage: warning: ... and 70 more; flagged requests show their flags in `triage queue`"
    )
    assert "120 imported" in result.out


HEADER = "ref,received,nhs_number,patient_name,date_of_birth,requester,organisation"
ROW = "R1,2025-01-14,9434765919,Ann Example,1980-02-03,Dr A,Rheumatology"
NO_PATIENT_FHIR = json.dumps(
    {
        "resourceType": "ServiceRequest",
        "id": "x",
        "status": "active",
        "intent": "proposal",
        "authoredOn": "2025-01-06",
    }
)
BAD_INPUTS = {
    "unknown column": (f"{HEADER},colour\n{ROW},blue\n".encode(), "bad:1: colour: unknown column"),
    "unparseable date": (
        f"{HEADER}\n{ROW.replace('2025-01-14', '14/01/2025')}\n".encode(),
        "bad:2: received: '14/01/2025' is not an ISO 8601 date",
    ),
    "unknown enum value": (
        f"{HEADER},urgency\n{ROW},whenever\n".encode(),
        "bad:2: urgency: 'whenever' is not one of: routine, urgent",
    ),
    "missing required field": (
        f"{HEADER}\n{ROW.replace('Ann Example', '')}\n".encode(),
        "bad:2: patient_name: missing (a value is required)",
    ),
    "empty file": (b"", "bad: is empty"),
    "invalid UTF-8": (
        f"{HEADER}\n".encode() + b"R1,2025-01-14,9434765919,Zo\xeb,1980-02-03,Dr A,X\n",
        "bad:2: is not UTF-8 (byte 0xeb at column 28)",
    ),
    "not JSON": (b'[{"ref": "R1", ', "bad:1: is not valid JSON"),
    "JSON of the wrong shape": (
        b'{"requests": []}',
        "bad: is a JSON object with the keys requests",
    ),
    "JSON nested thousands deep": (
        b"[" * 5000 + b"]" * 5000,
        "bad:1: is nested more than 64 levels deep",
    ),
    "FHIR resource without a patient": (
        NO_PATIENT_FHIR.encode(),
        "bad:ServiceRequest x: subject: missing: a request must name its patient",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_each_bad_input_ends_in_one_clear_line_and_changes_nothing(
    run: Run, db_path: Path, tmp_path: Path, case: str
) -> None:
    content, problem = BAD_INPUTS[case]
    run("--db", db_path, "import", SAMPLES / "requests.csv")
    before = sqlite_dump(db_path)
    bad = tmp_path / "bad"
    bad.write_bytes(content)
    result = run("--db", db_path, "import", bad)
    assert result.status == 1
    assert any(line.startswith(str(bad.parent / problem)) for line in result.err_lines), result.err
    assert result.err_lines[-1].startswith(f"triage: error: nothing imported: 1 problem in {bad}")
    assert "Traceback" not in result.err
    assert sqlite_dump(db_path) == before


def test_a_file_over_the_size_limit_is_refused_from_the_command_line(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as file:
        file.truncate(65 * 1024 * 1024)  # sparse: refused on its size alone
    result = run("--db", db_path, "import", huge)
    assert result.status == 1
    assert (
        result.err_lines[-2]
        == f"{huge}: is 65.0 MB, over the 64 MB limit for one file; split it into smaller files"
    )


# --- big files: stored a batch at a time, still all or nothing -----------------------------------


def rows_of(count: int, *, first: int = 1) -> list[list[str]]:
    return [
        [f"B{n}", "2025-01-14", "9434765919", f"Patient {n}", "1980-01-01", "Dr A", "Clinic"]
        for n in range(first, first + count)
    ]


def stored(db: Path) -> tuple[int, list[tuple[object, ...]]]:
    """How many requests, and what the imports recorded: added, present, rejected."""
    with sqlite3.connect(db) as connection:
        (requests,) = connection.execute("SELECT count(*) FROM requests").fetchone()
        imports = connection.execute(
            "SELECT requests_added, requests_present, rows_rejected FROM imports ORDER BY id"
        ).fetchall()
    return requests, imports


def test_a_bad_row_after_thousands_of_good_ones_imports_nothing(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    run("--db", db_path, "import", SAMPLES / "requests.csv")
    before = sqlite_dump(db_path)
    bad_row = ["B9999", "not a date", "9434765919", "A", "1980-01-01", "Dr A", "Clinic"]
    big = write_requests_csv(tmp_path / "big.csv", [*rows_of(2_500), bad_row])
    result = run("--db", db_path, "import", big)
    assert result.status == 1
    assert result.err_lines == [
        f"{big}:2502: received: 'not a date' is not an ISO 8601 date or date-time "
        "(YYYY-MM-DD or YYYY-MM-DDTHH:MM)",
        f"triage: error: nothing imported: 1 problem in {big}; correct the file, or use "
        "--skip-invalid to import the good rows",
    ]
    assert sqlite_dump(db_path) == before  # the batches stored before it were rolled back


def test_skip_invalid_undoes_a_file_refused_part_way_and_keeps_the_others(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    objects = [dict(zip(REQUIRED_COLUMNS, row, strict=True)) for row in rows_of(2_500)]
    broken.write_text(json.dumps(objects)[:-1] + ', {"ref": ')  # cut off after 2,500 requests
    result = run("--db", db_path, "import", "--skip-invalid", SAMPLES / "requests.csv", broken)
    assert result.status == 0, result.err
    assert "broken.json: not imported (see the problems above)" in result.out
    assert "requests.csv: 16 imported, 0 already present, 0 rejected" in result.out
    assert f"not imported: {broken}:1: is not valid JSON" in result.err
    assert stored(db_path) == (16, [(16, 0, 0)])  # nothing of the broken file, nor its record


def test_a_request_repeated_batches_apart_is_counted_once_and_the_record_agrees(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    rows = rows_of(2_400)
    changed = [*rows[4][:3], "Someone Else", *rows[4][4:]]
    bad = ["B-bad", "2025-01-14", "9434765919", "A", "13/01/1980", "Dr A", "Clinic"]
    big = write_requests_csv(tmp_path / "big.csv", [*rows, rows[5], changed, bad])
    result = run("--db", db_path, "import", "--skip-invalid", big)
    assert result.status == 0, result.err
    assert "big.csv: 2400 imported, 2 already present, 1 rejected" in result.out
    assert (
        f"triage: warning: {big}: ref: 'B5' from 'Clinic' (line 2403) was already imported from "
        f"{big} (line 6) with different content; the earlier request is kept"
    ) in result.err
    assert stored(db_path) == (2_400, [(2_400, 2, 1)])
    again = run("--db", db_path, "import", big, SAMPLES / "requests.csv")
    assert again.status == 1  # the bad row, without --skip-invalid
    assert stored(db_path) == (2_400, [(2_400, 2, 1)])
    assert "big.csv: 0 imported, 2402 already present" in run("--db", db_path, "import",
        "--skip-invalid", big).out  # fmt: skip
    assert stored(db_path)[1][-1] == (0, 2_402, 1)  # the changed B5 is already there, as B5


def test_every_one_of_thousands_of_problems_is_named_in_order(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    rows = [[ref, "14/01/2025", *rest] for ref, _, *rest in rows_of(1_500)]
    bad = write_requests_csv(tmp_path / "bad.csv", rows)
    refused = run("--db", db_path, "import", bad)
    named = [f"{bad}:{n + 1}: received: '14/01/2025' is not an ISO 8601" for n in range(1, 1_501)]
    assert len(refused.err_lines) == 1_501
    assert all(
        line.startswith(start) for line, start in zip(refused.err_lines, named, strict=False)
    )
    assert refused.err_lines[-1].startswith("triage: error: nothing imported: 1500 problems")
    skipped = run("--db", db_path, "import", "--skip-invalid", bad)
    listed = [line for line in skipped.err_lines if line.startswith("not imported: ")]
    assert listed == [f"not imported: {line}" for line in refused.err_lines[:-1]]
    assert "bad.csv: 0 imported, 0 already present, 1500 rejected" in skipped.out


def test_problems_are_kept_as_they_were_found_however_many() -> None:
    found = [
        Problem("a.csv", Place(line=n), "received" if n % 3 else None, f"problem {n} «ß»")
        if n % 5
        else Problem("b.json", None if n % 2 else Place(entry=f"entry {n}"), None, "whole")
        for n in range(Problems.KEPT + 2 * Problems.PACKED + 7)
    ]
    problems = Problems(found)
    assert list(problems) == found and problems == found and len(problems) == len(found)
    assert problems[-1] == found[-1] and problems[Problems.KEPT + 5] == found[Problems.KEPT + 5]
    assert problems[:50] == found[:50] and problems[1_190:1_210] == found[1_190:1_210]
    joined = Joined([Problems(found[:300]), Problems(), Problems(found[300:])])
    assert joined == found and joined[299] == found[299] and joined[300] == found[300]
    assert joined[-2:] == found[-2:] and joined[::-500] == found[::-500]
    with pytest.raises(IndexError):
        joined[len(found)]


def test_a_refused_import_does_not_keep_others_waiting_while_it_names_the_rest(
    run: Run, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = rows_of(1_600)
    bad = ["B-bad", "2025-01-14", "9434765919", "A", "13/01/1980", "Dr A", "Clinic"]
    big = write_requests_csv(tmp_path / "big.csv", [*rows, bad, *rows_of(600, first=2_000)])
    monkeypatch.setenv("TRIAGE_SQLITE_WAIT_SECONDS", "0.2")
    importing = open_workspace(str(db_path), OS_LOGIN)
    colleague = open_workspace(str(db_path), OS_LOGIN)
    could_save: dict[int, bool] = {}

    def progress(_label: str) -> Callable[[int, int], None]:
        def update(done: int, _total: int) -> None:
            try:
                with colleague.database.write():
                    could_save[done] = True
            except DatabaseBusy:
                could_save[done] = False

        return update

    try:
        with pytest.raises(ImportRejected):
            import_files(importing, [big], progress=progress)
    finally:
        importing.close()
        colleague.close()
    # Line 1,501: the first 1,000 requests are being saved. Line 2,001: the bad row on line
    # 1,602 has been found, so nothing will be saved, and the rest is only being checked.
    assert (could_save[1_501], could_save[2_001]) == (False, True)
