"""Reading a returned review workbook back: its run, its list check and the rows the analysts reviewed."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from pipelines.weekly.workbook import (
    ABOUT_SHEET,
    CREATED_AT,
    DECIDED_AT,
    EDITABLE,
    HEADER_ROW,
    LIST_CHECK,
    LIST_SHEET,
    REVIEW_COLUMNS,
    RUN_ID,
)


@dataclass(frozen=True)
class ReviewedWorkbook:
    """A review workbook as an analyst returned it: the rows they filled in, and which list it belongs to."""

    run_id: int
    list_check: str  # the sha256 of list.csv from the About sheet
    made_at: datetime  # when the list (and so this workbook) was made, UTC: the About sheet's created at
    rows: pl.DataFrame  # REVIEWED_SCHEMA: the reviewed rows; decided_at null where the row gives none


class WorkbookError(ValueError):
    """A workbook that cannot be read as a review: the message says where, and what to do."""


REVIEWED_SCHEMA = pl.Schema(
    {
        "row": pl.Int64(),
        "person_id": pl.Int64(),
        "decision": pl.String(),
        "reason": pl.String(),
        "reviewer": pl.String(),
        "pathway": pl.String(),
        "decided_at": pl.Datetime("us"),  # when the decision was made (null: not given)
    }
)
NOT_OURS = "this is not a workbook published by cohort weekly"


def read_reviewed_workbook(path: Path) -> ReviewedWorkbook:
    """The run, the list check and the reviewed rows of a returned review workbook.

    Decisions are not checked against the list here: the caller knows the list.

    Raises:
        WorkbookError: the file is not a readable .xlsx, not one of ours, or lacks a column.
    """
    sheets = _load(path)
    about = _about(path, sheets)
    run_id = _integer(about.get(RUN_ID))
    if run_id is None or not about.get(LIST_CHECK):
        raise WorkbookError(f"{path}: sheet {ABOUT_SHEET!r} has no {RUN_ID!r} or {LIST_CHECK!r}: {NOT_OURS}")
    if LIST_SHEET not in sheets:
        raise WorkbookError(f"{path}: there is no sheet named {LIST_SHEET!r}: {NOT_OURS}")
    made_at = _datetime(about.get(CREATED_AT, "").removesuffix(" UTC"))
    if made_at is None:
        raise WorkbookError(f"{path}: sheet {ABOUT_SHEET!r} has no readable {CREATED_AT!r}: {NOT_OURS}")
    return ReviewedWorkbook(run_id, str(about[LIST_CHECK]), made_at, _reviewed(path, sheets[LIST_SHEET]))


def _load(path: Path) -> dict[str, pl.DataFrame]:
    """Every sheet as text columns with no header, row i being Excel's row i + 1."""
    import fastexcel

    if not path.is_file() or not zipfile.is_zipfile(path):
        raise WorkbookError(f"{path} is not an .xlsx workbook: save it from Excel as .xlsx and import that")
    try:
        book = fastexcel.read_excel(str(path))
        # skip_rows=0 keeps the leading rows, so row numbers stay those Excel shows
        return {
            name: book.load_sheet(name, header_row=None, skip_rows=0, dtypes="string").to_polars()
            for name in book.sheet_names
        }
    except Exception as error:  # fastexcel raises its own hierarchy, or OSError
        raise WorkbookError(
            f"{path} cannot be read as an .xlsx workbook ({str(error).splitlines()[0][:200]}): "
            "open it in Excel and save it again as .xlsx"
        ) from error


def _about(path: Path, sheets: dict[str, pl.DataFrame]) -> dict[str, str]:
    """The About sheet's facts: label in the first column, value in the second."""
    if ABOUT_SHEET not in sheets:
        raise WorkbookError(f"{path}: there is no sheet named {ABOUT_SHEET!r}: {NOT_OURS}")
    about = sheets[ABOUT_SHEET]
    if about.width < 2:
        raise WorkbookError(
            f"{path}: sheet {ABOUT_SHEET!r} has no facts in its first two columns: {NOT_OURS}"
        )
    labels, values = about.to_series(0).to_list(), about.to_series(1).to_list()
    return {str(_clean(k)): _clean(v) or "" for k, v in zip(labels, values, strict=True) if _clean(k)}


def _reviewed(path: Path, sheet: pl.DataFrame) -> pl.DataFrame:
    """The rows with any of decision, reason or reviewer filled in, with Excel's row numbers."""
    where = f"{path}, sheet {LIST_SHEET!r}"
    if sheet.height < HEADER_ROW:
        raise WorkbookError(f"{where} has no header on row {HEADER_ROW}: {NOT_OURS}")
    header = [_clean(v) for v in sheet.row(HEADER_ROW - 1)]
    missing = [name for name in ("person id", *EDITABLE) if name not in header and name != DECIDED_AT]
    wanted = [name for name in ("person id", *EDITABLE) if name in header]
    if missing:
        raise WorkbookError(
            f"{where}, row {HEADER_ROW}: missing column(s) {', '.join(map(repr, missing))}: "
            "restore the header row as published (columns may not be renamed or removed) and import again"
        )
    picked = {name: sheet.to_series(header.index(name)).to_list()[HEADER_ROW:] for name in wanted}
    rows: list[dict[str, object]] = []
    for offset, person in enumerate(picked["person id"]):
        review = {name: _clean(picked[name][offset]) if name in picked else None for name in EDITABLE}
        if not any(review[name] for name in REVIEW_COLUMNS):
            continue
        row = HEADER_ROW + 1 + offset
        decision = review["decision"]
        rows.append({
            "row": row, "person_id": _person_id(where, row, person),
            "decision": decision.lower() if decision else None, "reason": review["reason"],
            "reviewer": review["reviewer"], "pathway": review["suggested pathways"],
            "decided_at": _decided_at(where, row, review[DECIDED_AT]),
        })  # fmt: skip
    return pl.DataFrame(rows, schema=REVIEWED_SCHEMA)


def _clean(value: object) -> str | None:
    """Text stripped of surrounding whitespace; None for an empty cell."""
    text = "" if value is None else str(value).strip()
    return text or None


def _datetime(text: str | None) -> datetime | None:
    """A date or date-time as ISO text (as Excel's date cells are read) or DD/MM/YYYY [HH:MM]; else None."""
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        pass
    else:
        return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at
    for layout in ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, layout)
        except ValueError:
            continue
    return None


def _decided_at(where: str, row: int, text: str | None) -> datetime | None:
    at = _datetime(text)
    if text is not None and at is None:  # the cell's text is not repeated: it may hold anything
        raise WorkbookError(
            f"{where}, row {row}, column {DECIDED_AT!r}: not a date: write when the decision was made as "
            "YYYY-MM-DD HH:MM (or leave it empty) and import again"
        )
    return at


def _integer(value: object) -> int | None:
    """A whole number read from text, also as Excel stores numbers ("12", "12.0"); None otherwise."""
    text = _clean(value)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _person_id(where: str, row: int, value: object) -> int:
    person = _integer(value)
    if person is None:
        shown = "it is empty" if _clean(value) is None else f"{_clean(value)!r} is not a person id"
        raise WorkbookError(
            f"{where}, row {row}, column 'person id': the row is reviewed but {shown}: "
            "restore the person id as published (copy it from list.csv) and import again"
        )
    return person
