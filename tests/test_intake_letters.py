"""Clinic letters read into requests: text, PDF, Word and e-mail, with the identifiers read from
the letter's words (and where), and every bad file refused with one line, nothing half-imported."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from tests.conftest import Ran, Run, table_count
from tests.letter_factory import Patient, clinic_letter, docx_of, eml_of, pdf_of
from tests.msg_factory import cfb_of
from tests.test_deciding import PRACTICE
from triage import paths
from triage.intake import read_requests_file
from triage.intake.letters import read_letters
from triage.models import SourceFormat

TODAY = date(2025, 1, 20)


def read(path: Path) -> list[dict[str, object]]:
    result = read_requests_file(path, today=TODAY)
    assert not result.problems, [str(problem) for problem in result.problems]
    return [
        {
            "ref": item.request.ref,
            "nhs_number": item.request.patient.nhs_number,
            "name": item.request.patient.name,
            "born": item.request.patient.date_of_birth,
            "from": item.request.organisation,
            "by": item.request.requester,
            "where": item.request.source.location,
            "format": item.request.source.format,
        }
        for item in result.accepted
    ]


ELLIOTT_READ = {
    "ref": "RHEU/2291/JO",
    "nhs_number": "9434765919",
    "name": "Margaret Elliott",
    "born": date(1956, 3, 12),
    "from": "Dorset County Hospital NHS Foundation Trust",
    "by": "Dr Jane Okafor, Consultant Rheumatologist",
}


@pytest.mark.parametrize(
    "layout", [0, 1, 2, 3], ids=["re-line", "labelled-lines", "table", "surname-first"]
)
def test_a_typed_letter_gives_its_patient_sender_and_clinician(tmp_path: Path, layout: int) -> None:
    path = tmp_path / "letter.txt"
    path.write_text(clinic_letter(layout=layout), encoding="utf-8")
    [request] = read(path)
    assert {key: request[key] for key in ELLIOTT_READ} == ELLIOTT_READ
    assert request["format"] is SourceFormat.TEXT


def test_each_identifier_says_where_it_was_read() -> None:
    letter = clinic_letter(layout=1).encode()
    [read_letter] = read_letters(letter, "letter.txt", SourceFormat.TEXT, TODAY).letters
    assert read_letter.read["nhs_number"].words == "NHS Number: 9434765919"
    assert read_letter.read["date_of_birth"].words == "Date of birth: 12 March 1956"
    assert read_letter.read["patient_name"].words == "Patient: Mrs Margaret Elliott"
    assert read_letter.read["requester"].describe().startswith("page 1: 'Yours sincerely,")
    assert all(field.sure for field in read_letter.read.values())


def test_a_pdf_letter_over_two_pages_is_one_request(tmp_path: Path) -> None:
    text = clinic_letter()
    first, second = text.split("Yours sincerely")
    path = tmp_path / "scan-0042.pdf"
    path.write_bytes(pdf_of(first, "Yours sincerely" + second))
    [request] = read(path)
    assert {key: request[key] for key in ELLIOTT_READ} == ELLIOTT_READ
    assert request["format"] is SourceFormat.PDF


def test_a_word_letter_with_the_patient_in_a_table(tmp_path: Path) -> None:
    text = clinic_letter(layout=2)
    lines = [line for line in text.splitlines() if "|" not in line]
    path = tmp_path / "letter.docx"
    path.write_bytes(
        docx_of(
            "\n".join(lines),
            table=[
                ("Name", "Margaret ELLIOTT"),
                ("D.O.B.", "12.03.1956"),
                ("NHS number", "943 476 5919"),
            ],
        )
    )
    [request] = read(path)
    assert {key: request[key] for key in ELLIOTT_READ} == ELLIOTT_READ
    assert request["format"] is SourceFormat.DOCX


def test_an_email_with_two_letters_attached_is_two_requests(tmp_path: Path) -> None:
    other = Patient("Mr", "Oliver", "Okonkwo", "9990001200", date(1971, 7, 2))
    path = tmp_path / "message.eml"
    path.write_bytes(
        eml_of(
            "Dear colleagues,\n\nPlease find attached two shared care requests.\n\nRheumatology",
            [
                ("Elliott.pdf", pdf_of(clinic_letter())),
                ("Okonkwo.docx", docx_of(clinic_letter(other, layout=1, ref="RHEU/2292/JO"))),
            ],
        )
    )
    result = read_requests_file(path, today=TODAY)
    requests = read(path)
    assert [request["name"] for request in requests] == ["Margaret Elliott", "Oliver Okonkwo"]
    assert [request["where"] for request in requests] == [
        "attachment 1 (Elliott.pdf)",
        "attachment 2 (Okonkwo.docx)",
    ]
    assert [str(note) for note in result.notes] == [
        "message.eml: the e-mail's text: no patient named in it, so not a letter".replace(
            "message.eml", str(path)
        )
    ]


def test_importing_a_letter_twice_adds_it_once(run: Run, db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf_of(clinic_letter()))
    assert run("--db", db_path, "import", path).out.startswith(f"{path}: 1 imported")
    again = run("--db", db_path, "import", path)
    assert again.status == 0 and "0 imported, 1 already present" in again.out
    assert table_count(db_path, "requests") == 1


def test_a_letter_without_a_labelled_nhs_number_waits_for_a_clerk_to_complete_it(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "letter.txt"
    path.write_text(clinic_letter().replace("NHS No: 943 476 5919", ""), encoding="utf-8")
    assert run("--db", db_path, *PRACTICE).status == 0
    assert run("--db", db_path, "policy", "activate", "dorset-gp-alliance").status == 0
    assert run("--db", db_path, "users", "add", "cleo", "--role", "clerk").status == 0
    ran = run("--db", db_path, "--user", "cleo", "import", path)
    assert ran.status == 0 and "1 imported" in ran.out
    assert (
        "imported as needs_details, for a person to complete: nhs_number: no NHS number "
        "labelled in the letter"
    ) in ran.err
    waiting = run("--db", db_path, "--user", "cleo", "queue", "--status", "needs_details")
    assert "RHEU/2291/JO" in waiting.out and "1 needs details · 0 open" in waiting.out

    # Nothing read from a letter is decided on a guess: not one by one, not by apply.
    refused = run("--db", db_path, "--user", "cleo", "decide", "RHEU/2291/JO")
    assert refused.status == 1
    assert "RHEU/2291/JO cannot be decided until its details are completed (nhs_number:" in (
        refused.err
    )
    assert "0 open requests" in run("--db", db_path, "--user", "cleo", "apply").out

    # A wrong number is refused and changes nothing; the right one opens the request.
    typo = run("--db", db_path, "--user", "cleo", "details", "RHEU/2291/JO", "--nhs-number",
               "943 476 5918")  # fmt: skip
    assert typo.status == 1 and "fails the Modulus 11 check" in typo.err
    done = run("--db", db_path, "--user", "cleo", "details", "RHEU/2291/JO", "--nhs-number",
               "943 476 5919")  # fmt: skip
    assert done.status == 0 and "RHEU/2291/JO is open." in done.out
    assert "1 open" in run("--db", db_path, "--user", "cleo", "queue").out
    # The Dorset list only says to "consider" stopping DMARD work: a GP decides it.
    assert run("--db", db_path, "users", "add", "gwen", "--role", "gp").status == 0
    decided = run("--db", db_path, "--user", "gwen", "review", "RHEU/2291/JO", "--note", "Agreed",
                  "--action", "decline")  # fmt: skip
    assert decided.status == 0 and "decline under rule dmard-unfunded" in decided.out

    # The completion is in the log, with what changed.
    with sqlite3.connect(db_path) as connection:
        [(body,)] = connection.execute(
            "SELECT body FROM log_entries WHERE event = 'details_completed'"
        ).fetchall()
    assert json.loads(body)["changed"] == {"nhs_number": {"from": None, "to": "9434765919"}}
    assert "verifies" in run("--db", db_path, "log", "verify").out


def test_only_a_letter_that_needs_details_is_completed_and_only_by_a_clerk_or_gp(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "letter.txt"
    path.write_text(clinic_letter().replace("DOB 12/03/1956, ", ""), encoding="utf-8")
    assert run("--db", db_path, "users", "add", "cleo", "--role", "clerk").status == 0
    assert run("--db", db_path, "--user", "cleo", "import", path).status == 0
    manager = run("--db", db_path, "details", "RHEU/2291/JO", "--born", "12/03/1956")
    assert manager.status == 1 and "only a clerk or a GP may complete a letter's details" in (
        manager.err
    )
    bad_date = run(
        "--db", db_path, "--user", "cleo", "details", "RHEU/2291/JO", "--born", "12/13/1956"
    )
    assert bad_date.status == 1 and "date_of_birth: '12/13/1956' is not a date" in bad_date.err
    assert run("--db", db_path, "--user", "cleo", "details", "RHEU/2291/JO", "--born",
               "12 March 1956").status == 0  # fmt: skip
    again = run("--db", db_path, "--user", "cleo", "details", "RHEU/2291/JO", "--name", "X Y")
    assert again.status == 1 and "its details are complete" in again.err


def test_a_letter_giving_two_nhs_numbers_is_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "letter.txt"
    path.write_text(clinic_letter() + "\nNHS No: 999 000 1210\n", encoding="utf-8")
    [accepted] = read_requests_file(path, today=TODAY).accepted
    assert accepted.request.patient.nhs_number is None
    assert accepted.request.details_needed == (
        "nhs_number: the letter gives different values: NHS No: 943 476 5919 (but also page 1: "
        "'NHS No: 999 000 1210'); check it by hand",
    )


# --- bad files: one clear line each, nothing imported ---------------------------------------------


def _encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_of(clinic_letter()))))
    writer.encrypt(user_password="secret", owner_password="secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _zip_bomb_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
        archive.writestr("word/media/big.bin", b"\0" * (80 * 1024 * 1024))
    return out.getvalue()


BAD_FILES = {
    "encrypted.pdf": (_encrypted_pdf, "is an encrypted PDF: save it without a password"),
    "corrupt.pdf": (lambda: b"%PDF-1.7\n" + b"\x00garbage" * 100, "is not a PDF that can be read"),
    "long.pdf": (
        lambda: pdf_of(*["A page of a long report."] * 60),
        "is a PDF of 60 pages, over the 50-page limit for one letter",
    ),
    "bomb.docx": (_zip_bomb_docx, "unpacks to far more than a letter (a zip bomb?)"),
    "many.eml": (
        lambda: eml_of("Letters attached.", [(f"{n}.pdf", b"%PDF-1.4 x") for n in range(500)]),
        "is an e-mail with 500 attachments, over the limit of 20",
    ),
    "long-header.eml": (  # the fuzz suite's slowest input: minutes in the stdlib's parser
        lambda: (
            b"From: clinic@example.org\nTo: gp@example.org\nSubject: Shared care\n"
            b'Content-Type: text/plain; name="'
            + b"[" * 100_000
            + b'"\n\nRe: Mrs Margaret ELLIOTT, NHS No: 943 476 5919\n'
        ),
        "long-header.eml: has a Content-Type header of 100,019 characters, over the limit of "
        "4,000: it is not an e-mail a mail program made",
    ),
    "letter.msg": (
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
        "letter.msg: is not an Outlook .msg that can be read (incorrect DllVersion in OLE header): "
        "is it damaged?",
    ),
    "letter.doc": (
        lambda: cfb_of({"WordDocument": b"\0" * 4096, "1Table": b"\0" * 512}),
        "letter.doc: is an old Word .doc file: save it as .docx or PDF and import that",
    ),
    "letter.docx": (lambda: b"PK\x03\x04 not really a zip", "no letter found"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_letter_file_is_refused_in_one_line_and_nothing_is_imported(
    run: Run, db_path: Path, tmp_path: Path, name: str
) -> None:
    make, expected = BAD_FILES[name]
    ran = import_beside_a_good_letter(run, db_path, tmp_path / name, make())
    assert expected in ran.err, ran.err


def import_beside_a_good_letter(run: Run, db_path: Path, path: Path, data: bytes) -> Ran:
    """Import a bad file together with a good letter: refused (status 1, no traceback), and
    nothing imported, the good letter included (all or nothing). What was said is returned."""
    path.write_bytes(data)
    good = path.with_name("good.pdf")
    good.write_bytes(pdf_of(clinic_letter()))
    ran = run("--db", db_path, "import", good, path)
    assert ran.status == 1
    assert "Traceback" not in ran.err
    assert table_count(db_path, "requests") == 0
    return ran


def test_a_file_named_pdf_is_read_as_what_it_is(tmp_path: Path) -> None:
    path = tmp_path / "requests.pdf"
    path.write_text(
        "ref,received,nhs_number,patient_name,date_of_birth,requester,organisation\n"
        "A1,2025-01-14,9434765919,Margaret Elliott,1956-03-12,Dr J Okafor,Rheumatology\n",
        encoding="utf-8",
    )
    result = read_requests_file(path, today=TODAY)
    assert result.format is SourceFormat.CSV and len(result.accepted) == 1


# --- the original is kept -------------------------------------------------------------------------


def test_a_letters_file_is_kept_byte_for_byte_and_exported_with_its_decision(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    first, second = clinic_letter().split("Yours sincerely")
    original = pdf_of(first, "Yours sincerely" + second)
    path = tmp_path / "scan-0042.pdf"
    path.write_bytes(original)
    assert run("--db", db_path, *PRACTICE).status == 0
    assert run("--db", db_path, "policy", "activate", "dorset-gp-alliance").status == 0
    assert run("--db", db_path, "users", "add", "cleo", "--role", "clerk").status == 0
    assert run("--db", db_path, "--user", "cleo", "import", path).status == 0
    assert run("--db", db_path, "--user", "cleo", "import", path).status == 0
    assert table_count(db_path, "originals") == 1  # the same file twice is kept once

    saved = tmp_path / "saved.pdf"
    wrote = run("--db", db_path, "original", "RHEU/2291/JO", "--out", saved)
    assert wrote.status == 0 and "scan-0042.pdf" in wrote.out
    assert saved.read_bytes() == original
    assert saved.stat().st_mode & 0o777 == 0o600
    again = run("--db", db_path, "original", "RHEU/2291/JO", "--out", saved)
    assert again.status == 1 and "already exists" in again.err

    assert run("--db", db_path, "users", "add", "gwen", "--role", "gp").status == 0
    decided = run("--db", db_path, "--user", "gwen", "review", "RHEU/2291/JO", "--note", "Agreed",
                  "--action", "decline")  # fmt: skip
    assert decided.status == 0
    folder = tmp_path / "letters"
    assert run("--db", db_path, "letters", "export", "--out", folder).status == 0
    [exported] = folder.glob("*_original.pdf")
    assert exported.read_bytes() == original


def test_a_request_from_a_csv_row_has_no_original(run: Run, db_path: Path, tmp_path: Path) -> None:
    from tests.conftest import SAMPLES

    assert run("--db", db_path, "import", SAMPLES / "requests.csv").status == 0
    ran = run("--db", db_path, "original", "S04", "--out", tmp_path / "x")
    assert ran.status == 1
    assert "S04 came from a csv file, not a letter: there is no original to save" in ran.err


def test_a_letters_pages_are_marked_in_its_text(tmp_path: Path) -> None:
    path = tmp_path / "letter.pdf"
    first, second = clinic_letter().split("Yours sincerely")
    path.write_bytes(pdf_of(first, "Yours sincerely" + second))
    [accepted] = read_requests_file(path, today=TODAY).accepted
    text = accepted.request.text or ""
    assert "\n\n--- page 2 ---\n\n" in text and text.index("Re: Mrs") < text.index("--- page 2")


def test_where_each_identifier_was_read_is_kept_with_the_request(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "letter.docx"
    path.write_bytes(docx_of(clinic_letter(layout=1)))
    assert run("--db", db_path, "import", path).status == 0
    shown = run("--db", db_path, "details", "RHEU/2291/JO").out
    assert "read nhs_number: page 1: 'NHS Number: 9434765919'" in shown
    assert "read date_of_birth: page 1: 'Date of birth: 12 March 1956'" in shown
    assert "RHEU/2291/JO is open." in shown


def test_a_policy_is_tried_on_letters_and_each_result_names_its_letter(
    run: Run, tmp_path: Path
) -> None:
    other = Patient("Mr", "Oliver", "Okonkwo", "9990001200", date(1971, 7, 2))
    path = tmp_path / "message.eml"
    path.write_bytes(
        eml_of(
            "Two requests attached.",
            [
                ("Elliott.pdf", pdf_of(clinic_letter())),
                ("Okonkwo.pdf", pdf_of(clinic_letter(other, service=1, ref="HAEM/77"))),
            ],
        )
    )
    ran = run("policy", "simulate", "--policy", "dorset-gp-alliance", "--on", "2025-02-01",
              "--format", "json", path)  # fmt: skip
    results = [json.loads(line) for line in ran.out.splitlines()]
    assert [(result["ref"], result["category"], result["action"]) for result in results] == [
        ("RHEU/2291/JO", "dmard", "decline"),
        ("HAEM/77", "mgus", "decline"),
    ]
    assert [result["source"] for result in results] == [
        {"file": str(path), "format": "email", "location": "attachment 1 (Elliott.pdf)"},
        {"file": str(path), "format": "email", "location": "attachment 2 (Okonkwo.pdf)"},
    ]
    assert table_count(paths.default_database_path(), "requests") == 0  # nothing was imported


def test_a_re_line_about_the_request_is_not_read_as_the_patients_name(tmp_path: Path) -> None:
    letter = clinic_letter(layout=1).replace(
        "Dear Dr Patel,\n\n", "Dear Dr Patel,\n\nRe: Shared Care Request for Methotrexate\n\n"
    )
    path = tmp_path / "letter.txt"
    path.write_text(letter, encoding="utf-8")
    [accepted] = read_requests_file(path, today=TODAY).accepted
    assert accepted.request.patient.name == "Margaret Elliott"
    assert accepted.request.details_needed == ()


@pytest.mark.parametrize("charset", [b"tf-8", b"ut\x00f-8"], ids=["unknown", "nul"])
def test_an_e_mail_in_a_charset_python_does_not_know_is_read_as_utf_8(
    tmp_path: Path, charset: bytes
) -> None:
    """Found by the fuzz suite (tests/reliability): get_content() raised LookupError, or
    ValueError for a NUL in the charset's name."""
    path = tmp_path / "letter.eml"
    path.write_bytes(
        b"From: clinic@example.org\nTo: gp@example.org\nSubject: Shared care\n"
        b"Content-Type: text/plain; charset="
        + charset
        + b"\n\nRe: Mrs Margaret ELLIOTT, DOB 12/03/1956, "
        b"NHS No: 943 476 5919\n\nPlease start methotrexate shared care.\n"
    )
    result = read_requests_file(path, today=TODAY, name=path.name)
    assert [item.request.patient.nhs_number for item in result.accepted] == ["9434765919"]
