"""Read the one sheet of an .xlsx extract its contract names, refusing what would be lost or invented.

Cells come back as text (fastexcel). A workbook is rejected when another sheet holds data (its
rows would be lost), a cell holds an Excel error such as ``#N/A`` or a formula with no saved
value (either would read as an empty cell). Wholly blank rows (every cell empty or spaces) are
not rows: they are dropped and counted, so one stray space far below the data invents nothing.
"""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING
from xml.etree import ElementTree

import polars as pl

from pipelines.ingest.rejected import RESEND, RejectedFile, excerpt

if TYPE_CHECKING:
    import fastexcel

log = logging.getLogger(__name__)
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
EXCEL_ERRORS = {"Div0": "#DIV/0!", "NA": "#N/A", "Name": "#NAME?", "Null": "#NULL!", "Num": "#NUM!",
                "Ref": "#REF!", "Value": "#VALUE!", "GettingData": "#GETTING_DATA"}  # fmt: skip
CHUNK_BYTES = 4 * 2**20


@dataclass(frozen=True)
class Sheet:
    """The contract's sheet: its header as written, and its rows as text (blank rows dropped)."""

    header: list[str]
    rows: pl.DataFrame
    blank_rows: int  # wholly blank rows dropped, those after the last row of data included


def open_workbook(path: Path) -> fastexcel.ExcelReader:
    """The workbook, or a rejection saying it is not one."""
    import fastexcel

    try:
        return fastexcel.read_excel(str(path))
    except Exception as error:  # fastexcel raises its own hierarchy, or OSError
        with path.open("rb") as handle:
            is_zip = handle.read(4) == b"PK\x03\x04"
        problem = "the file is not a readable .xlsx workbook" + (
            "" if is_zip else " (it looks like text, not a spreadsheet)"
        )
        raise RejectedFile(path.name, problem, RESEND + " as an .xlsx workbook") from error


def read_sheet(path: Path, workbook: fastexcel.ExcelReader, name: str) -> Sheet:
    """The named sheet, after checking no other sheet holds data.

    Raises:
        RejectedFile: the sheet is missing or unreadable, or another sheet holds data.
    """
    names = list(workbook.sheet_names)
    if name not in names:
        raise RejectedFile(
            path.name,
            f"the workbook has no sheet named {name!r} (it has {', '.join(excerpt(n) for n in names[:5])})",
            RESEND + f" with the data on a sheet named {name!r}",
            audit_problem=(
                f"the workbook has no sheet named {name!r} (it has {len(names)} sheet(s) named otherwise)"
            ),
        )
    others = [n for n in names if n != name and _holds_data(workbook, n)]
    if others:
        raise RejectedFile(
            path.name,
            f"sheet {excerpt(others[0])} also holds data, but only sheet {name!r} is read: "
            "its rows would be lost",
            RESEND + f" with every row on sheet {name!r} and no other sheet holding data",
            audit_problem=f"{len(others)} sheet(s) besides {name!r} hold data, and only {name!r} is read",
        )
    try:
        loaded = workbook.load_sheet(name, dtypes="string")
        header = [c.name for c in loaded.available_columns()]
        batch, errors = loaded.to_arrow_with_errors()
    except Exception as error:
        raise RejectedFile(path.name, f"sheet {name!r} cannot be read", RESEND) from error
    if errors is not None and errors.errors:
        raise _error_cell(path.name, errors.errors[0], header)
    frame = pl.DataFrame(pl.from_arrow(batch))
    blank = ~pl.any_horizontal(pl.all().str.strip_chars().str.len_chars() > 0) if header else pl.lit(False)
    rows = frame.filter(~blank)
    if frame.height > rows.height:
        log.warning("%s: %d blank rows not read", path.name, frame.height - rows.height)
    return Sheet(header, rows, frame.height - rows.height)


def _holds_data(workbook: fastexcel.ExcelReader, name: str) -> bool:
    try:
        frame = workbook.load_sheet(name, header_row=None, dtypes="string").to_polars()
    except Exception:  # a chart sheet, or nothing fastexcel can read as cells
        return False
    if frame.width == 0:
        return False
    filled = frame.select(pl.any_horizontal(pl.all().str.strip_chars().str.len_chars() > 0).any())
    return bool(filled.item())


def _error_cell(file_name: str, error: fastexcel.CellError, header: list[str]) -> RejectedFile:
    row, column = error.position
    kind = re.search(r"Error\((\w+)\)", error.detail)
    shown = EXCEL_ERRORS.get(kind.group(1), "an error value") if kind else "an error value"
    return RejectedFile(
        file_name,
        f"cell {cell_name(row, column)} holds the Excel error {shown} instead of a value "
        "(it would read as empty)",
        RESEND + " with values in place of errors (paste as values, and fix the lookup that failed)",
        header[column] if column < len(header) else None,
        header_position=column + 1 if column < len(header) else None,
    )


def cell_name(row: int, column: int) -> str:
    """The A1-style name of a 0-based (row, column)."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


def check_formulas(path: Path, sheet: str) -> None:
    """Reject a formula cell saved without its value (written by a program, never recalculated).

    Raises:
        RejectedFile: naming the first such cell.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet)
            if part is None or not _has_formulas(archive, part):
                return
            with archive.open(part) as xml:
                cell = _formula_without_value(xml)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        return  # fastexcel has read the sheet; this check cannot add to it
    if cell is not None:
        raise RejectedFile(
            path.name,
            f"cell {cell} holds a formula saved without its value (it would read as empty)",
            RESEND + " after opening and saving it in Excel, or with values pasted in place of formulas",
        )


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rel = next((s.get(DOC_REL) for s in workbook.iter(f"{MAIN}sheet") if s.get("name") == sheet), None)
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next(
        (r.get("Target") for r in rels.iter(f"{PACKAGE_REL}Relationship") if r.get("Id") == rel), None
    )
    if target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)


def _has_formulas(archive: zipfile.ZipFile, part: str) -> bool:
    carry = b""
    with archive.open(part) as xml:
        while chunk := xml.read(CHUNK_BYTES):
            if FORMULA.search(carry + chunk):
                return True
            carry = chunk[-16:]
    return False


def _formula_without_value(xml: IO[bytes]) -> str | None:
    for _, element in ElementTree.iterparse(xml):
        if element.tag == f"{MAIN}c":
            formula, value = element.find(f"{MAIN}f"), element.find(f"{MAIN}v")
            cached = value is not None and (value.text or element.get("t") in ("str", "inlineStr"))
            if formula is not None and not cached:
                return element.get("r") or "?"
        elif element.tag == f"{MAIN}row":
            element.clear()
    return None
