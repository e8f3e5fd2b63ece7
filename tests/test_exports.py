"""Exports and reports: exact round trips with no active formula, de-identification, FHIR,
letters as files, and the safety of every export file."""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import json
import os
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.communication import Communication
from fhir.resources.R4B.task import Task
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pydantic import ValidationError

from tests.conftest import SAMPLES, Run, write_requests_csv
from tests.test_deciding import PRACTICE
from triage.clock import Clock, FixedClock
from triage.errors import PermissionRefused, UserError
from triage.models import (
    Action,
    Category,
    DecisionFilter,
    ExportedDecision,
    LetterKind,
    LogEvent,
    ProviderType,
    Reason,
    Role,
)
from triage.services.deciding import Choice, apply_policy, decide, find_request
from triage.services.exports import export_letters, export_log, formats
from triage.services.exports.formats import write_fhir
from triage.services.exports.report import monthly_report
from triage.services.exports.rows import Anchor, fields
from triage.services.importing import import_files
from triage.services.workspace import Workspace, open_workspace

NOW = datetime(2025, 2, 3, 10, 0, tzinfo=UTC)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


@pytest.fixture
def clock() -> Clock:
    return FixedClock(NOW)


@pytest.fixture
def practice(run: Run, db_path: Path) -> Iterator[tuple[Workspace, Workspace]]:
    """(clerk, manager) on the samples, with every clear-cut request decided."""
    for args in (
        PRACTICE,
        ("users", "add", "cleo", "--role", "clerk"),
        ("policy", "activate", "weymouth-portland-pcn"),
        ("import", SAMPLES / "requests.csv"),
    ):
        assert run("--db", db_path, *args).status == 0
    clerk = open_workspace(str(db_path), "cleo", clock=FixedClock(NOW))
    manager = open_workspace(str(db_path), "pat", clock=FixedClock(NOW))
    apply_policy(clerk)
    yield clerk, manager
    clerk.close()
    manager.close()


def stored_decisions(workspace: Workspace) -> dict[str, ExportedDecision]:
    """Every decision as the database has it, by our_ref."""
    with workspace.database.read() as tx:
        rows = list(tx.exports.rows(DecisionFilter(), None, None))
    return {row.our_ref: row for row in rows}


def read_cell(text: str) -> str:
    """A cell's value as written before the export escaped it against formula injection."""
    return text[1:] if text.startswith("'") else text


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    for row in rows:
        for value in row.values():
            assert not value.startswith(FORMULA_STARTS), f"an unescaped formula: {value!r}"
    return [{key: read_cell(value) for key, value in row.items()} for row in rows]


def read_xlsx(path: Path, sheet: str = "Decisions") -> list[dict[str, str | None]]:
    book = load_workbook(path)
    rows = list(book[sheet].iter_rows())
    header = [cell.value for cell in rows[0]]
    for row in rows:
        for cell in row:
            assert cell.data_type not in ("f", "e"), f"a formula or error: {cell.value!r}"
    return [
        {
            str(key): (None if cell.value is None else str(cell.value))
            for key, cell in zip(header, row, strict=True)
        }
        for row in rows[1:]
    ]


# --- the full log ---------------------------------------------------------------------------------


def test_every_decision_round_trips_through_csv_and_xlsx(
    practice: tuple[Workspace, Workspace], tmp_path: Path
) -> None:
    _, manager = practice
    stored = stored_decisions(manager)
    assert len(stored) == 3
    for export_format in ("csv", "xlsx"):
        out = tmp_path / f"log.{export_format}"
        exported = export_log(manager, export_format, out)
        assert exported.rows == 3
        rows = read_csv(out) if export_format == "csv" else read_xlsx(out)
        for row in rows:
            original = stored[str(row["our_ref"])]
            assert row["patient_name"] == original.patient_name
            assert row["nhs_number"] == original.nhs_number
            assert row["note"] in (None, "", original.note)
            assert row["reasons"] == ";".join(original.reasons)
            assert row["log_head_sha256"] == exported.anchor.hash
    letters = read_xlsx(tmp_path / "log.xlsx", "Letters")
    assert len(letters) == 9 and {row["letter"] for row in letters} == {
        "specialist",
        "patient",
        "sms",
    }


_REFS = itertools.count(1)
_FORMULA_LIKE = st.sampled_from(["=", "+", "-", "@", "'", '=HYPERLINK("x")', "=1+1", "-2", ""])
_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    min_size=1,
    max_size=30,
).filter(lambda text: text.strip() == text and text.strip())


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.tuples(_FORMULA_LIKE, _TEXT), note=st.tuples(_FORMULA_LIKE, _TEXT))
def test_formula_like_names_and_notes_round_trip_exactly_and_never_run(
    practice: tuple[Workspace, Workspace],
    tmp_path_factory: pytest.TempPathFactory,
    name: tuple[str, str],
    note: tuple[str, str],
) -> None:
    clerk, manager = practice
    folder = tmp_path_factory.mktemp("example")
    patient_name, override_note = "".join(name).strip(), "".join(note).strip()
    ref = f"X{next(_REFS)}"  # a new request for every example, even a repeated one
    requests = write_requests_csv(
        folder / "one.csv",
        [[ref, "2025-01-14", "9434765919", patient_name, "1970-01-01", "Dr R", "Haematology",
          "", "MGUS", "Please monitor paraprotein."]],
        ("ref", "received", "nhs_number", "patient_name", "date_of_birth", "requester",
         "organisation", "medications", "diagnosis", "text"),
    )  # fmt: skip
    import_files(manager, [requests])
    decision = decide(
        clerk, find_request(clerk, ref).id, Choice(action=Action.ACCEPT, note=override_note)
    )
    for export_format, read in (("csv", read_csv), ("xlsx", read_xlsx)):
        out = folder / f"log.{export_format}"
        export_log(manager, export_format, out, DecisionFilter(action=Action.ACCEPT))
        [row] = [row for row in read(out) if row["our_ref"] == decision.our_ref]
        assert row["patient_name"] == patient_name
        assert row["note"] == decision.note


def test_names_and_notes_like_formulas_or_error_values_are_text_in_xlsx(
    practice: tuple[Workspace, Workspace], tmp_path: Path
) -> None:
    clerk, manager = practice
    names = ["#N/A", "=SUM(A1:A9)", "#DIV/0!", "=", "#"]
    requests = write_requests_csv(
        tmp_path / "odd.csv",
        [[f"ODD{i}", "2025-01-14", "9434765919", name, "1970-01-01", "Dr R", "Haematology", "",
          "MGUS", "Please monitor."] for i, name in enumerate(names)],
        ("ref", "received", "nhs_number", "patient_name", "date_of_birth", "requester",
         "organisation", "medications", "diagnosis", "text"),
    )  # fmt: skip
    import_files(manager, [requests])
    for i in range(len(names)):
        decide(clerk, find_request(clerk, f"ODD{i}").id, Choice(action=Action.ACCEPT, note="#REF!"))
    export_log(manager, "xlsx", tmp_path / "log.xlsx", DecisionFilter(action=Action.ACCEPT))
    rows = read_xlsx(tmp_path / "log.xlsx")  # every cell text: none a formula or an error
    assert sorted(str(row["patient_name"]) for row in rows) == sorted(names)
    assert {row["note"] for row in rows} == {"#REF!"}


def _printable_one_character_at_a_time(text: str) -> str:
    """What the XLSX export's printable filter did before it was a regular expression."""
    return "".join(
        char if char in "\t\n\r" or ord(char) >= 0x20 else f"\\x{ord(char):02x}" for char in text
    )


@given(
    st.text(
        alphabet=st.one_of(st.characters(), st.characters(max_codepoint=0x20)),
    )
)
def test_the_xlsx_printable_filter_escapes_as_it_always_did(text: str) -> None:
    assert formats._printable(text) == _printable_one_character_at_a_time(text)


def test_jsonl_and_filters(practice: tuple[Workspace, Workspace], tmp_path: Path) -> None:
    _, manager = practice
    out = tmp_path / "log.jsonl"
    exported = export_log(manager, "jsonl", out, DecisionFilter(action=Action.REDIRECT))
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert exported.rows == len(records) == 2
    assert {record["request_ref"] for record in records} == {"S04", "S05"}
    assert set(records[0]["letters"]) == {"specialist", "patient", "sms"}
    none = export_log(manager, "jsonl", tmp_path / "none.jsonl", DecisionFilter(user="pat"))
    assert none.rows == 0


def test_the_fhir_bundle_validates_with_a_task_and_communications_per_decision(
    practice: tuple[Workspace, Workspace], tmp_path: Path
) -> None:
    _, manager = practice
    out = tmp_path / "log.json"
    exported = export_log(manager, "fhir", out)
    text = out.read_text(encoding="utf-8")
    Bundle.model_validate_json(text)  # valid FHIR R4, or this raises
    bundle = json.loads(text)
    resources = [entry["resource"] for entry in bundle["entry"]]
    kinds = [resource["resourceType"] for resource in resources]
    assert kinds.count("Task") == 3 and kinds.count("Communication") == 9
    tasks = [resource for resource in resources if resource["resourceType"] == "Task"]
    assert {task["status"] for task in tasks} == {"rejected"}  # two redirects and a decline
    assert {task["focus"]["identifier"]["value"] for task in tasks} == {"S04", "S05", "S06"}
    assert bundle["identifier"]["value"] == f"{exported.anchor.count}:{exported.anchor.hash}"


# What the FHIR export wrote before it built plain dicts (every resource through fhir.resources),
# kept as the reference the plain dicts must match, value for value and key for key.
def resources_through_the_models(row: ExportedDecision, anchor: Anchor) -> list[dict[str, Any]]:
    values = fields(row, anchor)
    task_id = f"decision-{row.decision_id}"
    rejected = values["action"] in ("decline", "redirect")
    reasons = [reason for reason in str(values["reasons"]).split(";") if reason]
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": task_id,
        "identifier": [{"system": "urn:shared-care-triage:decision", "value": values["our_ref"]}],
        "status": "rejected" if rejected else "accepted",
        "intent": "order",
        "businessStatus": {"text": values["action"]},
        "focus": {
            "type": "ServiceRequest",
            "identifier": {
                "system": "urn:shared-care-triage:sender:" + str(values["sender"]),
                "value": values["request_ref"],
            },
        },
        "authoredOn": values["decided_at"],
        "owner": {"display": values["decided_by"]},
        "note": [{"text": str(values["note"])}] if values["note"] else None,
    }
    if reasons:
        task["statusReason"] = {
            "coding": [
                {"system": "urn:shared-care-triage:reason", "code": reason} for reason in reasons
            ],
            "text": ", ".join(reasons),
        }
    if values["redirect_to"]:
        task["description"] = f"Redirected to {values['redirect_to']}"
    resources = [Task(**task).model_dump(mode="json", exclude_none=True)]
    for kind, text in sorted(row.letters.items()):
        communication = {
            "resourceType": "Communication",
            "id": f"{task_id}-{kind}",
            "status": "completed",
            "about": [{"reference": f"urn:uuid:{task_id}"}],
            "category": [{"text": kind}],
            "sent": values["decided_at"],
            "payload": [{"contentString": text}],
        }
        resources.append(Communication(**communication).model_dump(mode="json", exclude_none=True))
    return resources


# Text of every kind, with the characters FHIR's patterns (and Python's and Rust's idea of
# whitespace) disagree on, a lone surrogate, and reasons' separator.
_ANY_TEXT = st.sampled_from(
    ["", " ", "\n", "\x0b", "\xa0", "\x1c\u3000", " a", "a  b", "\ud800"]
) | st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(list(" \t\r\n\x0b\x0c\x1c\x1f\x85\xa0\u2028\u3000\ud800;-.")),
    ),
    max_size=12,
)
_ORDINARY = st.text(st.characters(categories=("L", "N", "P", "Zs")), min_size=1, max_size=12)


def _now_and_then(usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> Any:
    """The usual values, and one time in ten an odd one."""
    return st.integers(0, 9).flatmap(lambda n: odd if n == 0 else usual)


_SOME_TEXT = _now_and_then(_ORDINARY, _ANY_TEXT)
_TIMES = _now_and_then(
    st.datetimes(timezones=st.just(UTC)),
    st.datetimes(timezones=st.sampled_from([ZoneInfo("Europe/London"), ZoneInfo("Asia/Kolkata")]))
    | st.datetimes(),  # naive: refused, as before
)
_REASONS = _now_and_then(st.sampled_from([reason.value for reason in Reason]), _ANY_TEXT)
_KINDS = _now_and_then(st.sampled_from([kind.value for kind in LetterKind]), _ANY_TEXT)
_ROWS = st.builds(
    ExportedDecision,
    decision_id=st.integers(1, 10**12), our_ref=_SOME_TEXT, decided_at=_TIMES,
    decided_by=_SOME_TEXT, role=st.just(Role.CLERK), kind=st.just(LogEvent.DECISION),
    action=st.sampled_from(Action), suggested_action=st.just(Action.DECLINE), rule_id=st.none(),
    category=st.none(),
    reasons=st.lists(_REASONS, max_size=3),
    flags=st.just([]), redirect_to=st.none() | _SOME_TEXT, note=st.none() | _SOME_TEXT,
    policy_id=st.just("p"), policy_version=st.just("1"), policy_sha256=st.just("0" * 64),
    template_id=st.just("t"), template_version=st.just("1"), letters_edited=st.booleans(),
    supersedes_id=st.none(), request_id=st.just(1), request_ref=_SOME_TEXT, sender=_SOME_TEXT,
    received=st.just(NOW), nhs_number=st.none(), patient_name=st.none(),
    date_of_birth=st.none(), requester=st.just("Dr R"), organisation=st.just("Haematology"),
    provider_type=st.just(ProviderType.NHS), request_type=st.none(), original_sha256=st.none(),
    letters=st.dictionaries(
        _KINDS, _SOME_TEXT,
        max_size=3,
    ),
)  # fmt: skip


_A_ROW = ExportedDecision(
    decision_id=4, our_ref="SCT-000004", decided_at=NOW, decided_by="cleo", role=Role.CLERK,
    kind=LogEvent.DECISION, action=Action.REDIRECT, suggested_action=Action.REDIRECT,
    rule_id="mgus-new", category=Category.MGUS, reasons=["specialist_knowledge", "capacity"],
    flags=[], redirect_to="Haematology", note="seen", policy_id="p", policy_version="1",
    policy_sha256="0" * 64, template_id="t", template_version="1", letters_edited=False,
    supersedes_id=None, request_id=4, request_ref="S04", sender="Haematology", received=NOW,
    nhs_number=None, patient_name=None, date_of_birth=None, requester="Dr R",
    organisation="Haematology", provider_type=ProviderType.NHS, request_type=None,
    original_sha256=None, letters={"patient": "Dear patient,\n...", "sms": "Text"},
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(row=_ROWS)
@example(row=_A_ROW)
@example(row=dataclasses.replace(_A_ROW, letters={"sms": "lone \udc80 surrogate"}))
@example(row=dataclasses.replace(_A_ROW, request_ref="\ud800"))
@example(row=dataclasses.replace(_A_ROW, reasons=["capacity", " not a code"]))
@example(row=dataclasses.replace(_A_ROW, decided_by="\xa0"))
@example(row=dataclasses.replace(_A_ROW, decided_at=NOW.replace(tzinfo=None)))
def test_the_fhir_export_writes_what_the_models_would_and_refuses_what_they_refuse(
    row: ExportedDecision,
) -> None:
    """Any text (empty, whitespace the FHIR patterns refuse, a lone surrogate, a reason that is no
    FHIR code) and any time: the same resources, key for key, or the same refusal."""
    # What is written without the models' check (every resource of a shape met before in the
    # export) is exactly what the models make of it, and never what they refuse. (A lone
    # surrogate is found when the entry is encoded, and the models then refuse it.)
    for resource, plain in formats._resources(row):
        if plain and not re.search("[\ud800-\udfff]", json.dumps(resource, ensure_ascii=False)):
            model = Task if resource["resourceType"] == "Task" else Communication
            again = model.model_validate(resource).model_dump(mode="json", exclude_none=True)
            assert json.dumps(again) == json.dumps(resource)
    anchor = Anchor(7, "ab" * 32)
    # Alone (the models check its every shape), and after an ordinary decision of the same
    # shapes (they check none of its resources).
    for before in ([], [_ordinary_twin(row)]):
        try:
            expected = resources_through_the_models(row, anchor)
        except ValidationError:
            with pytest.raises(ValidationError):
                write_fhir(io.BytesIO(), [*before, row], anchor, lambda: None)
            continue
        out = io.BytesIO()
        write_fhir(out, [*before, row], anchor, lambda: None)
        entries = json.loads(out.getvalue())["entry"]
        written = [entry["resource"] for entry in entries[len(entries) - len(expected) :]]
        assert json.dumps(written) == json.dumps(expected)


def _ordinary_twin(row: ExportedDecision) -> ExportedDecision:
    """A decision whose resources have the same shapes as the row's, with ordinary values."""
    reasons = [reason for reason in ";".join(row.reasons).split(";") if reason]
    return dataclasses.replace(
        row, decision_id=row.decision_id + 1, our_ref="SCT-1", request_ref="R1",
        decided_by="cleo", sender="Haematology", decided_at=NOW,
        reasons=["capacity"] if reasons else [], note="seen" if row.note else None,
        redirect_to="Haematology" if row.redirect_to else None, letters={"sms": "Text"},
    )  # fmt: skip


def test_exports_are_private_logged_and_for_managers_only(
    practice: tuple[Workspace, Workspace], tmp_path: Path
) -> None:
    clerk, manager = practice
    with pytest.raises(PermissionRefused, match="only a manager may export"):
        export_log(clerk, "csv", tmp_path / "no.csv")
    out = tmp_path / "log.csv"
    exported = export_log(manager, "csv", out)
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    with manager.database.read() as tx:
        last = list(tx.log.entries())[-1]
    body = json.loads(last.body)
    assert (body["event"], body["rows"], body["file_sha256"]) == ("export", 3, exported.sha256)
    assert body["anchor"] == {"count": exported.anchor.count, "hash": exported.anchor.hash}
    assert list(tmp_path.glob(".*.part")) == []


def test_an_export_that_fails_half_way_leaves_nothing(
    practice: tuple[Workspace, Workspace], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, manager = practice

    def broken(out: object, rows: object, anchor: object, tick: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("triage.services.exports.log_export.write_csv", broken)
    folder = tmp_path / "exports"
    folder.mkdir()
    with pytest.raises(UserError, match=r"cannot write .*log\.csv: disk full"):
        export_log(manager, "csv", folder / "log.csv")
    assert list(folder.iterdir()) == []
    with manager.database.read() as tx:
        assert json.loads(list(tx.log.entries())[-1].body)["event"] != "export"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs a folder nothing may write in")
@pytest.mark.parametrize(
    "command",
    [
        ("log", "export", "--out", "/proc/decisions.csv"),
        ("report", "--month", "2025-01", "--out", "/proc/report.csv"),
        ("letters", "export", "--out", "/proc/letters"),
    ],
)
def test_a_folder_that_cannot_be_written_is_one_clear_line(
    run: Run, practice: tuple[Workspace, Workspace], db_path: Path, command: tuple[str, ...]
) -> None:
    # /proc refuses new files even to root, so this holds however the tests are run.
    _, manager = practice
    with manager.database.read() as tx:
        entries = tx.log.count()
    result = run("--db", db_path, *command)
    assert result.status == 1
    assert result.err_lines == [
        f"triage: error: cannot write {command[-1]}: No such file or directory"
    ]
    with manager.database.read() as tx:
        assert tx.log.count() == entries  # nothing logged as exported


def test_the_cli_exports_with_filters_and_says_where(
    run: Run, practice: object, db_path: Path, tmp_path: Path
) -> None:
    result = run(
        "--db", db_path, "log", "export", "--out", tmp_path / "d.xlsx", "--action", "decline"
    )
    assert result.status == 0, result.err
    assert result.out.startswith(f"Exported 1 decision to {tmp_path / 'd.xlsx'} (sha256 ")
    bad = run("--db", db_path, "log", "export", "--out", tmp_path / "d.txt")
    assert bad.status == 2 and "say --format" in bad.err
    wrong_date = run(
        "--db", db_path, "log", "export", "--out", tmp_path / "e.csv", "--from", "3/2/25"
    )
    assert wrong_date.status == 2 and "not a date" in wrong_date.err
    backwards = ("--from", "2025-05-01", "--to", "2025-01-01")
    for command in (
        ("log", "export", "--out", tmp_path / "f.csv"),
        ("letters", "export", "--out", tmp_path / "l"),
    ):
        reversed_range = run("--db", db_path, *command, *backwards)
        assert reversed_range.status == 2, reversed_range.err
        assert "2025-01-01 is before --from 2025-05-01" in reversed_range.err
    assert not (tmp_path / "f.csv").exists() and not (tmp_path / "l").exists()


# --- the de-identified report ---------------------------------------------------------------------


def identifiers(workspace: Workspace) -> set[str]:
    path = workspace.database.url.database
    assert path is not None
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT nhs_number, patient_name, date_of_birth, ref FROM requests"
        ).fetchall()
    found = set()
    for number, name, born, ref in rows:
        found |= {number, name, born, ref}
        if born:
            year, month, day = born.split("-")
            found |= {f"{int(day)}/{int(month)}/{year}", f"{day}/{month}/{year}"}
    return {value for value in found if value}


def test_the_report_holds_no_identifier_from_the_database(
    practice: tuple[Workspace, Workspace], tmp_path: Path
) -> None:
    _, manager = practice
    for name in ("report.csv", "report.html"):
        out = tmp_path / name
        report = monthly_report(manager, "2025-01", "2025-03", out, show_small_counts=True)
        assert report.rows == 3
        text = out.read_text(encoding="utf-8")
        leaked = [value for value in identifiers(manager) if value in text]
        assert leaked == []


def test_small_counts_are_suppressed_unless_asked(
    practice: tuple[Workspace, Workspace], tmp_path: Path
) -> None:
    _, manager = practice
    monthly_report(manager, "2025-02", None, tmp_path / "r.csv")
    rows = list(csv.reader((tmp_path / "r.csv").open(encoding="utf-8")))
    assert rows[0] == ["month", "category", "action", "reason", "provider_type", "decisions"]
    assert {row[-1] for row in rows[1:]} == {"*"}  # 1 to 7 decisions each: all suppressed
    monthly_report(manager, "2025-02", None, tmp_path / "all.csv", show_small_counts=True)
    shown = list(csv.reader((tmp_path / "all.csv").open(encoding="utf-8")))
    assert shown[-1] == ["all", "all", "all", "all", "all", "3"]
    assert ["2025-02", "mgus", "redirect", "all", "all", "1"] in shown
    with pytest.raises(UserError, match="YYYY-MM"):
        monthly_report(manager, "Feb 2025", None, tmp_path / "x.csv")


def test_the_report_counts_a_decision_in_the_practices_month_across_summer_time(
    practice: tuple[Workspace, Workspace], tmp_path: Path
) -> None:
    """Months are England's: 00:30 on 1 June is June however the clock is stored (23:30 UTC on
    31 May); the first and last instants of the period count, those either side do not."""
    clerk, manager = practice
    decided_at = {
        "DST0": datetime(2025, 5, 31, 22, 59, tzinfo=UTC),  # 23:59 on 31 May: before the period
        "DST1": datetime(2025, 5, 31, 23, 0, tzinfo=UTC),  # midnight, 1 June: June
        "DST2": datetime(2025, 6, 30, 22, 59, tzinfo=UTC),  # 23:59 on 30 June: June
        "DST3": datetime(2025, 6, 30, 23, 0, tzinfo=UTC),  # midnight, 1 July: July
        "DST4": datetime(2025, 7, 31, 23, 0, tzinfo=UTC),  # midnight, 1 August: after it
    }
    requests = write_requests_csv(
        tmp_path / "dst.csv",
        [[ref, "2025-01-14", "9434765919", "Ann Example", "1970-01-01", "Dr R", "Haematology",
          "", "MGUS", "Please monitor paraprotein."] for ref in decided_at],
        ("ref", "received", "nhs_number", "patient_name", "date_of_birth", "requester",
         "organisation", "medications", "diagnosis", "text"),
    )  # fmt: skip
    import_files(manager, [requests])
    for ref, moment in decided_at.items():
        at_the_time = dataclasses.replace(clerk, clock=FixedClock(moment))
        decide(at_the_time, find_request(clerk, ref).id, Choice(action=Action.ACCEPT, note="ok"))
    out = tmp_path / "summer.csv"
    report = monthly_report(manager, "2025-06", "2025-07", out, show_small_counts=True)
    rows = list(csv.reader(out.open(encoding="utf-8")))
    per_month = {
        month: sum(int(row[-1]) for row in rows if row[0] == month and row[3] == "all")
        for month in ("2025-06", "2025-07")
    }
    assert per_month == {"2025-06": 2, "2025-07": 1}
    assert report.rows == 3 and rows[-1] == ["all", "all", "all", "all", "all", "3"]


def test_the_html_report_draws_a_chart_per_category(
    practice: tuple[Workspace, Workspace], tmp_path: Path
) -> None:
    _, manager = practice
    monthly_report(manager, "2025-01", "2025-03", tmp_path / "r.html", show_small_counts=True)
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 3  # mgus, bariatric, eating disorder
    assert "<script" not in page and "http" not in page


# --- letters as files -----------------------------------------------------------------------------


def test_letters_are_written_as_private_files_named_for_the_clinical_system(
    practice: tuple[Workspace, Workspace], tmp_path: Path
) -> None:
    _, manager = practice
    folder = tmp_path / "letters"
    exported = export_letters(manager, folder, DecisionFilter(category=Category.MGUS))
    names = sorted(path.name for path in folder.iterdir())
    assert exported.rows == 1
    assert names == [
        "2025-02-03_S04_6052368500_SCT-000004_patient.txt",
        "2025-02-03_S04_6052368500_SCT-000004_sms.txt",
        "2025-02-03_S04_6052368500_SCT-000004_specialist.txt",
    ]
    assert all(oct(path.stat().st_mode & 0o777) == "0o600" for path in folder.iterdir())
    with pytest.raises(UserError, match="must be a new or empty folder"):
        export_letters(manager, folder)


def test_every_demo_decision_reads_back_from_csv_and_xlsx_with_the_same_values(
    isolated_home: Path, tmp_path: Path
) -> None:
    from triage.demo import DEMO_CLERK, build_demo
    from triage.services.exports.recording import log_anchor
    from triage.services.exports.rows import LETTER_FIELDS, fields

    build_demo(60)
    clerk = open_workspace(None, DEMO_CLERK, demo=True)
    manager = open_workspace(None, "demo-manager", demo=True)
    applied = apply_policy(clerk)
    with manager.database.read() as tx:
        anchor = log_anchor(tx)
        expected = [
            {
                **{
                    key: (None if value is None else str(value))
                    for key, value in fields(row, anchor).items()
                },
                **{column: row.letters[kind] for kind, column in LETTER_FIELDS},
            }
            for row in tx.exports.rows(DecisionFilter(), None, None)
        ]
    assert len(expected) == sum(applied.decided.values()) > 0
    export_log(manager, "csv", tmp_path / "demo.csv")
    from_csv = [{k: (v or None) for k, v in row.items()} for row in read_csv(tmp_path / "demo.csv")]
    wanted = [{k: (v or None) for k, v in row.items()} for row in expected]
    for got, want in zip(from_csv, wanted, strict=True):
        assert {k: v for k, v in got.items() if want.get(k) != v} == {}
    later = export_log(manager, "xlsx", tmp_path / "demo.xlsx").anchor  # after the CSV's entry
    decisions = read_xlsx(tmp_path / "demo.xlsx")
    letters = read_xlsx(tmp_path / "demo.xlsx", "Letters")
    for got_row, want_row in zip(decisions, expected, strict=True):
        want_row |= {"log_head_count": str(later.count), "log_head_sha256": later.hash}
        assert {k: v for k, v in got_row.items() if want_row[k] != v} == {}
    for row in expected:
        for kind, column in LETTER_FIELDS:
            assert {"our_ref": row["our_ref"], "letter": kind, "text": row[column]} in letters
    clerk.close()
    manager.close()


def test_control_characters_reach_a_csv_export_as_visible_escapes(
    practice: tuple[Workspace, Workspace], tmp_path: Path
) -> None:
    """An imported name or note holding ESC, BEL or CR would rewrite a terminal showing the
    file, or break a program reading it line by line; newlines in letters stay."""
    clerk, manager = practice
    name = "Ann \x1b[2JEx\u2028ample\x07"
    requests = write_requests_csv(
        tmp_path / "one.csv",
        [["CTL1", "2025-01-14", "9434765919", name, "1970-01-01", "Dr R", "Haematology",
          "", "MGUS", "Please\rmonitor \x9b31m paraprotein."]],
        ("ref", "received", "nhs_number", "patient_name", "date_of_birth", "requester",
         "organisation", "medications", "diagnosis", "text"),
    )  # fmt: skip
    import_files(manager, [requests])
    decision = decide(
        clerk, find_request(clerk, "CTL1").id, Choice(action=Action.ACCEPT, note="ok\tdone\rnow")
    )
    out = tmp_path / "log.csv"
    export_log(manager, "csv", out)
    raw = out.read_text(encoding="utf-8")
    assert not set(raw) & {"\x1b", "\x07", "\x9b", "\u2028", "\t"}
    assert "\r" not in raw.replace("\r\n", "")  # the csv module's own line endings only
    [row] = [row for row in read_csv(out) if row["our_ref"] == decision.our_ref]
    assert row["patient_name"] == "Ann \\x1b[2JEx\\u2028ample\\x07"
    assert row["note"] == "ok\\x09done\\x0dnow"
    assert "\n" in row["letter_to_patient"]  # a letter's lines stay lines


def _ended_pid() -> int:
    """The id of a process that has ended, as a killed export's is."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


@pytest.mark.skipif(os.name != "posix", reason="a stopped export is told by its process id")
def test_what_a_killed_export_left_is_removed_by_the_next_and_nothing_else(
    run: Run, practice: tuple[Workspace, Workspace], db_path: Path, tmp_path: Path
) -> None:
    ended, running = _ended_pid(), os.getpid()

    def left(name: str, *, folder: bool = False, mode: int = 0o600) -> Path:
        path = tmp_path / name
        if folder:
            path.mkdir(mode=0o700)
            (path / "2025-02-03_S04_none_SCT-1_patient.txt").write_text("half")
        else:
            path.write_text("half a file")
            path.chmod(mode)
        return path

    stale = left(f".log.csv.{ended}.ab_cd12e.part")
    stale_letters = left(f".letters.{ended}.x1y2z3w4.part", folder=True)
    still_running = left(f".log.csv.{running}.ab_cd12e.part")
    users_own = [
        left(".log.csv.notes.part"),  # not a name the export gives
        left(f".log.csv.{ended}.ab_cd12e.part.bak"),
        left(f".log.csv.{ended}.zz_zz99z.part", mode=0o644),  # not made private: not ours
        left(f".other.csv.{ended}.ab_cd12e.part"),  # beside another file
    ]
    result = run("--db", db_path, "log", "export", "--out", tmp_path / "log.csv")
    assert result.status == 0, result.err
    assert result.err_lines == [
        f"triage: removed {stale}, left by an export that was stopped before it finished"
    ]
    assert not stale.exists() and still_running.exists()
    assert all(path.exists() for path in users_own)
    letters = run("--db", db_path, "letters", "export", "--out", tmp_path / "letters")
    assert letters.status == 0, letters.err
    assert str(stale_letters) in letters.err and not stale_letters.exists()
    assert all(path.exists() for path in users_own)


def test_a_sheet_past_excels_row_limit_continues_in_another(
    practice: tuple[Workspace, Workspace], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three letters a decision pass Excel's 1,048,576 rows at about 349,000 decisions: the
    letters continue in "Letters 2" and on, each with its header, none lost. (The limit is
    lowered here to four rows, the header and three letters.)"""
    from triage.services.exports import formats

    _, manager = practice
    monkeypatch.setattr(formats, "SHEET_ROWS", 4)
    export_log(manager, "xlsx", tmp_path / "log.xlsx")
    book = load_workbook(tmp_path / "log.xlsx")
    assert book.sheetnames == ["Decisions", "Letters", "Letters 2", "Letters 3", "About"]
    letters = [
        row
        for sheet in ("Letters", "Letters 2", "Letters 3")
        for row in read_xlsx(tmp_path / "log.xlsx", sheet)
    ]
    assert len(letters) == 9  # three decisions' three letters each
    assert len({(row["our_ref"], row["letter"]) for row in letters}) == 9
    assert len(read_xlsx(tmp_path / "log.xlsx")) == 3
