"""Valid rows become typed, normalised staging rows."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from data_contracts.contract import load_contracts
from data_contracts.staging import normalise_name, normalise_postcode, staging_schema, to_staging

CONTRACTS = load_contracts()


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("b152tt", "B15 2TT"),
        (" B15 2TT ", "B15 2TT"),
        ("b1  5 2tt", "B15 2TT"),
        ("WS14LB", "WS1 4LB"),
        ("CV11LP", "CV1 1LP"),
    ],
)
def test_postcodes_are_put_in_standard_form(raw: str, clean: str) -> None:
    assert pl.select(normalise_postcode(pl.lit(raw))).item() == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("  o'brien ", "O'BRIEN"), ("Mary  Jane", "MARY JANE"), ("ZOË", "ZOË"), ("smith-jones", "SMITH-JONES")],
)
def test_names_are_trimmed_and_upper_cased(raw: str, clean: str) -> None:
    assert pl.select(normalise_name(pl.lit(raw))).item() == clean


def test_partner_referral_rows_are_typed_from_their_own_formats() -> None:
    contract = CONTRACTS["partner_referrals"]
    rows = pl.DataFrame(
        {
            "load_id": [3],
            "row_number": [1],
            "Referral Ref": ["VRP-00000033"],
            "First Name": [" mohammed"],
            "Last Name": ["Shah "],
            "Date of Birth": ["21-Nov-2002"],
            "Gender": ["Male"],
            "Postcode": [" b17za"],
            "Referral Date": ["19-Nov-2019"],
            "Referrer Type": ["POLICE"],
            "Date Entered": ["22-Nov-2019"],
        }
    )
    staged = to_staging(rows, contract)
    assert staged.schema == pl.Schema(staging_schema(contract))
    assert staged.row(0, named=True) == {
        "load_id": 3,
        "row_number": 1,
        "referral_ref": "VRP-00000033",
        "first_name": "MOHAMMED",
        "last_name": "SHAH",
        "date_of_birth": date(2002, 11, 21),
        "gender": "Male",
        "postcode": "B1 7ZA",
        "referral_date": date(2019, 11, 19),
        "referrer_type": "POLICE",
        "date_entered": date(2019, 11, 22),
    }


def test_spreadsheet_dates_and_numbers_are_typed() -> None:
    contract = CONTRACTS["education_exclusions"]
    row = {c: "X" for c in contract.column_names} | {
        "DOB": "2010-03-04 00:00:00",
        "Start Date": "2026-01-12 00:00:00",
        "Date Recorded": "2026-01-13 00:00:00",
        "Sessions": "4",
        "Postcode": "b15 2tt",
        "UPN": "a123456789012",
    }
    staged = to_staging(pl.DataFrame([row]).with_columns(load_id=pl.lit(1), row_number=pl.lit(1)), contract)
    got = staged.row(0, named=True)
    assert (got["dob"], got["start_date"], got["sessions"], got["upn"]) == (
        date(2010, 3, 4),
        date(2026, 1, 12),
        4,
        "A123456789012",
    )


def test_a_value_that_cannot_be_typed_is_an_error_not_a_silent_null() -> None:
    contract = CONTRACTS["partner_referrals"]
    row = {c: "x" for c in contract.column_names} | {
        "Date of Birth": "31-Apr-2002",
        "Referral Date": "19-Nov-2019",
        "Date Entered": "22-Nov-2019",
        "Postcode": "B1 7ZA",
    }
    with pytest.raises(ValueError, match="Date of Birth"):
        to_staging(pl.DataFrame([row]).with_columns(load_id=pl.lit(1), row_number=pl.lit(1)), contract)
