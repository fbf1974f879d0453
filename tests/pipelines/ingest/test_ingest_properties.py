"""Property tests of the ingest stage: every row lands in exactly one place, and reloading never duplicates.

Extract files for police_occurrences are generated row by row: each row starts valid and may be
spoiled by up to two defects that touch different columns. The model records, for every row, the
rules it must break (none for a valid row) and the columns that were spoiled, so each run can be
checked row by row against what the warehouse holds.
"""

from __future__ import annotations

import csv
import io
import string
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import data_contracts
from data_contracts.contract import load_contracts
from data_contracts.identifiers import is_valid_pnc_id, pnc_check_chars
from data_contracts.suite import build_checks
from pipelines.ingest.held import accept_shorter
from pipelines.ingest.run import IngestResult, run_ingest
from pipelines.warehouse.connection import connect
from tests.clock import test_clock

CONTRACTS = load_contracts()
CONTRACT = CONTRACTS["police_occurrences"]
COLUMNS = CONTRACT.column_names
SOURCE = CONTRACT.name
EXTRACT = date(2026, 11, 16)
LATER = date(2026, 11, 23)
RULE_COLUMNS = {check.rule: set(check.columns) for check in build_checks(CONTRACT)}
"""Each rule the checks report, with the columns it reads."""

with (Path(data_contracts.__file__).parent / "reference" / "offence_codes.csv").open(newline="") as _f:
    HO_CODES = [row["ho_code"] for row in csv.DictReader(_f)]
REQUIRED = [c.name for c in CONTRACT.columns if not c.nullable]
DATE_COLUMNS = [c.name for c in CONTRACT.columns if c.type == "date"]
NAME_COLUMNS = [c.name for c in CONTRACT.columns if c.type == "name"]
CODES = {c.name: list(c.codes or ()) for c in CONTRACT.columns if c.type == "code"}
NAME_LIMIT = CONTRACT.column("SURNAME").length_limit

IMPOSSIBLE_DATES = [
    "31/04/2024", "29/02/2023", "30/02/2024", "00/01/2020", "32/01/2020", "15/13/2020", "15/00/2020",
    "2024-01-15", "15-01-2024", "15.01.2024", "20240115", "15/01/2024 ", "01/02/02020", "yesterday",
]  # fmt: skip
# Not here: "15/01/24" (a two-digit year) and "1/2/2020" are accepted by the date parser; the first is a
# bug, pinned by test_a_two_digit_year_is_not_a_date below.
BAD_RECORD_IDS = [
    "OCC12345678",
    "occ123456789",
    "OCC 123456789",
    "123456789",
    "OCC12345678X",
    "OCC-123456789",
]
BAD_CRIME_REFS = ["2024/1234567/01", "24/123456/01", "24-1234567-01", "24/1234567/1", "CR/1234567/01"]
BAD_POSTCODES = ["NOT A POSTCODE", "12345", "B15", "B15 2T", "BB15A 2TT", "B15 2TTT", "15B 2TT"]
# not NUL: that makes a binary file; nor a line break: a value spanning lines rejects the whole file
# (tests/pipelines/ingest/test_readers_lines.py), since a stray quote would otherwise join two records
CONTROL_CHARACTERS = ["\t", "\x07", "\x1b", "\x1f", "\x7f"]


def ddmmyyyy(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years)


def pnc(year: int, serial: int) -> str:
    check = pnc_check_chars(np.array([year]), np.array([serial]))[0]
    value = f"{year:04d}/{serial:07d}{check}"
    assert is_valid_pnc_id(value)
    return value


# --- valid values ------------------------------------------------------------------------------

LETTER = st.characters(categories=("Lu", "Ll", "Lo"))
NAME = st.builds(
    lambda first, rest: first + rest,
    LETTER,
    st.text(alphabet=st.one_of(LETTER, st.sampled_from(" '-,.\"")), max_size=NAME_LIMIT - 1),
)
"""A name as an agency may write it: any letters, spaces, apostrophes, hyphens, commas, quotes."""
PNC_ID = st.builds(pnc, st.integers(1950, 2026), st.integers(0, 9_999_999))
POSTCODE = st.builds(
    lambda code, lower: code.lower() if lower else code,
    st.from_regex(r"[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}", fullmatch=True),
    st.booleans(),
)


@st.composite
def valid_values(draw: st.DrawFn, extract: date) -> dict[str, str | None]:
    """One row that passes every check for a file made on ``extract``."""
    offence = draw(st.dates(date(2000, 1, 1), extract))
    return {
        "RECORD_ID": None,  # set by extract_rows, unique in the file
        "CRIME_REF": draw(st.from_regex(r"[0-9]{2}/[0-9]{7}/[0-9]{2}", fullmatch=True)),
        "PNC_ID": draw(st.none() | PNC_ID),
        "SURNAME": draw(NAME),
        "FORENAMES": draw(NAME),
        "DOB": ddmmyyyy(draw(st.dates(years_before(extract, 110), offence))),  # born by the offence
        "SEX": draw(st.sampled_from(CODES["SEX"])),
        "POSTCODE": draw(st.none() | POSTCODE),
        "ROLE": draw(st.sampled_from(CODES["ROLE"])),
        "HO_CODE": draw(st.sampled_from(HO_CODES)),
        "OFFENCE_DATE": ddmmyyyy(offence),
        "RECORDED_DATE": ddmmyyyy(draw(st.dates(offence, extract))),
        "KNIFE_FLAG": draw(st.sampled_from(CODES["KNIFE_FLAG"])),
        "SELF_DEFINED_ETHNICITY": draw(st.none() | st.sampled_from(CODES["SELF_DEFINED_ETHNICITY"])),
    }


# --- defects -----------------------------------------------------------------------------------
# Each draws a change to a valid row: (the columns it writes or whose rule reads, the rules the row must
# then break, the new values). Two defects on one row must touch different columns, so neither
# can hide the other.

Values = dict[str, str | None]
Defect = tuple[set[str], set[str], Values]


def blank(draw: st.DrawFn, extract: date) -> Defect:
    column = draw(st.sampled_from(REQUIRED))
    return {column}, {f"{column}:required"}, {column: None}


def impossible_date(draw: st.DrawFn, extract: date) -> Defect:
    column = draw(st.sampled_from(DATE_COLUMNS))
    return {column}, {f"{column}:date_format"}, {column: draw(st.sampled_from(IMPOSSIBLE_DATES))}


def unknown_code(draw: st.DrawFn, extract: date) -> Defect:
    column = draw(st.sampled_from(sorted(CODES)))
    codes = CODES[column]
    near = [c.lower() for c in codes] + [c + "X" for c in codes] + [" " + codes[0], codes[0] + " ", "UNKNOWN"]
    other = st.text(alphabet=string.ascii_letters + string.digits + "./", min_size=1, max_size=5)
    code = draw((st.sampled_from(near) | other).filter(lambda v: v not in codes))
    return {column}, {f"{column}:known_code"}, {column: code}


def malformed_pnc(draw: st.DrawFn, extract: date) -> Defect:
    good = draw(PNC_ID)
    wrong = draw(st.sampled_from([c for c in string.ascii_uppercase if c != good[-1]]))
    value = draw(
        st.sampled_from(
            [
                good[:-1] + wrong,  # wrong check character
                good[:-1] + good[-1].lower(),
                good[:-1],  # no check character
                good[2:],  # two-digit year
                good.replace("/", ""),
                good[:5] + good[6:],  # six-digit serial
                good[:4] + "-" + good[5:],
            ]
        )
    )
    assert not is_valid_pnc_id(value)
    return {"PNC_ID"}, {"PNC_ID:check_digit"}, {"PNC_ID": value}


def formula_name(draw: st.DrawFn, extract: date) -> Defect:
    column = draw(st.sampled_from(NAME_COLUMNS))
    value = draw(st.sampled_from("=+-@")) + draw(NAME)[: NAME_LIMIT - 1]
    return {column}, {f"{column}:formula"}, {column: value}


def control_character(draw: st.DrawFn, extract: date) -> Defect:
    column = draw(st.sampled_from(NAME_COLUMNS))
    name = draw(NAME)[: NAME_LIMIT - 2]
    at = draw(st.integers(1, len(name)))
    value = name[:at] + draw(st.sampled_from(CONTROL_CHARACTERS)) + name[at:]
    return {column}, {f"{column}:control_characters"}, {column: value}


def digits_in_name(draw: st.DrawFn, extract: date) -> Defect:
    column = draw(st.sampled_from(NAME_COLUMNS))
    name = draw(NAME)[: NAME_LIMIT - 1]
    at = draw(st.integers(1, len(name)))
    value = name[:at] + draw(st.sampled_from(string.digits)) + name[at:]
    return {column}, {f"{column}:digits"}, {column: value}


def long_name(draw: st.DrawFn, extract: date) -> Defect:
    column = draw(st.sampled_from(NAME_COLUMNS))
    value = draw(st.text(LETTER, min_size=NAME_LIMIT + 1, max_size=NAME_LIMIT + 40))
    return {column}, {f"{column}:max_length"}, {column: value}


def bad_record_id(draw: st.DrawFn, extract: date) -> Defect:
    return {"RECORD_ID"}, {"RECORD_ID:pattern"}, {"RECORD_ID": draw(st.sampled_from(BAD_RECORD_IDS))}


def bad_crime_ref(draw: st.DrawFn, extract: date) -> Defect:
    return {"CRIME_REF"}, {"CRIME_REF:pattern"}, {"CRIME_REF": draw(st.sampled_from(BAD_CRIME_REFS))}


def bad_postcode(draw: st.DrawFn, extract: date) -> Defect:
    return {"POSTCODE"}, {"POSTCODE:postcode"}, {"POSTCODE": draw(st.sampled_from(BAD_POSTCODES))}


def recorded_before_offence(draw: st.DrawFn, extract: date) -> Defect:
    offence = draw(st.dates(date(2000, 1, 1), extract))
    recorded = offence - timedelta(days=draw(st.integers(1, 3650)))
    return (
        {"OFFENCE_DATE", "RECORDED_DATE"},
        {"recorded_not_before_offence"},
        {"OFFENCE_DATE": ddmmyyyy(offence), "RECORDED_DATE": ddmmyyyy(recorded)},
    )


def offence_in_future(draw: st.DrawFn, extract: date) -> Defect:
    offence = extract + timedelta(days=draw(st.integers(1, 400)))
    recorded = offence + timedelta(days=draw(st.integers(0, 30)))
    return (
        {"OFFENCE_DATE", "RECORDED_DATE"},
        {"offence_not_in_future", "recorded_not_in_future"},
        {"OFFENCE_DATE": ddmmyyyy(offence), "RECORDED_DATE": ddmmyyyy(recorded)},
    )


def recorded_in_future(draw: st.DrawFn, extract: date) -> Defect:
    recorded = extract + timedelta(days=draw(st.integers(1, 400)))
    return {"RECORDED_DATE"}, {"recorded_not_in_future"}, {"RECORDED_DATE": ddmmyyyy(recorded)}


def implausible_dob(draw: st.DrawFn, extract: date) -> Defect:
    days = timedelta(days=draw(st.integers(1, 2000)))
    dob = draw(st.sampled_from([extract + days, years_before(extract, 110) - days]))
    return {"DOB"}, {"dob_plausible"}, {"DOB": ddmmyyyy(dob)}


DEFECTS: list[Callable[[st.DrawFn, date], Defect]] = [
    blank, impossible_date, unknown_code, malformed_pnc, formula_name, control_character, digits_in_name,
    long_name, bad_record_id, bad_crime_ref, bad_postcode, recorded_before_offence, offence_in_future,
    recorded_in_future, implausible_dob,
]  # fmt: skip


@dataclass
class Row:
    """One generated row, with the rules it must break and the columns that were spoiled."""

    values: Values
    rules: set[str] = field(default_factory=set)
    spoiled: set[str] = field(default_factory=set)

    @property
    def valid(self) -> bool:
        return not self.rules


@st.composite
def extract_rows(
    draw: st.DrawFn, extract: date, id_base: int, min_size: int = 0, max_size: int = 20
) -> list[Row]:
    """Rows for a file made on ``extract``: valid ones, and ones with known defects."""
    rows = []
    for i in range(draw(st.integers(min_size, max_size))):
        row = Row(draw(valid_values(extract)))
        row.values["RECORD_ID"] = f"OCC{id_base + i:09d}"
        for defect in draw(st.lists(st.sampled_from(DEFECTS), max_size=2)):
            touched, rules, change = defect(draw, extract)
            if touched & row.spoiled:
                continue
            row.values.update(change)
            row.spoiled |= touched
            row.rules |= rules
        rows.append(row)
    # a few rows re-use another row's record id: every row sharing an id then breaks RECORD_ID:unique
    if len(rows) >= 2:
        pairs = st.tuples(st.integers(0, len(rows) - 1), st.integers(0, len(rows) - 1))
        for i, j in draw(st.lists(pairs, max_size=2)):
            if i != j and not {"RECORD_ID"} & (rows[i].spoiled | rows[j].spoiled):
                rows[i].values["RECORD_ID"] = rows[j].values["RECORD_ID"]
    shared = Counter(r.values["RECORD_ID"] for r in rows if r.values["RECORD_ID"] is not None)
    for row in rows:
        if shared[row.values["RECORD_ID"]] > 1:
            row.rules.add("RECORD_ID:unique")
            row.spoiled.add("RECORD_ID")
    return rows


A_VALID_ROW: Values = {
    "RECORD_ID": "OCC000000001",
    "CRIME_REF": "24/1234567/01",
    "PNC_ID": pnc(1990, 1234567),
    "SURNAME": "Smith",
    "FORENAMES": "John",
    "DOB": "01/02/1990",
    "SEX": "M",
    "POSTCODE": "B15 2TT",
    "ROLE": "SUSPECT",
    "HO_CODE": "8N",
    "OFFENCE_DATE": "15/01/2024",
    "RECORDED_DATE": "16/01/2024",
    "KNIFE_FLAG": "N",
    "SELF_DEFINED_ETHNICITY": "W1",
}
"""A row that passes every check (the first property test runs it as an explicit example)."""


@dataclass(frozen=True)
class Layout:
    """How the file is written: line ending, byte-order mark, final line ending."""

    newline: str = "\n"
    bom: bool = False
    final_newline: bool = True


LAYOUTS = st.builds(Layout, st.sampled_from(["\n", "\r\n"]), st.booleans(), st.booleans())


def extract_text(rows: list[Row], layout: Layout = Layout()) -> bytes:
    """The CSV file as the police would send it: comma-delimited, header = the contract's columns."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=layout.newline)
    writer.writerow(COLUMNS)
    writer.writerows([[row.values[c] for c in COLUMNS] for row in rows])
    text = buffer.getvalue()
    if not layout.final_newline:
        text = text.removesuffix(layout.newline)
    return (("\ufeff" if layout.bom else "") + text).encode("utf-8")


def file_name(extract: date) -> str:
    return f"{SOURCE}_{extract.isoformat()}.csv"


# --- reading the warehouse ---------------------------------------------------------------------


def query(warehouse: Path, statement: str, *params: object) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(statement, list(params)).fetchall()


def counts(warehouse: Path) -> dict[str, int]:
    """Row counts of the tables a reload must not change."""
    tables = [f"raw.{SOURCE}", f"staging.{SOURCE}", f"quarantine.{SOURCE}", "meta.load"]
    return {t: query(warehouse, f"SELECT count(*) FROM {t}")[0][0] for t in tables}


def layers_of_load(warehouse: Path, load_id: int) -> tuple[list[int], list[int], dict[int, list[str]]]:
    """(raw row numbers, staged row numbers, quarantined row number -> rules) of one load, all sorted."""
    raw = [
        r
        for (r,) in query(
            warehouse, f"SELECT row_number FROM raw.{SOURCE} WHERE load_id = ? ORDER BY 1", load_id
        )
    ]
    staged = [
        r
        for (r,) in query(
            warehouse, f"SELECT row_number FROM staging.{SOURCE} WHERE load_id = ? ORDER BY 1", load_id
        )
    ]
    quarantined = query(
        warehouse,
        f"SELECT row_number, reasons FROM quarantine.{SOURCE} WHERE load_id = ? ORDER BY 1",
        load_id,
    )
    assert all(reason["message"] for _, reasons in quarantined for reason in reasons)
    rules = {number: [reason["rule"] for reason in reasons] for number, reasons in quarantined}
    assert len(rules) == len(quarantined), "a row is quarantined twice"
    return raw, staged, rules


def assert_split_matches_model(warehouse: Path, load_id: int, rows: list[Row]) -> None:
    """Every row is in exactly one of staging and quarantine, where the model says, for the right reasons."""
    raw, staged, quarantined = layers_of_load(warehouse, load_id)
    every = list(range(1, len(rows) + 1))
    assert raw == every
    assert len(set(staged)) == len(staged), "a row is staged twice"
    assert not set(staged) & set(quarantined)
    assert sorted([*staged, *quarantined]) == every
    for number, row in enumerate(rows, start=1):
        if row.valid:
            assert number in staged, (
                f"valid row {number} {row.values} was quarantined: {quarantined.get(number)}"
            )
            continue
        assert number in quarantined, f"row {number} should break {row.rules} but was staged: {row.values}"
        rules = set(quarantined[number])
        assert rules, f"row {number} is quarantined without a reason"
        assert row.rules <= rules, f"row {number} {row.values}: expected {row.rules}, got {rules}"
        unrelated = {r for r in rules if not RULE_COLUMNS[r] & row.spoiled}
        assert not unrelated, f"row {number} {row.values}: {unrelated} name no spoiled column {row.spoiled}"


def load_ids(warehouse: Path, name: str) -> list[tuple[int, str, int | None]]:
    """(load_id, status, superseded_by) of every load of one file, oldest first."""
    return query(
        warehouse, "SELECT load_id, status, superseded_by FROM meta.load WHERE file_name = ? ORDER BY 1", name
    )


def ingest(landing: Path, warehouse: Path, run_date: date, reports: Path) -> dict[str, str]:
    result: IngestResult = run_ingest(
        landing, warehouse, run_date, report_dir=reports, contracts=CONTRACTS, clock=test_clock()
    )
    return {o.file_name: o.status for o in result.outcomes}


def folders(root: str) -> tuple[Path, Path, Path]:
    landing = Path(root) / "landing"
    landing.mkdir()
    return landing, Path(root) / "warehouse.duckdb", Path(root) / "reports"


SLOW_IS_FINE = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
"""Each example runs the whole ingest stage (0.5 to 1 s), in its own folders."""


# --- properties --------------------------------------------------------------------------------


@settings(max_examples=20, deadline=None, suppress_health_check=SLOW_IS_FINE)
@given(rows=extract_rows(EXTRACT, 100_000_000), layout=LAYOUTS)
@example(rows=[Row(dict(A_VALID_ROW))], layout=Layout())
def test_every_row_ends_up_in_exactly_one_of_staging_and_quarantine(rows: list[Row], layout: Layout) -> None:
    with tempfile.TemporaryDirectory() as root:
        landing, warehouse, reports = folders(root)
        name = file_name(EXTRACT)
        (landing / name).write_bytes(extract_text(rows, layout))

        assert ingest(landing, warehouse, EXTRACT, reports) == {name: "loaded"}

        [(load_id, status, _)] = load_ids(warehouse, name)
        assert status == "loaded"
        assert_split_matches_model(warehouse, load_id, rows)
        valid = sum(row.valid for row in rows)
        assert query(warehouse, "SELECT rows_raw, rows_staged, rows_quarantined FROM meta.load") == [
            (len(rows), valid, len(rows) - valid)
        ]
        # raw holds each row verbatim (a blank field as null)
        raw = query(
            warehouse, f"SELECT * EXCLUDE (load_id, row_number) FROM raw.{SOURCE} ORDER BY row_number"
        )
        assert raw == [tuple(row.values[c] for c in COLUMNS) for row in rows]
        # staging holds the valid rows typed
        staged = query(
            warehouse,
            f"SELECT row_number, record_id, pnc_id, ho_code, dob, offence_date, recorded_date "
            f"FROM staging.{SOURCE} ORDER BY row_number",
        )
        expected = [
            (number, v["RECORD_ID"], v["PNC_ID"], v["HO_CODE"],
             *(datetime.strptime(v[c] or "", "%d/%m/%Y").date() for c in DATE_COLUMNS))
            for number, v in ((n, row.values) for n, row in enumerate(rows, start=1) if row.valid)
        ]  # fmt: skip
        assert staged == expected


@settings(max_examples=5, deadline=None, suppress_health_check=SLOW_IS_FINE)
@given(
    first=extract_rows(EXTRACT, 100_000_000, max_size=8),
    second=extract_rows(LATER, 200_000_000, max_size=8),
    changed=extract_rows(EXTRACT, 300_000_000, min_size=1, max_size=8),
)
@example(  # a shorter changed copy: held, then accepted
    first=[Row(dict(A_VALID_ROW)), Row({**A_VALID_ROW, "RECORD_ID": "OCC000000002"})],
    second=[],
    changed=[Row({**A_VALID_ROW, "RECORD_ID": "OCC000000003"})],
)
def test_reloading_never_duplicates(first: list[Row], second: list[Row], changed: list[Row]) -> None:
    first_text, second_text, changed_text = extract_text(first), extract_text(second), extract_text(changed)
    # a different name with content seen before is rejected (unless header-only): not what this tests
    assume(second_text != first_text or not second)
    assume(changed_text not in (first_text, second_text))
    with tempfile.TemporaryDirectory() as root:
        landing, warehouse, reports = folders(root)
        name, later_name = file_name(EXTRACT), file_name(LATER)
        (landing / name).write_bytes(first_text)
        assert ingest(landing, warehouse, EXTRACT, reports) == {name: "loaded"}
        loaded = counts(warehouse)

        # the same folder again: nothing is read twice
        assert ingest(landing, warehouse, EXTRACT, reports) == {name: "skipped"}
        assert counts(warehouse) == loaded

        # a later file: only it is loaded
        (landing / later_name).write_bytes(second_text)
        assert ingest(landing, warehouse, LATER, reports) == {name: "skipped", later_name: "loaded"}
        after_second = counts(warehouse)
        assert after_second == {
            f"raw.{SOURCE}": loaded[f"raw.{SOURCE}"] + len(second),
            f"staging.{SOURCE}": loaded[f"staging.{SOURCE}"] + sum(r.valid for r in second),
            f"quarantine.{SOURCE}": loaded[f"quarantine.{SOURCE}"] + sum(not r.valid for r in second),
            "meta.load": loaded["meta.load"] + 1,
        }
        [(old_id, _, _)] = load_ids(warehouse, name)
        [(second_id, _, _)] = load_ids(warehouse, later_name)
        assert_split_matches_model(warehouse, old_id, first)
        assert_split_matches_model(warehouse, second_id, second)

        # a changed copy of the first file: it supersedes the old load, whose raw rows stay; a shorter
        # copy is held (nothing changes) until a person accepts it
        (landing / name).write_bytes(changed_text)
        held = len(changed) < len(first)
        if held:
            assert ingest(landing, warehouse, LATER, reports) == {name: "held", later_name: "skipped"}
            assert counts(warehouse) == {**after_second, "meta.load": after_second["meta.load"] + 1}
            with connect(warehouse) as con:
                accept_shorter(con, name, reason="rows withdrawn", by="user:test", now=datetime(2026, 11, 16))
        assert ingest(landing, warehouse, LATER, reports) == {name: "loaded", later_name: "skipped"}
        [(old, old_status, superseded_by), *_, (new_id, new_status, _)] = load_ids(warehouse, name)
        assert (old, old_status, superseded_by, new_status) == (old_id, "superseded", new_id, "loaded")
        raw, staged, quarantined = layers_of_load(warehouse, old_id)
        assert (raw, staged, quarantined) == (list(range(1, len(first) + 1)), [], {})
        assert_split_matches_model(warehouse, new_id, changed)
        assert_split_matches_model(warehouse, second_id, second)
        current = query(
            warehouse, f"SELECT load_id FROM staging.{SOURCE} UNION SELECT load_id FROM quarantine.{SOURCE}"
        )
        assert {i for (i,) in current} <= {new_id, second_id}
        settled = counts(warehouse)
        assert settled == {
            f"raw.{SOURCE}": len(first) + len(second) + len(changed),
            f"staging.{SOURCE}": sum(r.valid for r in [*second, *changed]),
            f"quarantine.{SOURCE}": sum(not r.valid for r in [*second, *changed]),
            "meta.load": 3 + held,
        }

        # and once more: everything is skipped, nothing changes
        assert ingest(landing, warehouse, LATER, reports) == {name: "skipped", later_name: "skipped"}
        assert counts(warehouse) == settled


# --- bugs found while writing these properties, pinned until fixed ------------------------------


def split_of(rows: list[Row]) -> tuple[list[int], dict[int, list[str]]]:
    """Ingest one file of these rows: (staged row numbers, quarantined row number -> rules)."""
    with tempfile.TemporaryDirectory() as root:
        landing, warehouse, reports = folders(root)
        (landing / file_name(EXTRACT)).write_bytes(extract_text(rows))
        ingest(landing, warehouse, EXTRACT, reports)
        [(load_id, _, _)] = load_ids(warehouse, file_name(EXTRACT))
        _, staged, quarantined = layers_of_load(warehouse, load_id)
        return staged, quarantined


def test_a_two_digit_year_is_not_a_date() -> None:
    staged, quarantined = split_of([Row({**A_VALID_ROW, "OFFENCE_DATE": "15/01/24"})])
    assert staged == []
    assert "OFFENCE_DATE:date_format" in quarantined[1]


def test_a_name_of_only_spaces_is_blank() -> None:
    staged, quarantined = split_of([Row({**A_VALID_ROW, "SURNAME": "   "})])
    assert staged == []
    assert quarantined[1]  # e.g. SURNAME:required
