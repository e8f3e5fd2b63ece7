"""Reading JSON arrays and JSON Lines (docs/import-formats.md), good and bad."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SAMPLES
from triage.intake import FileResult, read_requests_file
from triage.models import SourceFormat

TODAY = date(2026, 11, 22)
GOOD = {
    "ref": "R1",
    "received": "2025-01-14",
    "nhs_number": "9434765919",
    "patient_name": "Ann Example",
    "date_of_birth": "1980-02-03",
    "requester": "Dr A Consultant",
    "organisation": "Rheumatology",
}


# Each example writes a file into the test's own tmp_path, which is safe to share between them.
FILE_PROPERTIES = settings(
    max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def read(path: Path) -> FileResult:
    return read_requests_file(path, today=TODAY, name=path.name)


def write(tmp_path: Path, content: str, name: str = "in.json") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def messages(result: FileResult) -> list[str]:
    return [str(problem) for problem in result.problems]


def test_sample_json_array_and_json_lines() -> None:
    array = read(SAMPLES / "requests.json")
    lines = read(SAMPLES / "requests.jsonl")
    assert (array.format, lines.format) == (SourceFormat.JSON, SourceFormat.JSONL)
    assert [item.request.ref for item in array.accepted] == [
        "S01",
        "S02",
        "S03",
        "S04",
        "S05",
        "S06",
    ]
    assert [item.request.ref for item in lines.accepted] == [f"S{n:02d}" for n in range(7, 17)]
    assert not array.problems and not lines.problems


def test_the_same_request_in_csv_and_json_has_the_same_fingerprint() -> None:
    csv_requests = {i.request.ref: i.request for i in read(SAMPLES / "requests.csv").accepted}
    for item in read(SAMPLES / "requests.json").accepted:
        twin = csv_requests[item.request.ref]
        assert (item.request.sender_key, item.request.content_sha256) == (
            twin.sender_key,
            twin.content_sha256,
        )


def test_array_elements_are_named_by_the_line_they_start_on(tmp_path: Path) -> None:
    bad = {**GOOD, "ref": "R2", "received": "14/01/2025"}
    text = "[\n" + json.dumps(GOOD, indent=2) + ",\n" + json.dumps(bad, indent=2) + "\n]\n"
    result = read(write(tmp_path, text))
    start_of_second = 2 + len(json.dumps(GOOD, indent=2).splitlines())
    assert messages(result) == [
        f"in.json:{start_of_second}: received: '14/01/2025' is not an ISO 8601 date or date-time "
        "(YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
    ]


def test_json_lines_name_the_bad_line_and_keep_reading(tmp_path: Path) -> None:
    text = "\n".join(
        [json.dumps(GOOD), "", '{"ref": "R2", "received": ', json.dumps({**GOOD, "ref": "R3"})]
    )
    result = read(write(tmp_path, text, "in.jsonl"))
    assert messages(result) == ["in.jsonl:3: is not valid JSON (Expecting value, column 27)"]
    assert [item.request.ref for item in result.accepted] == ["R1", "R3"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            '[{"ref": "R1",',
            "in.json:1: is not valid JSON (Expecting property name enclosed in double quotes, column 15)",
        ),
        ("[]", "in.json: holds an empty list: no requests"),
        (
            '{"requests": [{"ref": "R1"}]}',
            "in.json: is a JSON object with the keys requests: expected a list of requests, one request per line (JSON Lines), or a FHIR resource",
        ),
        ("[" * 10_000 + "]" * 10_000, "in.json:1: is nested more than 64 levels deep"),
        ('{"a":' * 5_000 + "1" + "}" * 5_000, "in.json:1: is nested more than 64 levels deep"),
        ("[" + json.dumps(GOOD) + "] trailing", "in.json:1: has more after the closing ']'"),
        (
            "[" + json.dumps(GOOD) + " " + json.dumps(GOOD) + "]",
            "in.json:1: expected ',' or ']' here",
        ),
    ],
)
def test_json_that_is_not_json_or_has_the_wrong_shape(
    tmp_path: Path, content: str, expected: str
) -> None:
    result = read(write(tmp_path, content))
    assert result.file_rejected and not result.accepted
    assert messages(result) == [expected]


def test_a_number_too_long_for_python_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    content = "[" + json.dumps(GOOD)[:-1] + ', "age": ' + "9" * 5000 + "}]"
    result = read(write(tmp_path, content))
    assert messages(result) == ["in.json: holds a number too long to read"]


@pytest.mark.parametrize(
    ("element", "expected"),
    [
        ([1, 2], "in.json:1: expected an object with request keys, found a list"),
        ("S01", "in.json:1: expected an object with request keys, found a single value"),
        ({**GOOD, "nhs_number": 9434765919}, "in.json:1: nhs_number: must be text, not a number"),
        ({**GOOD, "urgency": True}, "in.json:1: urgency: must be text, not true/false"),
        (
            {**GOOD, "colour": "blue"},
            "in.json:1: colour: unknown key (see docs/import-formats.md for the keys)",
        ),
        (
            {**GOOD, "medications": ["a", 3]},
            "in.json:1: medications: must be a list of text values",
        ),
        (
            {**GOOD, "text": "bad \ud800 char"},
            "in.json:1: text: contains an invalid character (an unpaired surrogate)",
        ),
    ],
)
def test_bad_elements_are_named(tmp_path: Path, element: object, expected: str) -> None:
    result = read(write(tmp_path, json.dumps([element])))
    assert messages(result) == [expected]


def test_a_key_given_twice_is_a_problem_not_silently_the_last(tmp_path: Path) -> None:
    content = "[" + json.dumps(GOOD)[:-1] + ', "ref": "R9"}]'
    assert messages(read(write(tmp_path, content))) == [
        "in.json:1: ref: key appears more than once"
    ]


def test_lists_are_accepted_for_medications_and_codes(tmp_path: Path) -> None:
    element = {**GOOD, "medications": ["methotrexate 15mg", "folic acid"], "codes": ["326874007"]}
    request = read(write(tmp_path, json.dumps([element]))).accepted[0].request
    assert request.medications == ("methotrexate 15mg", "folic acid")
    assert request.codes == ("326874007",)


def test_null_means_absent(tmp_path: Path) -> None:
    element = {**GOOD, "diagnosis": None, "urgency": None}
    request = read(write(tmp_path, json.dumps([element]))).accepted[0].request
    assert request.diagnosis is None and request.urgency.value == "routine"


def test_one_request_object_alone_is_read_even_spread_over_lines(tmp_path: Path) -> None:
    result = read(write(tmp_path, json.dumps(GOOD, indent=2)))
    assert [item.request.ref for item in result.accepted] == ["R1"]
    bad = read(write(tmp_path, json.dumps({**GOOD, "received": "soon"}, indent=2)))
    assert messages(bad)[0].startswith("in.json:1: received: 'soon' is not an ISO 8601 date")


@FILE_PROPERTIES
@given(st.binary(max_size=400))
def test_arbitrary_bytes_end_in_problems_never_in_an_exception(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz"
    path.write_bytes(data)
    result = read(path)
    assert result.accepted or result.problems or result.notes or not data.strip()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@FILE_PROPERTIES
@given(
    st.lists(
        st.dictionaries(st.sampled_from([*GOOD, "text", "codes", "x"]), json_values), max_size=4
    )
)
def test_arbitrary_json_shapes_end_in_problems_never_in_an_exception(
    tmp_path: Path, elements: list[dict[str, object]]
) -> None:
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(elements), encoding="utf-8")
    result = read(path)
    assert len(result.accepted) + result.records_rejected == len(elements) or result.file_rejected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # Brackets closed before they are opened must not cancel the nesting of a later line.
        ("{}\n" + "]" * 100_000 + "\n" + "[" * 100_000, "in.jsonl:3: is nested more than 64"),
        # Nor may a string left open on one line hide the lines after it.
        ('{"ref": "x\n' + "[" * 100_000, "in.jsonl:2: is nested more than 64"),
        ("{}\n" + '{"a":' * 100_000, "in.jsonl:2: is nested more than 64"),
    ],
    ids=["closed-before-opened", "open-string", "objects"],
)
def test_json_lines_nested_deep_are_refused_naming_the_line(
    tmp_path: Path, content: str, expected: str
) -> None:
    result = read(write(tmp_path, content, "in.jsonl"))
    assert result.file_rejected and not result.accepted
    [problem] = messages(result)
    assert problem.startswith(expected)


def test_json_lines_are_split_at_newlines_only(tmp_path: Path) -> None:
    """A line separator (U+2028) or NEL inside a string is text, not the end of a line: split
    there, the rest of the string would be parsed as JSON of its own, nested without limit."""
    first = {**GOOD, "text": "one\u2028two\x85three"}
    deep = {**GOOD, "ref": "R2", "text": "x\u2028" + "[" * 3_000}
    result = read(
        write(
            tmp_path,
            json.dumps(first, ensure_ascii=False) + "\n" + json.dumps(deep, ensure_ascii=False),
            "in.jsonl",
        )
    )
    assert not result.problems
    assert [item.request.text for item in result.accepted] == [first["text"], deep["text"]]
