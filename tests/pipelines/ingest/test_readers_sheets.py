"""Workbooks: what would be lost or invented is rejected naming the cell or sheet; blank rows are not rows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from data_contracts.contract import load_contracts
from pipelines.ingest.readers import RejectedFile, read_extract

pytestmark = pytest.mark.bad_input  # the bad-input corpus: `pytest -m bad_input`

EXCLUSIONS = load_contracts()["education_exclusions"]
NAME = "education_exclusions_2026-10-30.xlsx"
SURNAMES = ["SMITH", "JONES", "KAUR"]


def workbook(
    tmp_path: Path, edit: Callable[[openpyxl.Workbook, Worksheet], None] = lambda wb, ws: None
) -> Path:
    """Three rows on the contract's sheet, changed by ``edit``; every cell text, the header in row 1."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Exclusions"
    sheet.append(EXCLUSIONS.column_names)
    for i, surname in enumerate(SURNAMES, 1):
        sheet.append([surname if c == "Surname" else f"{c[:3]}{i}" for c in EXCLUSIONS.column_names])
    edit(book, sheet)
    path = tmp_path / NAME
    book.save(path)
    return path


def rejection(path: Path) -> RejectedFile:
    with pytest.raises(RejectedFile) as caught:
        read_extract(path, EXCLUSIONS)
    return caught.value


def test_a_plain_workbook_reads_every_row(tmp_path: Path) -> None:
    frame = read_extract(workbook(tmp_path), EXCLUSIONS)

    assert frame["Surname"].to_list() == SURNAMES
    assert frame["row_number"].to_list() == [1, 2, 3]


def test_one_space_in_the_last_cell_of_the_sheet_adds_no_rows(tmp_path: Path) -> None:
    def space_far_below(book: openpyxl.Workbook, sheet: Worksheet) -> None:
        sheet["A1048576"] = " "

    frame = read_extract(workbook(tmp_path, space_far_below), EXCLUSIONS)

    assert frame["Surname"].to_list() == SURNAMES


def test_a_blank_row_between_rows_is_not_a_row(tmp_path: Path) -> None:
    def blank_row(book: openpyxl.Workbook, sheet: Worksheet) -> None:
        sheet.insert_rows(3)
        sheet["B3"] = "   "

    frame = read_extract(workbook(tmp_path, blank_row), EXCLUSIONS)

    assert frame["Surname"].to_list() == SURNAMES
    assert frame["row_number"].to_list() == [1, 2, 3]


def test_a_second_sheet_holding_data_rejects_the_workbook_naming_it_but_not_in_the_audit(
    tmp_path: Path,
) -> None:
    def second_sheet(book: openpyxl.Workbook, sheet: Worksheet) -> None:
        book.create_sheet("Term 2")["C4"] = "more rows"
        book.create_sheet("Empty")

    error = rejection(workbook(tmp_path, second_sheet))

    assert str(error) == (
        f"{NAME}: sheet 'Term 2' also holds data, but only sheet 'Exclusions' is read: "
        "its rows would be lost; "
        "ask the sender to re-send it with every row on sheet 'Exclusions' and no other sheet holding data"
    )
    assert "Term 2" not in error.audit_message
    assert "1 sheet(s) besides 'Exclusions' hold data" in error.audit_message


def test_an_empty_or_blank_second_sheet_is_ignored(tmp_path: Path) -> None:
    def blank_sheets(book: openpyxl.Workbook, sheet: Worksheet) -> None:
        book.create_sheet("Notes")["B2"] = "  "
        book.create_sheet("Empty")

    assert read_extract(workbook(tmp_path, blank_sheets), EXCLUSIONS).height == 3


def test_an_na_cell_rejects_the_workbook_naming_the_cell_and_column(tmp_path: Path) -> None:
    def not_available(book: openpyxl.Workbook, sheet: Worksheet) -> None:
        sheet["K3"] = "#N/A"  # openpyxl stores this as an error cell, as a failed VLOOKUP leaves it

    error = rejection(workbook(tmp_path, not_available))

    assert str(error).startswith(
        f"{NAME}, column 'Sessions': cell K3 holds the Excel error #N/A instead of a value "
        "(it would read as empty)"
    )
    assert error.audit_message.startswith(
        f"{NAME}, column 11 of the header: cell K3 holds the Excel error #N/A"
    )


def test_a_formula_saved_without_its_value_rejects_the_workbook_naming_the_cell(tmp_path: Path) -> None:
    def formula(book: openpyxl.Workbook, sheet: Worksheet) -> None:
        sheet["K4"] = "=1+1"  # openpyxl saves no cached value, as any program that never recalculates

    error = rejection(workbook(tmp_path, formula))

    assert str(error) == (
        f"{NAME}: cell K4 holds a formula saved without its value (it would read as empty); "
        "ask the sender to re-send it after opening and saving it in Excel, "
        "or with values pasted in place of formulas"
    )


def test_a_planted_sheet_name_is_quoted_short_and_escaped(tmp_path: Path) -> None:
    planted = "\u202eEVIL" + "X" * 25  # a bidi override (sheet names stop at 31 characters)

    def rename(book: openpyxl.Workbook, sheet: Worksheet) -> None:
        sheet.title = planted

    error = rejection(workbook(tmp_path, rename))

    assert "\u202e" not in str(error)
    assert "'\\u202eEVILXXXXXXXXXXXXXXXXXXXXXXXXX'" in str(error)
    assert "EVIL" not in error.audit_message
    assert "(it has 1 sheet(s) named otherwise)" in error.audit_message
