"""Outlook e-mails (.msg) read as .eml files are: the text body (Unicode, 8-bit in the message's
code page, or HTML), each attachment a letter of its own, an attached e-mail read in turn; a body
only in RTF noted, not read; an old Word .doc, a damaged file or too many attachments refused in
one line. The .msg files are written by tests/msg_factory.py."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import olefile
import pytest

from tests.conftest import Run, table_count
from tests.letter_factory import (
    ELLIOTT,
    Patient,
    clinic_letter,
    docx_of,
    pdf_of,
    scanned_pdf_of,
)
from tests.msg_factory import Attachment, OutlookMail, cfb_of, msg_of
from tests.test_deciding import PRACTICE
from tests.test_intake_letters import import_beside_a_good_letter
from triage.intake import read_requests_file
from triage.intake.reader import FileResult
from triage.models import SourceFormat

TODAY = date(2025, 1, 20)
OKONKWO = Patient("Mr", "Oliver", "Okonkwo", "9990001200", date(1971, 7, 2))
COVERING_NOTE = "Dear colleagues,\r\n\r\nPlease find attached two shared care requests.\r\n"


def email(body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "dch.rheumatology@nhs.net"
    message["To"] = "harbour.street@nhs.net"
    message["Subject"] = "FW: shared care"
    message.set_content(body)
    return message


def read(path: Path, data: bytes) -> FileResult:
    path.write_bytes(data)
    result = read_requests_file(path, today=TODAY)
    assert not result.problems, [str(problem) for problem in result.problems]
    return result


def patients(result: FileResult) -> list[tuple[str | None, str | None]]:
    return [(item.request.patient.name, item.request.source.location) for item in result.accepted]


def notes(result: FileResult, path: Path) -> list[str]:
    return [str(note).removeprefix(f"{path}: ") for note in result.notes]


def test_an_outlook_email_with_two_letters_attached_is_two_requests(tmp_path: Path) -> None:
    path = tmp_path / "Shared care request.msg"
    mail = OutlookMail(
        body=COVERING_NOTE,
        attachments=(
            Attachment("Elliott.pdf", pdf_of(clinic_letter()), "application/pdf"),
            Attachment("Okonkwo.docx", docx_of(clinic_letter(OKONKWO, layout=1, ref="R/2292"))),
        ),
    )
    result = read(path, msg_of(mail))
    assert result.format is SourceFormat.EMAIL
    assert patients(result) == [
        ("Margaret Elliott", "attachment 1 (Elliott.pdf)"),
        ("Oliver Okonkwo", "attachment 2 (Okonkwo.docx)"),
    ]
    assert [item.request.patient.nhs_number for item in result.accepted] == [
        ELLIOTT.nhs_number,
        OKONKWO.nhs_number,
    ]
    assert notes(result, path) == ["the e-mail's text: no patient named in it, so not a letter"]


def test_an_outlook_email_whose_text_is_the_letter(tmp_path: Path) -> None:
    result = read(tmp_path / "letter.msg", msg_of(OutlookMail(body=clinic_letter())))
    assert patients(result) == [("Margaret Elliott", "the e-mail's text")]
    [accepted] = result.accepted
    assert accepted.request.ref == "RHEU/2291/JO" and accepted.request.details_needed == ()


def test_an_email_only_in_html_is_read_as_its_words(tmp_path: Path) -> None:
    letter = clinic_letter(layout=1).replace("\n", "<br>\r\n")
    html = f"<html><head><style>p {{ color: red }}</style></head><body><p>{letter}</p></body>"
    result = read(tmp_path / "letter.msg", msg_of(OutlookMail(html=html.encode())))
    [accepted] = result.accepted
    assert accepted.request.patient.name == "Margaret Elliott"
    assert "color" not in (accepted.request.text or "")


@pytest.mark.parametrize(
    ("codepage", "encoding", "words"),
    [(1250, "cp1250", "Łódź"), (65001, "utf-8", "Łódź"), (None, "cp1252", "Café")],
    ids=["central-european", "utf-8", "no-code-page-given"],
)
def test_an_8_bit_text_is_read_in_the_messages_code_page(
    tmp_path: Path, codepage: int | None, encoding: str, words: str
) -> None:
    letter = clinic_letter().replace("Weymouth", f"{words} Street, Weymouth")
    mail = OutlookMail(body8=letter.encode(encoding), codepage=codepage)
    [accepted] = read(tmp_path / "letter.msg", msg_of(mail)).accepted
    assert accepted.request.patient.name == "Margaret Elliott"
    assert f"{words} Street" in (accepted.request.text or "")


def test_an_attached_outlook_email_is_read_in_turn(tmp_path: Path) -> None:
    forwarded = OutlookMail(
        subject="FW: referral",
        attachments=(Attachment("Okonkwo.pdf", pdf_of(clinic_letter(OKONKWO, ref="R/7"))),),
    )
    mail = OutlookMail(
        body=COVERING_NOTE,
        attachments=(
            Attachment("Elliott.pdf", pdf_of(clinic_letter())),
            Attachment("", message=forwarded),  # no file name: named by its subject
        ),
    )
    result = read(tmp_path / "message.msg", msg_of(mail))
    assert patients(result) == [
        ("Margaret Elliott", "attachment 1 (Elliott.pdf)"),
        ("Oliver Okonkwo", "attachment 2 (FW: referral), attachment 1 (Okonkwo.pdf)"),
    ]


def test_an_email_saved_as_msg_inside_an_eml_and_eml_inside_a_msg(tmp_path: Path) -> None:
    inner_msg = msg_of(OutlookMail(body=clinic_letter()))
    message = email("The forwarded e-mail is attached.")
    message.add_attachment(
        inner_msg, maintype="application", subtype="vnd.ms-outlook", filename="fwd.msg"
    )
    assert patients(read(tmp_path / "a.eml", bytes(message))) == [
        ("Margaret Elliott", "attachment 1 (fwd.msg), the e-mail's text")
    ]
    eml = bytes(email(clinic_letter(OKONKWO)))
    mail = OutlookMail(attachments=(Attachment("fwd.eml", eml, "message/rfc822"),))
    assert patients(read(tmp_path / "b.msg", msg_of(mail))) == [
        ("Oliver Okonkwo", "attachment 1 (fwd.eml), the e-mail's text")
    ]
    # A .msg file given the type of an .eml is read by what it is.
    mail = OutlookMail(attachments=(Attachment("fwd.msg", inner_msg, "message/rfc822"),))
    assert patients(read(tmp_path / "c.msg", msg_of(mail))) == [
        ("Margaret Elliott", "attachment 1 (fwd.msg), the e-mail's text")
    ]


def test_a_text_only_in_rtf_is_noted_and_the_attachments_are_read(tmp_path: Path) -> None:
    path = tmp_path / "message.msg"
    mail = OutlookMail(
        rtf=b"\x2d\x00\x00\x00\x2b\x00\x00\x00LZFu",  # compressed RTF's header: never read
        attachments=(Attachment("Elliott.pdf", pdf_of(clinic_letter())),),
    )
    result = read(path, msg_of(mail))
    assert patients(result) == [("Margaret Elliott", "attachment 1 (Elliott.pdf)")]
    assert notes(result, path) == [
        "the e-mail's text: only in RTF, which is not read (its attachments are): if it is a "
        "letter, save the e-mail from Outlook as Text Only and import that"
    ]


def test_a_scan_in_an_attached_email_is_still_kept_for_a_clerk_without_ocr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An attached e-mail's documents keep what the scan reader found (here: not read), not only
    # their pages: otherwise the scan would be taken for a page with no patient, and dropped.
    monkeypatch.setenv("PATH", "/nonexistent")  # no Tesseract on it
    scan = scanned_pdf_of(clinic_letter())
    forwarded = OutlookMail(attachments=(Attachment("scan.pdf", scan),))
    inner = email("Scanned letter attached.")
    inner.add_attachment(scan, maintype="application", subtype="pdf", filename="scan.pdf")
    outer = email("Forwarded.")
    outer.add_attachment(inner)
    outlook = msg_of(OutlookMail(attachments=(Attachment("FW", message=forwarded),)))
    for path, data in ((tmp_path / "fwd.msg", outlook), (tmp_path / "fwd.eml", bytes(outer))):
        result = read(path, data)
        [accepted] = result.accepted
        assert accepted.request.details_needed  # every identifier, for a clerk to type
        [note] = [note for note in notes(result, path) if "a scan, kept for a person" in note]
        assert note.startswith("attachment 1 (FW") and ", attachment 1 (scan.pdf): " in note


def test_a_file_name_with_control_characters_is_shown_escaped(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "message.msg"
    mail = OutlookMail(
        body=clinic_letter(),
        attachments=(Attachment("notes\x1b[2J\r\nFAKE: imported.txt", b"No patient here."),),
    )
    path.write_bytes(msg_of(mail))
    ran = run("--db", db_path, "import", path)
    assert ran.status == 0 and "1 imported" in ran.out
    assert "attachment 1 (notes\\x1b[2J FAKE: imported.txt): no patient named in it" in ran.err
    assert "\x1b" not in ran.err + ran.out


def test_an_imported_outlook_email_is_kept_byte_for_byte(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    original = msg_of(
        OutlookMail(
            body=COVERING_NOTE,
            attachments=(Attachment("Elliott.pdf", pdf_of(clinic_letter())),),
        )
    )
    path = tmp_path / "Shared care request.msg"
    path.write_bytes(original)
    assert run("--db", db_path, *PRACTICE).status == 0
    ran = run("--db", db_path, "import", path)
    assert ran.status == 0 and "1 imported" in ran.out, ran.err
    assert table_count(db_path, "originals") == 1
    saved = tmp_path / "saved.msg"
    wrote = run("--db", db_path, "original", "RHEU/2291/JO", "--out", saved)
    assert wrote.status == 0 and "Shared care request.msg" in wrote.out
    assert saved.read_bytes() == original


# --- bad files: one clear line each, nothing imported ---------------------------------------------


def _nested(levels: int) -> OutlookMail:
    mail = OutlookMail(body=clinic_letter())
    for level in range(levels):
        mail = OutlookMail(attachments=(Attachment(f"FW {level}", message=mail),))
    return mail


def _damaged() -> bytes:
    good = msg_of(OutlookMail(body=clinic_letter() * 3))  # the body in sectors of its own
    return good[:-1024]  # cut short, as a failed copy leaves it


BAD_MSGS: dict[str, tuple[Callable[[], bytes], str]] = {
    "many.msg": (
        lambda: msg_of(
            OutlookMail(attachments=tuple(Attachment(f"{n}.pdf", b"%PDF-1.4 x") for n in range(21)))
        ),
        "many.msg: is an e-mail with 21 attachments, over the limit of 20: forward the letters "
        "in smaller batches",
    ),
    "deep.msg": (
        lambda: msg_of(_nested(4)),
        "deep.msg: attachment 1 (FW 0): e-mails nested more than 3 deep",
    ),
    "letter.doc": (
        lambda: cfb_of({"WordDocument": b"\xec\xa5" + b"\0" * 5000, "1Table": b"\0" * 700}),
        "letter.doc: is an old Word .doc file: save it as .docx or PDF and import that",
    ),
    "with-doc.msg": (  # a compound file under 1536 bytes: olefile must not take it for a path
        lambda: msg_of(
            OutlookMail(attachments=(Attachment("letter.doc", cfb_of({"WordDocument": b"x"})),))
        ),
        "with-doc.msg: attachment 1 (letter.doc): is an old Word .doc file: save it as .docx or "
        "PDF and import that",
    ),
    "damaged.msg": (
        _damaged,
        "damaged.msg: is not an Outlook .msg that can be read (incorrect OLE FAT, sector index out "
        "of range): is it damaged?",
    ),
    "sheet.xls": (
        lambda: cfb_of({"Workbook": b"\0" * 600}),
        "sheet.xls: is an Office file of an old kind, not an Outlook .msg or a Word .doc",
    ),
    "bad-pdf.msg": (
        lambda: msg_of(OutlookMail(attachments=(Attachment("x.pdf", b"%PDF-1.7\n\0junk"),))),
        "bad-pdf.msg: attachment 1 (x.pdf): is not a PDF that can be read",
    ),
}


@pytest.mark.parametrize("name", list(BAD_MSGS))
def test_a_bad_outlook_file_is_refused_in_one_line_and_nothing_is_imported(
    run: Run, db_path: Path, tmp_path: Path, name: str
) -> None:
    make, expected = BAD_MSGS[name]
    path = tmp_path / name
    ran = import_beside_a_good_letter(run, db_path, path, make())
    said = [line for line in ran.err_lines if str(path) in line and "nothing imported" not in line]
    assert len(said) == 1 and expected in said[0], ran.err


# --- the test files themselves ---------------------------------------------------------------------


def test_the_msg_factory_writes_compound_files_olefile_finds_no_defect_in() -> None:
    body = clinic_letter() * 4  # over 4096 bytes: in sectors of its own, not the mini stream
    data = msg_of(
        OutlookMail(
            body=body,
            attachments=(
                Attachment("Elliott.pdf", pdf_of(clinic_letter())),
                Attachment("FW", message=OutlookMail(body="Forwarded.")),
            ),
        )
    )
    # DEFECT_UNSURE: olefile raises on anything that even looks odd, not only on errors.
    with olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_UNSURE) as ole:
        assert ole.openstream("__substg1.0_1000001F").read() == body.encode("utf-16-le")
        inner = "__attach_version1.0_#00000001/__substg1.0_3701000D/__substg1.0_1000001F"
        assert ole.openstream(inner).read() == "Forwarded.".encode("utf-16-le")
        header = ole.openstream("__properties_version1.0").read()[:32]
        assert header[12:16] == (2).to_bytes(4, "little")  # next attachment id
        assert header[20:24] == (2).to_bytes(4, "little")  # attachment count
