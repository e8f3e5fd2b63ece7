"""Reading clinic letters: how many identifiers are read correctly, and how fast, per format.

`--count` letters (default 100) per format are generated with random synthetic patients, in the
four layouts of tests/letter_factory.py (a "Re:" line, labelled lines with the date of birth in
words, a details table, the name as hospital systems print it) and from three services, as plain
text, PDF, Word, e-mail (each letter attached as a PDF to an e-mail with a covering note), and
scanned at 200 dpi (slightly skewed, grey, speckled) into a PDF without a text layer, a PNG and
a JPEG, read by Tesseract OCR. Each is read by the import's reader (`read_requests_file`, exactly
what `triage import` runs) and compared with the patient it was written for.

Printed per format: the share of NHS numbers, dates of birth and names read correctly; how many
identifiers were read wrongly and taken as sure (the figure that matters for safety: it must be
0; an identifier the reader is unsure of waits for a clerk instead); letters sent to a GP because
OCR was unsure of a number in the body; letters refused; letters per second. The baseline,
measured in the same run, is a CSV file of the same requests: the ratio says what reading
letters costs against rows. Without Tesseract the scanned formats are left out, with a line
saying so. Run from the repository root (scans take about a second a page):

    .venv/bin/python benchmarks/letters.py --count 100
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from random import Random

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.letter_factory import (
    Patient,
    clinic_letter,
    docx_of,
    eml_of,
    image_of,
    pdf_of,
    random_patient,
    scanned_pdf_of,
)
from triage.intake import read_requests_file
from triage.intake.letters.scans import ocr_unavailable
from triage.models import Flag

TODAY = date(2025, 1, 20)
FORMATS: dict[str, Callable[[str], bytes]] = {
    "text": lambda letter: letter.encode("utf-8"),
    "pdf": pdf_of,
    "docx": docx_of,
    "email": lambda letter: eml_of(
        "Please see the attached letter.", [("letter.pdf", pdf_of(letter))]
    ),
}
SCANS: dict[str, Callable[[str], bytes]] = {
    "scan-pdf": scanned_pdf_of,
    "scan-png": image_of,
    "scan-jpeg": lambda letter: image_of(letter, "JPEG"),
}


def letters(count: int, seed: int) -> list[tuple[Patient, str]]:
    rng = Random(seed)
    made = []
    for number in range(count):
        patient = random_patient(rng)
        text = clinic_letter(patient, layout=number, service=number // 3, ref=f"BENCH/{number}")
        made.append((patient, text))
    return made


def measure(
    folder: Path, name: str, make: Callable[[str], bytes], made: list[tuple[Patient, str]]
) -> str:
    paths = []
    for number, (_, text) in enumerate(made):
        path = folder / f"{name}-{number}"
        path.write_bytes(make(text))
        paths.append(path)
    right = {"nhs_number": 0, "date_of_birth": 0, "name": 0}
    wrong = refused = doubtful = 0
    started = time.perf_counter()
    for path, (patient, _) in zip(paths, made, strict=True):
        result = read_requests_file(path, today=TODAY)
        if not result.accepted:
            refused += 1
            continue
        request = result.accepted[0].request
        doubtful += Flag.DOUBTFUL_SCAN in request.flags
        read = request.patient
        for key, value, truth in (
            ("nhs_number", read.nhs_number, patient.nhs_number),
            ("date_of_birth", read.date_of_birth, patient.born),
            ("name", read.name, patient.name),
        ):
            right[key] += value == truth
            wrong += value is not None and value != truth
    seconds = time.perf_counter() - started
    count = len(made)
    shares = "  ".join(f"{key} {100 * value / count:5.1f}%" for key, value in right.items())
    return (
        f"{name:9} {shares}  wrong {wrong:3}  to GP {doubtful:3}  refused {refused:3}  "
        f"{count / seconds:8.1f} letters/s"
    )


def baseline(folder: Path, made: list[tuple[Patient, str]]) -> float:
    """Requests per second from a CSV file of the same requests (one file, read once)."""
    path = folder / "baseline.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(
            ["ref", "received", "nhs_number", "patient_name", "date_of_birth", "requester",
             "organisation", "text"]
        )  # fmt: skip
        for number, (patient, text) in enumerate(made):
            writer.writerow(
                [f"BENCH/{number}", "2025-01-14", patient.nhs_number, patient.name,
                 patient.born.isoformat(), "Dr J Okafor", "Rheumatology", text]
            )  # fmt: skip
    started = time.perf_counter()
    result = read_requests_file(path, today=TODAY)
    seconds = time.perf_counter() - started
    assert len(result.accepted) == len(made)
    return len(made) / seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=100, help="Letters per format.")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    made = letters(args.count, args.seed)
    with tempfile.TemporaryDirectory() as folder:
        rows_per_second = baseline(Path(folder), made)
        print(f"{args.count} letters per format; baseline: the same requests as CSV rows, "
              f"{rows_per_second:,.0f} rows/s")  # fmt: skip
        scans = SCANS if ocr_unavailable() is None else {}
        for name, make in (FORMATS | scans).items():
            line = measure(Path(folder), name, make, made)
            print(line)
        if not scans:
            print(f"scans left out: {ocr_unavailable()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
