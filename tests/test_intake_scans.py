"""Scanned letters: PDFs without a text layer and images, read by Tesseract OCR when it is
installed; kept for a person to type when it is not; every word OCR is unsure of goes to a person;
a hostile image costs one line and nothing else."""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import zlib
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import Run
from tests.letter_factory import clinic_letter, eml_of, image_of, pdf_of, scanned_pdf_of
from tests.test_deciding import PRACTICE
from tests.test_intake_letters import import_beside_a_good_letter
from triage.intake import read_requests_file
from triage.intake.letters import scans
from triage.models import Flag, SourceFormat

TODAY = date(2025, 1, 20)
ELLIOTT = ("9434765919", "Margaret Elliott", date(1956, 3, 12))


@pytest.fixture
def tesseract() -> None:
    if shutil.which("tesseract") is None:
        if os.environ.get("TRIAGE_REQUIRE_OCR"):  # CI: a skipped OCR test is a failure
            pytest.fail("Tesseract is not installed (CI installs the tesseract-ocr package)")
        pytest.skip("Tesseract is not installed")


@pytest.fixture
def no_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # no tesseract on it


def identity(path: Path) -> tuple[object, ...]:
    result = read_requests_file(path, today=TODAY)
    assert not result.problems, [str(problem) for problem in result.problems]
    [accepted] = result.accepted
    patient = accepted.request.patient
    return (patient.nhs_number, patient.name, patient.date_of_birth)


@pytest.mark.usefixtures("tesseract")
@pytest.mark.parametrize(
    ("name", "make", "source_format"),
    [
        ("scan-0042.pdf", lambda: scanned_pdf_of(clinic_letter(layout=1)), SourceFormat.PDF),
        ("scan-0043.png", lambda: image_of(clinic_letter(layout=1)), SourceFormat.SCAN),
        ("photo.jpg", lambda: image_of(clinic_letter(layout=2), "JPEG"), SourceFormat.SCAN),
        ("scan-0044.tif", lambda: image_of(clinic_letter(layout=3), "TIFF"), SourceFormat.SCAN),
    ],
)
def test_a_scanned_letter_is_read_by_ocr(
    tmp_path: Path, name: str, make: object, source_format: SourceFormat
) -> None:
    path = tmp_path / name
    path.write_bytes(make())  # type: ignore[operator]
    result = read_requests_file(path, today=TODAY)
    [accepted] = result.accepted
    request = accepted.request
    assert result.format is source_format
    assert identity(path) == ELLIOTT
    assert request.ref == "RHEU/2291/JO" or "ref: page 1: 'Our ref: RHEU/2291/JO', not sure" in (
        request.read_from
    )
    assert "methotrexate" in (request.text or "").lower()
    assert any(entry.startswith("the text: read by OCR from a scan") for entry in request.read_from)
    assert result.original is not None  # the scan is kept, as it arrived


@pytest.mark.usefixtures("tesseract")
def test_an_emailed_photo_of_a_letter_is_read_and_the_signature_logo_is_not(
    tmp_path: Path,
) -> None:
    logo = io.BytesIO()
    Image.new("L", (200, 60), 255).save(logo, format="PNG")
    path = tmp_path / "message.eml"
    path.write_bytes(
        eml_of(
            "Please see the photographed letter.",
            [
                ("logo.png", logo.getvalue()),
                ("letter.jpg", image_of(clinic_letter(layout=1), "JPEG")),
            ],
        )
    )
    assert identity(path) == ELLIOTT


def test_without_ocr_a_scan_is_kept_for_a_clerk_to_type_and_a_gp_to_decide(
    run: Run, db_path: Path, tmp_path: Path, no_ocr: None
) -> None:
    path = tmp_path / "scan-0042.pdf"
    original = scanned_pdf_of(clinic_letter())
    path.write_bytes(original)
    assert run("--db", db_path, *PRACTICE).status == 0
    assert run("--db", db_path, "policy", "activate", "dorset-gp-alliance").status == 0
    assert run("--db", db_path, "users", "add", "cleo", "--role", "clerk").status == 0

    ran = run("--db", db_path, "--user", "cleo", "import", path)
    assert ran.status == 0 and "1 imported" in ran.out
    notice = [line for line in ran.err_lines if "a scan, kept for a person" in line]
    assert len(notice) == 1
    assert "no OCR engine (Tesseract) is installed" in notice[0]
    assert "install Tesseract OCR" in notice[0] and "apt install tesseract-ocr" in notice[0]
    assert "Traceback" not in ran.err

    waiting = run("--db", db_path, "--user", "cleo", "queue", "--status", "needs_details")
    assert "1 needs details" in waiting.out
    [ref] = [word for word in waiting.out.split() if word.startswith("scan-")]
    saved = tmp_path / "saved.pdf"
    assert run("--db", db_path, "original", ref, "--out", saved).status == 0
    assert saved.read_bytes() == original

    typed = run(
        "--db", db_path, "--user", "cleo", "details", ref, "--nhs-number", "943 476 5919",
        "--name", "Margaret Elliott", "--born", "12/03/1956",
        "--from", "Dorset County Hospital", "--by", "Dr Jane Okafor",
    )  # fmt: skip
    assert typed.status == 0 and f"{ref} is open." in typed.out
    # Its words were never read, so nothing decides it but a GP, who is told why.
    decided = run("--db", db_path, "--user", "cleo", "decide", ref)
    assert decided.status == 1
    assert f"only a GP may decide {ref}: the policy sends it to a GP" in decided.err
    [queued] = map(json.loads, run("--db", db_path, "queue", "--format", "json").out.splitlines())
    assert queued["suggestion"]["action"] == "gp_review"
    assert {"doubtful_scan", "unclassified"} <= set(queued["suggestion"]["flags"])


def test_a_number_ocr_is_unsure_of_sends_the_letter_to_a_gp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tesseract read the letter, but was unsure of "128" in "Hb 128 g/L": a haemoglobin of 28
    or 123 would be a signal, so a GP reads the original."""
    letter = clinic_letter()
    monkeypatch.setattr(scans, "ocr_unavailable", lambda: None)
    monkeypatch.setattr(
        scans,
        "read_page",
        lambda image, seconds, label: scans.ScannedPage(letter, frozenset({"128", "ELLIOTT,"})),
    )
    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned_pdf_of(letter))
    result = read_requests_file(path, today=TODAY)
    [accepted] = result.accepted
    request = accepted.request
    assert Flag.DOUBTFUL_SCAN in request.flags
    assert "the text: read by OCR from a scan; unsure of '128'" in request.read_from
    # The name OCR was unsure of is not taken: a clerk checks it against the scan.
    assert request.patient.name is None
    assert request.details_needed == (
        "patient_name: the scan is unclear here (OCR unsure of 'ELLIOTT'): "
        "Re: Mrs Margaret ELLIOTT; check it by hand",
    )


def test_a_scan_ocr_read_clearly_is_not_flagged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    letter = clinic_letter()
    monkeypatch.setattr(scans, "ocr_unavailable", lambda: None)
    monkeypatch.setattr(
        scans,
        "read_page",  # unsure only of the letterhead's telephone number, which is not clinical
        lambda image, seconds, label: scans.ScannedPage(letter, frozenset({"251150"})),
    )
    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned_pdf_of(letter))
    [accepted] = read_requests_file(path, today=TODAY).accepted
    assert accepted.request.flags == ()
    assert accepted.request.details_needed == ()


def test_a_letter_part_typed_part_scanned_is_not_half_read_without_ocr(
    tmp_path: Path, no_ocr: None
) -> None:
    """Page 1 has a text layer; page 2, where the results are, is a scan. Without OCR, the letter
    is not decided on page 1 alone: nothing of it is relied on, and a person types it."""
    typed = io.BytesIO(pdf_of(clinic_letter()))
    scanned = io.BytesIO(scanned_pdf_of("Results: Hb 78 g/L, falling."))
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.append(typed)
    writer.append(scanned)
    both = io.BytesIO()
    writer.write(both)
    path = tmp_path / "mixed.pdf"
    path.write_bytes(both.getvalue())
    result = read_requests_file(path, today=TODAY)
    [accepted] = result.accepted
    assert not accepted.request.text
    assert Flag.DOUBTFUL_SCAN in accepted.request.flags
    assert len(accepted.request.details_needed) == 5


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims to be width x height: the header only, the pixels never follow."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def _many_page_tiff(pages: int) -> bytes:
    out = io.BytesIO()
    frames = [Image.new("L", (700, 700), 255) for _ in range(pages)]
    frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:])
    return out.getvalue()


BAD_SCANS: dict[str, tuple[Callable[[], bytes], str]] = {
    "huge.png": (
        lambda: _png_header(40_000, 40_000),
        "huge.png: is an image over the 60-megapixel limit for a scanned page",
    ),
    "big.png": (
        lambda: _png_header(10_000, 10_000),
        "is an image of 10,000 x 10,000 pixels, over the 60-megapixel limit for a scanned page",
    ),
    "damaged.png": (
        lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
        "is not an image that can be read",
    ),
    "damaged.jpg": (lambda: b"\xff\xd8\xff" + b"\x13" * 200, "is not an image that can be read"),
    "long.tif": (lambda: _many_page_tiff(60), "is a scan of 60 pages, over the 50-page limit"),
}


@pytest.mark.parametrize("name", list(BAD_SCANS))
def test_a_bad_scan_is_refused_in_one_line_and_nothing_is_imported(
    run: Run, db_path: Path, tmp_path: Path, name: str
) -> None:
    make, expected = BAD_SCANS[name]
    ran = import_beside_a_good_letter(run, db_path, tmp_path / name, make())
    assert expected in ran.err, ran.err


def test_tesseract_without_english_is_named_and_the_scan_kept_for_a_clerk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    fake = bin_folder / "tesseract"  # as installed without tesseract-ocr-eng: only "osd"
    fake.write_text('#!/bin/sh\necho "List of available languages in \\"/x/\\" (1):"\necho osd\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_folder))
    path = tmp_path / "scan.png"
    path.write_bytes(image_of(clinic_letter()))
    result = read_requests_file(path, today=TODAY)
    [accepted] = result.accepted
    assert len(accepted.request.details_needed) == 5
    [note] = [str(note) for note in result.notes]
    assert "Tesseract has no English language data (the package tesseract-ocr-eng)" in note
