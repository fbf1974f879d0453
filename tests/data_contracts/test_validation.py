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
]


def frame(rows: list[dict[str, str | None]]) -> pl.DataFrame:
    return (
        pl.DataFrame(rows, schema={c: pl.String for c in HEALTH.column_names})
        .with_columns(pl.lit(0, dtype=pl.Int32).alias(FILE), pl.lit(date(2026, 11, 16)).alias(EXTRACT_DATE))
        .with_row_index(ROW)
    )


def test_a_valid_row_breaks_no_rule() -> None:
    assert find_failures(frame([VALID]), build_checks(HEALTH)).height == 0


@pytest.mark.parametrize(("column", "value", "rule"), SPOILED, ids=[s[2] for s in SPOILED])
def test_each_spoiled_value_breaks_exactly_its_rule(column: str, value: str | None, rule: str) -> None:
    rows = [VALID, {**VALID, "REFERRAL_ID": "REF000000002", column: value}]
    if rule == "referral_not_in_future":
        rows[1]["RECORDED_DATE"] = value
    failures = find_failures(frame(rows), build_checks(HEALTH))
    assert failures.select(ROW, "rule").rows() == [(1, rule)]


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
