"""Reading clinic letters: how many identifiers are read correctly, and how fast, per format.

`--count` letters (default 100) per format are generated with random synthetic patients, in the
three layouts of tests/letter_factory.py (a "Re:" line, labelled lines with the date of birth in
words, a details table) and from three services, as plain text, PDF, Word and e-mail (each letter
attached as a PDF to an e-mail with a covering note). Each is read by the import's reader
(`read_requests_file`, exactly what `triage import` runs) and compared with the patient it was
written for. Printed per format: the share of NHS numbers, dates of birth and names read
correctly, letters refused, and letters per second. The baseline, measured in the same run, is a
CSV file of the same requests: the ratio says what reading letters costs against rows.

Scanned letters (OCR) are not read yet: see docs/import-formats.md. Run from the repository root:

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
    pdf_of,
    random_patient,
)
from triage.intake import read_requests_file

TODAY = date(2025, 1, 20)
FORMATS: dict[str, Callable[[str], bytes]] = {
    "text": lambda letter: letter.encode("utf-8"),
    "pdf": pdf_of,
    "docx": docx_of,
    "email": lambda letter: eml_of(
        "Please see the attached letter.", [("letter.pdf", pdf_of(letter))]
    ),
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
    refused = 0
    started = time.perf_counter()
    for path, (patient, _) in zip(paths, made, strict=True):
        result = read_requests_file(path, today=TODAY)
        if not result.accepted:
            refused += 1
            continue
        read = result.accepted[0].request.patient
        right["nhs_number"] += read.nhs_number == patient.nhs_number
        right["date_of_birth"] += read.date_of_birth == patient.born
        right["name"] += read.name == patient.name
    seconds = time.perf_counter() - started
    count = len(made)
    shares = "  ".join(f"{key} {100 * value / count:5.1f}%" for key, value in right.items())
    return f"{name:6} {shares}  refused {refused:3}  {count / seconds:8.1f} letters/s"


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
        for name, make in FORMATS.items():
            line = measure(Path(folder), name, make, made)
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
