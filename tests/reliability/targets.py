"""What is fuzzed, and how inputs are made: each target's seeds (the project's samples) and a
hypothesis strategy mutating them. A target reads one input and must end in problems (or
requests), never in an exception."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from hypothesis import strategies as st

from policies import PolicyRejected, load_policy_text
from triage.intake import read_requests_file

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLES = ROOT / "tests" / "data" / "samples"
SHIPPED_POLICIES = ROOT / "policies" / "shipped"
TODAY = date(2026, 11, 22)

# Splices that found, or would find, the bugs of issue 15, and their neighbours.
_SPLICES = [
    b"[" * 100_000, b"]" * 1_000, b"{" * 1_000, b'{"a":' * 2_000, b"\n", b"\r\n", b'"', b"'",
    b"<!DOCTYPE r [<!ENTITY a 'x'>]>", b"<bogus value='1'/>", b"<x:y xmlns:x='urn:x'/>",
    b"<entry/>" * 2_000, b"<extension url='u'/>" * 2_000, b"\x00", b"\x1b[2J", b"\x07",
    "\u2028".encode(), "\x85".encode(), b"\xff\xfe", b"\xef\xbb\xbf", b"9" * 5_000,
    b"a" + b".a" * 5_000, b"[[rules]]\n", b"x = " + b"[" * 50, b"#", b'"""',
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A seed with a few cuts, repeats, splices and re-encodings."""
    data = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(0, 4))):
        if not data:
            break
        start = draw(st.integers(0, len(data) - 1))
        end = draw(st.integers(start, min(len(data), start + 200)))
        operation = draw(st.sampled_from(["cut", "repeat", "splice", "byte", "truncate"]))
        if operation == "cut":
            data = data[:start] + data[end:]
        elif operation == "repeat":
            data = data[:end] + data[start:end] * draw(st.integers(2, 300)) + data[end:]
        elif operation == "splice":
            data = data[:start] + draw(st.sampled_from(_SPLICES)) + data[start:]
        elif operation == "byte":
            data = data[:start] + bytes([draw(st.integers(0, 255))]) + data[start + 1 :]
        else:
            data = data[:start]
    if draw(st.integers(0, 9)) == 0:  # now and then, the whole file in UTF-16
        data = data.decode("utf-8", "replace").encode(
            draw(st.sampled_from(["utf-16", "utf-16-le"]))
        )
    return data


def _read_file(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        result = read_requests_file(path, today=TODAY, name=path.name)
        # A refused file says why (a CSV of a header alone is read as no requests, and said so
        # by the import's counts).
        assert result.problems or not result.file_rejected
        for problem in [*result.problems, *result.notes]:
            assert isinstance(problem.message, str) and problem.message


def _load_policy(data: bytes) -> None:
    try:
        load_policy_text(data.decode("utf-8", "replace"), "fuzz.toml")
    except PolicyRejected as rejected:
        assert rejected.problems


@dataclass(frozen=True)
class Target:
    name: str
    seeds: list[bytes]
    check: Callable[[bytes], None]

    @property
    def inputs(self) -> st.SearchStrategy[bytes]:
        return mutated(self.seeds)


def _seeds(*patterns: str, folder: Path = SAMPLES) -> list[bytes]:
    return [path.read_bytes() for pattern in patterns for path in sorted(folder.glob(pattern))]


_LETTER = (
    b"Dorset County Hospital NHS Foundation Trust\nRheumatology\n\nRe: Mrs Margaret ELLIOTT, "
    b"DOB 12/03/1956, NHS No: 943 476 5919\n\nDear Dr Smith,\nPlease start methotrexate shared "
    b"care.\n\nYours sincerely\nDr Jane Okafor\nConsultant Rheumatologist\n"
)
_EMAIL = (
    b"From: clinic@example.org\nTo: gp@example.org\nSubject: Shared care\n"
    b"Content-Type: text/plain; charset=utf-8\n\n" + _LETTER
)

TARGETS = [
    Target("csv", _seeds("requests*.csv"), lambda data: _read_file(data, ".csv")),
    Target("json", _seeds("requests.json"), lambda data: _read_file(data, ".json")),
    Target("jsonl", _seeds("requests.jsonl"), lambda data: _read_file(data, ".jsonl")),
    Target(
        "fhir-json",
        _seeds("fhir/*.json") + _seeds("fhir-nhs/*.json"),
        lambda data: _read_file(data, ".json"),
    ),
    Target("fhir-xml", _seeds("fhir/*.xml"), lambda data: _read_file(data, ".xml")),
    Target("letters", [_LETTER, _EMAIL], lambda data: _read_file(data, ".txt")),
    Target("policy", _seeds("*.toml", folder=SHIPPED_POLICIES), _load_policy),
]
