"""The suite built from a contract, run by Great Expectations, on rows with answers worked out by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from data_contracts.contract import load_contracts
from data_contracts.suite import EXTRACT_DATE, FILE, build_checks, human_date_format
from data_contracts.validation import ROW, find_failures, reasons_by_row, run_suite

HEALTH = load_contracts()["health_referrals"]
VALID = {
    "REFERRAL_ID": "REF000000001",
    "NHS_NUMBER": "9434765919",  # a valid NHS number (check digit 9)
    "PATIENT_SURNAME": "SMITH",
    "PATIENT_FORENAME": "AMY",
    "PERSON_BIRTH_DATE": "20080229",
    "PERSON_GENDER_CODE": "2",
    "POSTCODE": "B152TT",
    "REFERRAL_DATE": "20261101",
    "SERVICE": "CAMHS",
    "RECORDED_DATE": "20261102",
}
SPOILED = [  # (column, value, the rule it must break)
    ("NHS_NUMBER", "9434765918", "NHS_NUMBER:check_digit"),
    ("PATIENT_SURNAME", None, "PATIENT_SURNAME:required"),
    ("PATIENT_SURNAME", '=HYPERLINK("http://x")', "PATIENT_SURNAME:formula"),
    ("PATIENT_FORENAME", "AMY\nJANE", "PATIENT_FORENAME:control_characters"),
    ("PATIENT_FORENAME", "A" * 61, "PATIENT_FORENAME:max_length"),
    ("PERSON_BIRTH_DATE", "20070229", "PERSON_BIRTH_DATE:date_format"),  # 2007 is not a leap year
    ("PERSON_BIRTH_DATE", "18991231", "dob_plausible"),
    ("PERSON_GENDER_CODE", "M", "PERSON_GENDER_CODE:known_code"),
    ("POSTCODE", "NOT A PC", "POSTCODE:postcode"),
    (
        "REFERRAL_DATE",
        "20261117",
        "referral_not_in_future",
    ),  # the file was made on 16 Nov (recorded 17 Nov too)
    ("RECORDED_DATE", "20261031", "recorded_not_before_referral"),
    ("SERVICE", "ZZ9", "SERVICE:known_code"),
    ("REFERRAL_ID", "R1", "REFERRAL_ID:pattern"),
    # placeholders pass modulus 11 (every repeated-digit NHS number does) but name nobody
    ("NHS_NUMBER", "0000000000", "NHS_NUMBER:placeholder"),
    ("NHS_NUMBER", "9999999999", "NHS_NUMBER:placeholder"),
    ("NHS_NUMBER", "4444444444", "NHS_NUMBER:placeholder"),
    # formulas are judged as staged: after the (Unicode) spaces staging trims
    ("PATIENT_SURNAME", ' =HYPERLINK("http://x")', "PATIENT_SURNAME:formula"),
    ("PATIENT_SURNAME", "\u00a0@SUM(A:A)", "PATIENT_SURNAME:formula"),
    ("PATIENT_SURNAME", "\u3000+CMD", "PATIENT_SURNAME:formula"),
    # invisible characters: zero-width, word joiner, byte-order mark, separators, bidi controls
    ("PATIENT_FORENAME", "AMY\u200bJANE", "PATIENT_FORENAME:control_characters"),
    ("PATIENT_FORENAME", "AMY\u200dJANE", "PATIENT_FORENAME:control_characters"),
    ("PATIENT_FORENAME", "AMY\u2060", "PATIENT_FORENAME:control_characters"),
    ("PATIENT_FORENAME", "\ufeffAMY", "PATIENT_FORENAME:control_characters"),
    ("PATIENT_FORENAME", "AMY\u2028JANE", "PATIENT_FORENAME:control_characters"),
    ("PATIENT_FORENAME", "AMY\u2029", "PATIENT_FORENAME:control_characters"),
    ("PATIENT_FORENAME", "\u202eYMA", "PATIENT_FORENAME:control_characters"),
    ("PATIENT_FORENAME", "AMY\u2067", "PATIENT_FORENAME:control_characters"),
    ("PATIENT_FORENAME", "AMY\u0085", "PATIENT_FORENAME:control_characters"),  # C1 next line
    # dates outside their plausible range
    ("REFERRAL_DATE", "00010101", "referral_not_before_birth"),
    ("REFERRAL_DATE", "20080228", "referral_not_before_birth"),  # the day before she was born
    ("RECORDED_DATE", "20261117", "recorded_not_in_future"),
]


def frame(rows: list[dict[str, str | None]]) -> pl.DataFrame:
    return (
        pl.DataFrame(rows, schema={c: pl.String for c in HEALTH.column_names})
        .with_columns(pl.lit(0, dtype=pl.Int32).alias(FILE), pl.lit(date(2026, 11, 16)).alias(EXTRACT_DATE))
        .with_row_index(ROW)
    )


def test_a_valid_row_breaks_no_rule() -> None:
    assert find_failures(frame([VALID]), build_checks(HEALTH)).height == 0


@pytest.mark.bad_input
@pytest.mark.parametrize(("column", "value", "rule"), SPOILED, ids=[s[2] for s in SPOILED])
def test_each_spoiled_value_breaks_exactly_its_rule(column: str, value: str | None, rule: str) -> None:
    rows = [VALID, {**VALID, "REFERRAL_ID": "REF000000002", column: value}]
    expected = [(1, rule)]
    if rule == "referral_not_in_future":  # recorded no earlier than referred, so after the extract too
        rows[1]["RECORDED_DATE"] = value
        expected.append((1, "recorded_not_in_future"))
    failures = find_failures(frame(rows), build_checks(HEALTH))
    assert failures.select(ROW, "rule").rows() == expected


def test_every_broken_rule_of_a_row_is_a_reason() -> None:
    bad = {
        **VALID,
        "REFERRAL_ID": "REF000000002",
        "SERVICE": "ZZ9",
        "PATIENT_SURNAME": None,
        "RECORDED_DATE": "20261031",
    }
    reasons = reasons_by_row(find_failures(frame([VALID, bad]), build_checks(HEALTH)))
    assert reasons[ROW].to_list() == [1]
    rules = [r["rule"] for r in reasons["reasons"][0]]
    assert rules == ["PATIENT_SURNAME:required", "SERVICE:known_code", "recorded_not_before_referral"]


def test_a_record_id_may_repeat_across_files_but_not_within_one() -> None:
    rows = frame([VALID, VALID, VALID]).with_columns(pl.Series(FILE, [0, 0, 1], dtype=pl.Int32))
    failures = find_failures(rows, build_checks(HEALTH))
    assert failures.filter(pl.col("rule") == "REFERRAL_ID:unique")[ROW].to_list() == [0, 1]


def test_narrow_frames_of_distinct_values_give_the_same_failures_as_one_whole_frame() -> None:
    """Pins the workarounds in data_contracts/validation.py: grouping checks by column, and judging
    each distinct value once then joining the verdict back to every row, change nothing."""
    spoiled_twice = [*enumerate(SPOILED), *enumerate(SPOILED, start=len(SPOILED))]
    rows = [VALID, VALID] + [
        {**VALID, "REFERRAL_ID": f"REF0000000{i + 10}", c: v} for i, (c, v, _) in spoiled_twice
    ]
    data = frame(rows)
    checks = build_checks(HEALTH)
    whole = run_suite(data, checks, "whole")
    grouped = find_failures(data, checks).group_by("rule").agg(pl.col(ROW).sort())
    assert {rule: sorted(rows) for rule, rows in whole.items()} == dict(grouped.iter_rows())


def test_batch_fingerprinting_is_switched_off() -> None:
    """Pins the other workaround: GX must not hash every batch (a third of the time on large extracts)."""
    from great_expectations.execution_engine import pandas_execution_engine

    find_failures(frame([VALID]), build_checks(HEALTH))
    assert pandas_execution_engine.HASH_THRESHOLD == 0


def test_an_empty_extract_has_no_failures() -> None:
    assert find_failures(frame([]), build_checks(HEALTH)).height == 0


def test_every_check_names_its_rule_and_says_what_to_do() -> None:
    for contract in load_contracts().values():
        checks = build_checks(contract)
        assert len({c.rule for c in checks}) == len(checks), contract.name
        for check in checks:
            assert check.expectation.meta["rule"] == check.rule
            assert check.message and check.action


def test_date_formats_read_as_people_write_them() -> None:
    assert human_date_format("%d/%m/%Y") == "dd/mm/yyyy"
    assert human_date_format("%d-%b-%Y") == "dd-Mon-yyyy"
    assert human_date_format("%Y%m%d") == "yyyymmdd"


@pytest.mark.bad_input
def test_a_name_with_spaces_around_it_and_no_invisible_characters_is_valid() -> None:
    row = {**VALID, "PATIENT_SURNAME": "\u00a0 O'BRIEN-SMITH ", "PATIENT_FORENAME": "ZOË"}
    assert find_failures(frame([row]), build_checks(HEALTH)).height == 0


@pytest.mark.bad_input
def test_a_placeholder_quarantine_reason_names_the_column_and_says_what_to_do() -> None:
    check = next(c for c in build_checks(HEALTH) if c.rule == "NHS_NUMBER:placeholder")
    assert check.message.startswith("NHS_NUMBER is a placeholder")
    assert "real NHS number or leave it blank" in check.action
    attendance = build_checks(load_contracts()["education_attendance"])
    upn = next(c for c in attendance if c.rule == "upn:placeholder")
    assert "leave it blank" not in upn.action  # the attendance return's UPN is required


def contract_frame(name: str, rows: list[dict[str, str | None]], extract: date) -> pl.DataFrame:
    contract = load_contracts()[name]
    return (
        pl.DataFrame(rows, schema={c: pl.String for c in contract.column_names})
        .with_columns(pl.lit(0, dtype=pl.Int32).alias(FILE), pl.lit(extract).alias(EXTRACT_DATE))
        .with_row_index(ROW)
    )


def failed_rules(name: str, rows: list[dict[str, str | None]], extract: date) -> list[tuple[int, str]]:
    failures = find_failures(contract_frame(name, rows, extract), build_checks(load_contracts()[name]))
    return failures.select(ROW, "rule").rows()


ATTENDANCE = {
    "record_id": "ATT0000000001", "upn": "A123456789012", "legal_surname": "SMITH", "forename": "AMY",
    "date_of_birth": "2012-02-29", "gender": "F", "postcode": "B15 2TT", "school_urn": "123456",
    "academic_year": "2026/27", "term": "AUT", "term_start": "2026-09-02", "sessions_possible": "10",
    "sessions_attended": "8", "sessions_unauthorised": "2", "recorded_date": "2026-11-10", "ethnicity": None,
}  # fmt: skip


@pytest.mark.bad_input
def test_sessions_attended_or_missed_may_not_exceed_the_sessions_possible() -> None:
    rows = [
        ATTENDANCE,
        {**ATTENDANCE, "record_id": "ATT0000000002", "sessions_attended": "10", "sessions_unauthorised": "0"},
        {**ATTENDANCE, "record_id": "ATT0000000003", "sessions_attended": "11"},
        {**ATTENDANCE, "record_id": "ATT0000000004", "sessions_unauthorised": "12"},
        {**ATTENDANCE, "record_id": "ATT0000000005", "sessions_attended": "400"},
    ]
    assert failed_rules("education_attendance", rows, date(2026, 11, 16)) == [
        (2, "attended_not_more_than_possible"),
        (3, "unauthorised_not_more_than_possible"),
        (4, "sessions_attended:whole_number"),  # 200 is the most a term could hold
        (4, "attended_not_more_than_possible"),
    ]


CUSTODY = {
    "CUSTODY_REF": "CUS000000001", "PNC_ID": None, "SURNAME": "SMITH", "FORENAMES": "JOHN",
    "DOB": "01/02/2005", "SEX": "M", "POSTCODE": None, "CRIME_REF": "01/0000001/26", "OFFENCE_CODE": "8N",
    "ARREST_DATE": "02/11/2026", "OUTCOME": "REMANDED", "CUSTODY_TYPE": "SENTENCE",
    "RELEASE_DATE": "16/11/2066", "RECORDED_DATE": "02/11/2026",
}  # fmt: skip


@pytest.mark.bad_input
def test_a_release_date_may_lie_ahead_but_not_more_than_forty_years() -> None:
    rows = [
        CUSTODY,  # exactly forty years after the extract
        {**CUSTODY, "CUSTODY_REF": "CUS000000002", "RELEASE_DATE": "17/11/2066"},
        {**CUSTODY, "CUSTODY_REF": "CUS000000003", "RELEASE_DATE": "31/12/9999"},
        {**CUSTODY, "CUSTODY_REF": "CUS000000004", "RELEASE_DATE": None},
    ]
    assert failed_rules("police_custody", rows, date(2026, 11, 16)) == [
        (1, "release_within_40_years"),
        (2, "release_within_40_years"),
    ]


@pytest.mark.bad_input
def test_an_arrest_before_birth_and_a_record_created_after_the_extract_are_refused() -> None:
    rows = [
        {**CUSTODY, "ARREST_DATE": "01/01/0001", "RELEASE_DATE": None},
        {**CUSTODY, "CUSTODY_REF": "CUS000000002", "RECORDED_DATE": "01/06/2027"},
    ]
    assert failed_rules("police_custody", rows, date(2026, 11, 16)) == [
        (0, "arrest_not_before_birth"),
        (1, "recorded_not_in_future"),
    ]


@pytest.mark.bad_input
@pytest.mark.parametrize("pnc", ["0000/0000000Z", "1111/1111111W", " 0000/0000000z"])
def test_a_placeholder_pnc_id_is_refused_even_with_spaces_or_lower_case(pnc: str) -> None:
    rows = [{**CUSTODY, "PNC_ID": pnc}]
    rules = [rule for _, rule in failed_rules("police_custody", rows, date(2026, 11, 16))]
    assert "PNC_ID:placeholder" in rules
