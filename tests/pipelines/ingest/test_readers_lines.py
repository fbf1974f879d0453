"""Line endings and quoting in CSV extracts: each file is read correctly or rejected naming the line.

Files are built inline from three hand-written police rows; a record is one physical line.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from data_contracts.contract import load_contracts
from pipelines.ingest.readers import RejectedFile, read_extract
from pipelines.ingest.run import run_ingest
from tests.clock import test_clock

pytestmark = pytest.mark.bad_input  # the bad-input corpus: `pytest -m bad_input`

CONTRACTS = load_contracts()
POLICE = CONTRACTS["police_occurrences"]
NAME = "police_occurrences_2026-11-09.csv"
SURNAMES = ["SMITH", "JONES", "KAUR"]
RUN_DATE = date(2026, 11, 16)


def row(number: int, surname: str) -> str:
    """One valid police row (no quarantine reason) with the given surname."""
    values = {
        "RECORD_ID": f"OCC{number:09d}", "CRIME_REF": f"26/{number:07d}/26", "PNC_ID": "",
        "SURNAME": surname, "FORENAMES": "ALEX", "DOB": "01/02/2008", "SEX": "M", "POSTCODE": "",
        "ROLE": "SUSPECT", "HO_CODE": "1", "OFFENCE_DATE": "01/10/2026", "RECORDED_DATE": "02/10/2026",
        "KNIFE_FLAG": "N", "SELF_DEFINED_ETHNICITY": "",
    }  # fmt: skip
    return ",".join(values[c] for c in POLICE.column_names)


def lines(surnames: list[str] = SURNAMES, first: int = 1) -> list[str]:
    return [",".join(POLICE.column_names)] + [row(i, s) for i, s in enumerate(surnames, first)]


def write(tmp_path: Path, data: str | bytes, name: str = NAME) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def rejection(path: Path) -> RejectedFile:
    with pytest.raises(RejectedFile) as caught:
        read_extract(path, POLICE)
    return caught.value


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr-only"])
def test_each_consistent_line_ending_reads_every_row(tmp_path: Path, ending: str) -> None:
    path = write(tmp_path, ending.join(lines()) + ending)

    frame = read_extract(path, POLICE)

    assert frame["SURNAME"].to_list() == SURNAMES
    assert frame["row_number"].to_list() == [1, 2, 3]
    assert frame["SELF_DEFINED_ETHNICITY"].to_list() == [None, None, None]  # no CR kept in the last value


def test_cr_only_line_endings_without_a_final_line_ending_read_every_row(tmp_path: Path) -> None:
    frame = read_extract(write(tmp_path, "\r".join(lines())), POLICE)

    assert frame["SURNAME"].to_list() == SURNAMES


def test_mixed_crlf_and_lf_is_rejected_naming_the_first_line_that_differs(tmp_path: Path) -> None:
    header, first, second, third = lines()
    path = write(tmp_path, f"{header}\r\n{first}\r\n{second}\n{third}\r\n")

    problem = str(rejection(path))

    assert problem.startswith(f"{NAME}: line 3 ends in LF but line 1 ends in CRLF")
    assert problem.endswith(
        "ask the sender to re-send it exported in one piece, every line ending the same way"
    )


@pytest.mark.parametrize(
    "header_end",
    [pytest.param(",DOB", id="cr-inside-header"), pytest.param("\r\n", id="cr-before-crlf")],
)
def test_a_stray_cr_in_the_header_is_rejected_naming_line_1(tmp_path: Path, header_end: str) -> None:
    header, *rows = lines()
    broken = header.replace(header_end, "\r" + header_end) if header_end != "\r\n" else header + "\r"
    path = write(tmp_path, "\r\n".join([broken, *rows]) + "\r\n")

    problem = str(rejection(path))

    assert problem.startswith(f"{NAME}: line 1 has a carriage return (CR) before its end"), problem


def test_quotes_pairing_across_two_lines_reject_the_file_naming_where_the_record_starts(
    tmp_path: Path,
) -> None:
    """Without the check, rows 2 and 3 read as one record: 2 rows for 3, and the file loads."""
    path = write(tmp_path, "\n".join(lines(["SMITH", '"JONES', 'KAUR"'])) + "\n")
    assert duckdb.read_csv(str(path), header=True, strict_mode=True).pl().height == 2  # what was swallowed

    error = rejection(path)

    assert str(error).startswith(
        f"{NAME}, column 'SURNAME': the record that starts on line 3 runs on to line 4"
    )
    assert "JONES" not in str(error) and "KAUR" not in str(error)
    assert str(error).endswith("with every quote closed and no line breaks inside values")


@pytest.mark.parametrize("inside", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_a_line_break_inside_a_quoted_value_rejects_the_file(tmp_path: Path, inside: str) -> None:
    path = write(tmp_path, "\n".join(lines(["SMITH", f'"JO{inside}NES"', "KAUR"])) + "\n")

    problem = str(rejection(path))

    assert "the record that starts on line 3 runs on to line 4" in problem
    assert "JO" not in problem.replace("JOINS", "")


def test_blank_lines_are_not_rows_and_the_rest_read(tmp_path: Path) -> None:
    header, first, second, third = lines()
    path = write(tmp_path, f"{header}\n{first}\n\n{second}\n{third}\n\n")

    assert read_extract(path, POLICE)["SURNAME"].to_list() == SURNAMES


def test_a_first_line_longer_than_64_kb_is_rejected_without_quoting_it(tmp_path: Path) -> None:
    header, *rows = lines()
    path = write(tmp_path, "\n".join([header + ",NOTE" + "X" * 70_000, *rows]) + "\n")

    error = rejection(path)

    assert str(error) == (
        f"{NAME}: the first line is longer than 64 KB, so it is not a header row; "
        "ask the sender to re-send it with the column names in the first row"
    )


def test_a_bad_file_among_good_ones_leaves_the_good_ones_loaded_and_reconciled(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    write(landing, "\r".join(lines()) + "\r", "police_occurrences_2026-11-02.csv")  # CR-only: read
    header, first, second, third = lines()
    write(landing, f"{header}\r\n{first}\n{second}\r\n{third}\r\n", "police_occurrences_2026-11-09.csv")
    write(landing, "\n".join(lines(["SMITH", '"JONES', 'KAUR"'])) + "\n", "police_occurrences_2026-11-10.csv")
    write(landing, "\n".join(lines(first=4)) + "\n", "police_occurrences_2026-11-16.csv")

    result = run_ingest(
        landing, tmp_path / "w.duckdb", RUN_DATE, clock=test_clock(), report_dir=tmp_path / "reports",
        contracts={"police_occurrences": POLICE},
    )  # fmt: skip

    outcomes = {o.file_name: (o.status, o.rows, o.staged) for o in result.outcomes}
    assert outcomes == {
        "police_occurrences_2026-11-02.csv": ("loaded", 3, 3),
        "police_occurrences_2026-11-09.csv": ("rejected", 0, 0),
        "police_occurrences_2026-11-10.csv": ("rejected", 0, 0),
        "police_occurrences_2026-11-16.csv": ("loaded", 3, 3),
    }
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.police_occurrences").fetchall() == [(6,)]
        assert con.execute("SELECT count(*) FROM staging.police_occurrences").fetchall() == [(6,)]
        events = con.execute("SELECT file_name, detail FROM audit.event WHERE action = 'reject'").fetchall()
    assert [f for f, _ in sorted(events)] == [
        "police_occurrences_2026-11-09.csv",
        "police_occurrences_2026-11-10.csv",
    ]
    report = result.report_path.read_text(encoding="utf-8")
    assert "line 2 ends in LF but line 1 ends in CRLF" in report
    assert "the record that starts on line 3 runs on to line 4" in report
