"""Reading CSV request files (docs/import-formats.md), good and bad."""

from __future__ import annotations

import csv
import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from triage.demo import demo_records
from triage.intake import (
    COLUMNS,
    MAX_FILE_BYTES,
    FileRejected,
    FileResult,
    check_records,
    open_requests_file,
    read_requests_file,
    reader,
)
from triage.models import Flag, ProviderType, SourceFormat, Urgency

TODAY = date(2026, 11, 22)
HEADER = "ref,received,nhs_number,patient_name,date_of_birth,requester,organisation"
GOOD_ROW = "R1,2025-01-14,943 476 5919,Ann Example,1980-02-03,Dr A Consultant,Rheumatology"


def read(path: Path, max_bytes: int = MAX_FILE_BYTES) -> FileResult:
    return read_requests_file(path, today=TODAY, name=path.name, max_bytes=max_bytes)


def write(tmp_path: Path, content: str | bytes, name: str = "in.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def messages(result: FileResult) -> list[str]:
    return [str(problem) for problem in result.problems]


def test_sample_csv_reads_all_sixteen_requests() -> None:
    result = read(SAMPLES / "requests.csv")
    assert result.format is SourceFormat.CSV
    assert not result.problems and not result.file_rejected
    requests = {item.request.ref: item.request for item in result.accepted}
    assert sorted(requests) == [f"S{n:02d}" for n in range(1, 17)]

    s05, s08, s13, s14 = requests["S05"], requests["S08"], requests["S13"], requests["S14"]
    assert s05.procedure_date == date(2024, 3, 2)
    assert s08.supply_ends == date(2025, 7, 1)
    assert s08.medications == ("denosumab 60mg",)
    assert s13.patient.date_of_birth == date(2011, 2, 2)
    assert s14.urgency is Urgency.URGENT
    assert requests["S02"].provider_type is ProviderType.RIGHT_TO_CHOOSE
    assert requests["S01"].request_type is None  # left empty: the letter's words may say
    assert requests["S01"].received == datetime(2025, 1, 14, tzinfo=UTC)  # midnight in January


def test_an_invalid_nhs_number_is_imported_flagged_with_a_warning() -> None:
    result = read(SAMPLES / "requests.csv")
    s15 = next(item for item in result.accepted if item.request.ref == "S15")
    assert s15.request.flags == (Flag.INVALID_NHS_NUMBER,)
    assert not s15.request.patient.nhs_number_valid
    assert [str(w) for w in s15.warnings] == [
        "requests.csv:16: nhs_number: '1234567890' fails the Modulus 11 check (no check digit "
        "is possible for the first nine digits); imported and flagged invalid_nhs_number"
    ]
    others = [item for item in result.accepted if item.request.ref != "S15"]
    assert all(not item.warnings and not item.request.flags for item in others)


def test_the_bad_sample_names_every_problem_by_line_and_field() -> None:
    result = read(SAMPLES / "requests-bad.csv")
    assert result.file_rejected and not result.accepted
    assert messages(result) == [
        "requests-bad.csv:1: colour: unknown column (see the import formats)",
        "requests-bad.csv:2: received: '14/01/2025' is not an ISO 8601 date or date-time "
        "(YYYY-MM-DD or YYYY-MM-DDTHH:MM)",
        "requests-bad.csv:3: ref: missing (a value is required)",
        "requests-bad.csv:4: request_type: 'brand-new' is not one of: new, continuation, "
        "transfer_in",
    ]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (GOOD_ROW.replace("2025-01-14", "14/01/2025"), "2: received: '14/01/2025' is not an ISO"),
        (GOOD_ROW.replace("1980-02-03", "1980-13-01"), "2: date_of_birth: '1980-13-01' is not"),
        (GOOD_ROW.replace("1980-02-03", "2031-01-01"), "2: date_of_birth: '2031-01-01' is in the"),
        (GOOD_ROW.replace("1980-02-03", "1850-01-01"), "2: date_of_birth: '1850-01-01' is before"),
        (
            GOOD_ROW.replace("2025-01-14", "2027-06-01"),
            "2: received: '2027-06-01' is in the future",
        ),
        (GOOD_ROW.replace("Ann Example", ""), "2: patient_name: missing (a value is required)"),
        (GOOD_ROW.replace("R1,", " ,"), "2: ref: missing (a value is required)"),
        (GOOD_ROW + ",extra", "2: has 8 fields but the header has 7"),
    ],
)
def test_a_bad_row_is_named_by_line_and_field(tmp_path: Path, row: str, expected: str) -> None:
    result = read(write(tmp_path, f"{HEADER}\n{row}\n{GOOD_ROW.replace('R1', 'R2')}\n"))
    [problem] = messages(result)
    assert problem.removeprefix("in.csv:").startswith(expected)
    assert result.records_rejected == 1
    assert [item.request.ref for item in result.accepted] == ["R2"]  # the good row still reads


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        (
            "provider_type",
            "NHS trust",
            "'NHS trust' is not one of: nhs, right_to_choose, private, unknown",
        ),
        ("urgency", "asap", "'asap' is not one of: routine, urgent"),
        (
            "category",
            "migraine",
            "'migraine' is not one of: adhd, gender_dysphoria, mgus, bariatric, eating_disorder, "
            "dmard, denosumab, psa, inr, mental_health_monitoring, lithium",
        ),
        ("codes", "406506008;F90.0", "'F90.0' is not a SNOMED CT or dm+d code (6 to 18 digits)"),
        ("supply_ends", "next week", "'next week' is not an ISO 8601 date (YYYY-MM-DD)"),
    ],
)
def test_unknown_enum_values_and_bad_optional_values(
    tmp_path: Path, column: str, value: str, expected: str
) -> None:
    result = read(write(tmp_path, f"{HEADER},{column}\n{GOOD_ROW},{value}\n"))
    assert messages(result) == [f"in.csv:2: {column}: {expected}"]


def test_enum_values_ignore_case_and_surrounding_space(tmp_path: Path) -> None:
    result = read(
        write(tmp_path, f"{HEADER},provider_type,urgency\n{GOOD_ROW}, Right_To_Choose ,URGENT\n")
    )
    request = result.accepted[0].request
    assert (request.provider_type, request.urgency) == (
        ProviderType.RIGHT_TO_CHOOSE,
        Urgency.URGENT,
    )


def test_header_problems_are_all_listed_and_reject_the_whole_file(tmp_path: Path) -> None:
    result = read(write(tmp_path, f"{HEADER},colour,ref,flavour\n{GOOD_ROW},blue,R1,mint\n"))
    assert result.file_rejected and not result.accepted
    assert messages(result) == [
        "in.csv:1: colour: unknown column (see the import formats)",
        "in.csv:1: ref: column appears more than once",
        "in.csv:1: flavour: unknown column (see the import formats)",
    ]


def test_missing_required_columns_are_named_once_not_per_row(tmp_path: Path) -> None:
    header = HEADER.replace(",nhs_number", "").replace(",date_of_birth", ",dob")
    rows = "\n".join(["R1,2025-01-14,Ann,1980-01-01,Dr A,Rheum"] * 50)
    result = read(write(tmp_path, f"{header}\n{rows}\n"))
    assert messages(result) == [
        "in.csv:1: dob: unknown column (see the import formats)",
        "in.csv:1: nhs_number: required column missing",
        "in.csv:1: date_of_birth: required column missing",
    ]


def test_a_semicolon_separated_file_gets_a_hint(tmp_path: Path) -> None:
    result = read(write(tmp_path, HEADER.replace(",", ";") + "\n" + GOOD_ROW.replace(",", ";")))
    assert messages(result) == ["in.csv:1: the columns are separated by semicolons; use commas"]


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    result = read(write(tmp_path, f"\ufeff{HEADER}\n{GOOD_ROW}\n".encode()))
    assert not result.problems
    assert result.accepted[0].request.ref == "R1"


def test_invalid_utf8_names_the_line_and_byte(tmp_path: Path) -> None:
    content = f"{HEADER}\n{GOOD_ROW}\n".encode() + b"R2,2025-01-14,9434765919,Zo" + b"\xeb\n"
    result = read(write(tmp_path, content))
    assert result.file_rejected and not result.accepted
    assert messages(result) == [
        "in.csv:3: is not UTF-8 (byte 0xeb at column 28); save the file as UTF-8 and import it again"
    ]


@pytest.mark.parametrize("content", [b"", b"   \n\n", b"\xef\xbb\xbf"])
def test_an_empty_file_is_refused(tmp_path: Path, content: bytes) -> None:
    result = read(write(tmp_path, content))
    assert result.file_rejected and messages(result) == ["in.csv: is empty"]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER}\n{GOOD_ROW}\n")
    result = read(path, max_bytes=100)
    assert result.file_rejected and not result.accepted
    assert messages(result) == [
        "in.csv: is 0.0 MB, over the 0 MB limit for one file; split it into smaller files"
    ]


def test_a_huge_sparse_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as file:
        file.truncate(200 * 1024 * 1024)  # sparse: no disk, and nothing to read if we tried
    result = read(path)
    assert messages(result) == [
        "huge.csv: is 200.0 MB, over the 64 MB limit for one file; split it into smaller files"
    ]


def test_a_nul_byte_is_reported_not_a_crash(tmp_path: Path) -> None:
    # PostgreSQL cannot store NUL in text, so it must never get as far as the database.
    bad_row = GOOD_ROW.replace("R1", "R2").replace("Ann Example", "Ann\x00Example")
    result = read(write(tmp_path, f"{HEADER}\n{GOOD_ROW}\n{bad_row}\n"))
    assert messages(result) == ["in.csv:3: patient_name: contains a NUL character"]


def test_a_row_with_the_wrong_number_of_fields_reports_only_that(tmp_path: Path) -> None:
    result = read(write(tmp_path, f"{HEADER}\n{GOOD_ROW}\nR2,2025-01-14\n"))
    assert messages(result) == ["in.csv:3: has 2 fields but the header has 7"]


def test_a_quoted_letter_spanning_lines_keeps_later_line_numbers_right(tmp_path: Path) -> None:
    letter = '"Dear Doctor,\n\nPlease take over.\n\nYours"'
    content = (
        f"{HEADER},text\n"
        f"{GOOD_ROW},{letter}\n"
        f"{GOOD_ROW.replace('R1', 'R2').replace('2025-01-14', 'yesterday')},\n"
    )
    result = read(write(tmp_path, content))
    assert result.accepted[0].request.text == "Dear Doctor,\n\nPlease take over.\n\nYours"
    assert messages(result) == [
        "in.csv:7: received: 'yesterday' is not an ISO 8601 date or date-time "
        "(YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
    ]


def test_received_date_times_without_an_offset_are_english_time(tmp_path: Path) -> None:
    rows = [
        GOOD_ROW.replace("2025-01-14", "2025-06-14T09:30"),  # BST: 08:30 UTC
        GOOD_ROW.replace("R1", "R2").replace("2025-01-14", "2025-06-14T09:30:00+00:00"),
    ]
    result = read(write(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n"))
    received = [item.request.received for item in result.accepted]
    assert received == [
        datetime(2025, 6, 14, 8, 30, tzinfo=UTC),
        datetime(2025, 6, 14, 9, 30, tzinfo=UTC),
    ]


def test_lists_are_split_on_semicolons(tmp_path: Path) -> None:
    result = read(
        write(
            tmp_path,
            f"{HEADER},medications,codes\n{GOOD_ROW},methotrexate 15mg; folic acid 5mg ;,"
            "406506008; 42013411000001102\n",
        )
    )
    request = result.accepted[0].request
    assert request.medications == ("methotrexate 15mg", "folic acid 5mg")
    assert request.codes == ("406506008", "42013411000001102")


def test_a_field_over_its_length_limit_is_a_problem(tmp_path: Path) -> None:
    result = read(write(tmp_path, f"{HEADER}\n{GOOD_ROW.replace('Ann Example', 'A' * 201)}\n"))
    assert messages(result) == [
        "in.csv:2: patient_name: is 201 characters long, over the limit of 200"
    ]


def test_an_unterminated_quote_is_reported_at_the_row_it_starts(tmp_path: Path) -> None:
    result = read(
        write(tmp_path, f'{HEADER},text\n{GOOD_ROW},fine\n{GOOD_ROW},"never closed\nmore\n')
    )
    assert messages(result) == ["in.csv:3: is not valid CSV (unexpected end of data)"]
    assert result.records_rejected == 1


# --- a big file, read as it streams -------------------------------------------------------------


def big_csv(tmp_path: Path, *, tail: bytes = b"", header: str = ", ".join(COLUMNS)) -> Path:
    """A file well over STREAM_CSV_FROM_BYTES, written as a clinic's system exports one (a
    byte-order mark, CRLF), with the troubles a real export has here and there."""
    rows = []
    for number, record in enumerate(demo_records(3_000, today=TODAY), start=1):
        cells = [record.get(column, "") for column in COLUMNS]
        if number == 40:
            cells[COLUMNS.index("text")] = 'Dear Doctor,\r\n\r\n"Please" take over.\nYours'
        if number == 700:
            cells[COLUMNS.index("received")] = "14/01/2025"
        if number == 1_500:
            cells = cells[:5]
        if number == 2_000:
            cells[COLUMNS.index("patient_name")] = "Zoë Ça\x00"
        rows.append(cells)
    path = tmp_path / "big.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as file:
        file.write(header.replace(", ", ",") + "\r\n")
        writer = csv.writer(file)
        writer.writerows(rows[:2_500])
        file.write("\r\n\r\n,,,\r\n")  # blank lines, and a spreadsheet's empty row
        file.write("R-cr,2025-01-14,9434765919,Ann,1980-02-03,Dr A,Clinic" + "," * 11 + "\r")
        writer.writerows(rows[2_500:])
    with path.open("ab") as file:
        file.write(tail)
    assert path.stat().st_size > reader.STREAM_CSV_FROM_BYTES
    return path


def read_whole(path: Path, monkeypatch: pytest.MonkeyPatch) -> FileResult:
    with monkeypatch.context() as patched:
        patched.setattr(reader, "STREAM_CSV_FROM_BYTES", 1 << 40)
        return read(path)


def same(streamed: FileResult, whole: FileResult) -> None:
    assert messages(streamed) == messages(whole)
    assert [str(note) for note in streamed.notes] == [str(note) for note in whole.notes]
    assert streamed.accepted == whole.accepted
    assert (
        streamed.format,
        streamed.sha256,
        streamed.records_rejected,
        streamed.file_rejected,
    ) == (
        whole.format,
        whole.sha256,
        whole.records_rejected,
        whole.file_rejected,
    )


def test_a_big_file_read_as_it_streams_reads_as_it_would_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = big_csv(tmp_path, tail=b'R-last,2025-01-14,9434765919,"never closed\r\n')
    streamed = read(path)
    same(streamed, read_whole(path, monkeypatch))
    assert streamed.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(streamed.accepted) == 2_998  # 3,000 and the row ended by a lone CR, less 3 bad
    # Row 40's letter spans 4 lines; row 2,500 is followed by 3 blank or empty lines.
    assert messages(streamed) == [
        "big.csv:704: received: '14/01/2025' is not an ISO 8601 date or date-time "
        "(YYYY-MM-DD or YYYY-MM-DDTHH:MM)",
        "big.csv:1504: has 5 fields but the header has 18",
        "big.csv:2004: patient_name: contains a NUL character",
        "big.csv:3009: is not valid CSV (unexpected end of data)",
    ]
    letter = next(item.request for item in streamed.accepted if item.request.ref == "DEMO-000040")
    assert letter.text == 'Dear Doctor,\r\n\r\n"Please" take over.\nYours'


def test_a_byte_that_is_not_utf8_deep_in_a_big_file_refuses_it_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = big_csv(tmp_path, tail=b"R-bad,2025-01-14,9434765919,Zo\xeb\r\n")
    streamed = read(path)
    same(streamed, read_whole(path, monkeypatch))
    assert streamed.file_rejected and not streamed.accepted
    assert messages(streamed) == [
        "big.csv:3008: is not UTF-8 (byte 0xeb at column 31); save the file as UTF-8 and import "
        "it again"
    ]


def test_a_big_file_with_a_bad_header_and_a_bad_byte_is_named_for_the_byte_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    header = ", ".join(column for column in COLUMNS if column != "nhs_number")
    path = big_csv(tmp_path, tail=b"\xff\r\n", header=header)
    streamed = read(path)
    same(streamed, read_whole(path, monkeypatch))
    # Numbered as ever by its newlines: the row ended by a lone CR does not count.
    assert messages(streamed)[0].startswith("big.csv:3008: is not UTF-8 (byte 0xff")


def test_a_big_file_whose_header_has_a_stray_column_lists_every_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = big_csv(tmp_path, header=", ".join([*COLUMNS, "colour"]))
    streamed = read(path)
    same(streamed, read_whole(path, monkeypatch))
    assert streamed.file_rejected and not streamed.accepted
    assert messages(streamed)[0] == "big.csv:1: colour: unknown column (see the import formats)"
    assert len(messages(streamed)) == 3_002  # and every row, named with one field too few


def test_a_big_file_changed_while_it_is_read_is_refused_not_half_read(tmp_path: Path) -> None:
    path = big_csv(tmp_path)
    opened = open_requests_file(path, today=TODAY, name=path.name)
    path.write_bytes(path.read_bytes().replace(b"ref,", b"reference,", 1))
    with pytest.raises(FileRejected) as refused:
        list(check_records(opened, today=TODAY))
    assert [str(problem) for problem in refused.value.problems] == [
        "big.csv: changed while it was being imported; import it again"
    ]
