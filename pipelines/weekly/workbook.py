"""The analysts' review workbook (list.xlsx): its layout, and writing it with the list.

The writer and the reader (pipelines.weekly.reviewed_workbook) share the layout below: the mode note on row 1,
the header on row 3, one row per person from row 4, then the review columns. Cells are written as text
or numbers explicitly, never through xlsxwriter's guessing ``write``, so no text can become a formula.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import polars as pl
import xlsxwriter

from lists.checks import IDENTITY_FLAG
from lists.entries import DECISIONS, ListRun

LIST_SHEET = "List"
LEFT_SHEET = "Left the list"
ABOUT_SHEET = "About"
DATA_QUALITY = "data quality"
HEADER_ROW = 3
"""The header's row as Excel numbers it (1-based): the mode note is on row 1, a how-to line on row 2."""
REVIEW_COLUMNS = ("decision", "reason", "reviewer")
DECIDED_AT = "decided at"
"""Optional review column (on workbooks of runs with data checks): when the decision was made, so an
older copy of a workbook cannot overwrite a newer decision. Blank: the workbook's made-at."""
EDITABLE = ("suggested pathways", *REVIEW_COLUMNS, DECIDED_AT)
CREATED_AT = "created at"
FROZEN_THROUGH = "name"
RUN_ID = "run id"
LIST_CHECK = "list check"
WIDTHS = {
    "run": 6, "as of": 11, "mode": 10, "rank": 6, "within capacity": 9, "route": 7, "person id": 10,
    "name": 20, "date of birth": 11, "age": 5, "band": 9, "probability": 11, "rules met": 44,
    "risk raised by": 40, "risk lowered by": 32, "safeguarding note": 32, "suggested pathways": 40,
    "change": 16, "last decision": 14, "review by": 11, "decision": 12, "reason": 36, "reviewer": 18,
    DECIDED_AT: 17, "identity match to review": 10,
}  # fmt: skip
DEPARTURE_COLUMNS = {"person_id": "person id", "name": "name", "previous_rank": "previous rank", "why": "why"}


def write_workbook(run: ListRun, flat: pl.DataFrame, departures: pl.DataFrame, list_check: str) -> bytes:
    """The review workbook's bytes: the same every time for the same arguments.

    Args:
        run: the run that drew the list up.
        flat: the published list (publish.published_frame), text already neutralised.
        departures: the people who left the list (DEPARTURE_SCHEMA), text already neutralised.
        list_check: the sha256 of list.csv, which an imported review must match.
    """
    buffer = io.BytesIO()
    # in memory, xlsxwriter stamps every part of the zip 1980-01-01; created fixes the document's own dates
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    book.set_properties({"title": f"Weekly list, run {run.run_id}", "created": created_utc(run)})
    _list_sheet(book, run, flat)
    _left_sheet(book, departures)
    _about_sheet(book, run, list_check)
    book.close()
    return buffer.getvalue()


def created_utc(run: ListRun) -> datetime:
    """When the run was made, as naive UTC (a naive created_at is UTC already): no output depends on zones."""
    created = run.created_at
    return created if created.tzinfo is None else created.astimezone(UTC).replace(tzinfo=None)


def created_text(run: ListRun) -> str:
    """created_at as the outputs show it: "2024-03-04 09:30:00 UTC"."""
    return f"{created_utc(run):%Y-%m-%d %H:%M:%S} UTC"


def _list_sheet(book: Any, run: ListRun, flat: pl.DataFrame) -> None:
    sheet = book.add_worksheet(LIST_SHEET)
    columns = [*flat.columns, *review_columns(run)]
    base = {"text_wrap": True, "valign": "top", "border": 1, "border_color": "#d0d0d0"}
    formats = {
        (within, editable): book.add_format(
            base
            | ({"bg_color": "#fff2cc", "locked": False} if editable else {})
            | ({"bg_color": "#e2efda"} if within and not editable else {})
            | ({"bold": True} if within else {})
        )
        for within in (False, True)
        for editable in (False, True)
    }
    note = {"bold": True, "font_size": 12} | ({"font_color": "#a40000"} if run.rules_alone else {})
    sheet.write_string(0, 0, run.mode_note, book.add_format(note))
    sheet.write_string(
        1, 0,
        f"Run {run.run_id}, as of {run.as_of:%d/%m/%Y}, {run.capacity} places. "
        "Rows within capacity are green. "
        f"Record a decision ({', '.join(DECISIONS)}), a reason and your name in the yellow columns; "
        "see the About sheet."
        + (f" {DATA_QUALITY.upper()}: {len(run.checks.warnings())} problem(s), see the About sheet."
           if run.checks is not None and run.checks.doubtful else ""),
    )  # fmt: skip
    header = book.add_format(base | {"bold": True, "bg_color": "#d9d9d9", "locked": True})
    top = HEADER_ROW - 1
    for col, name in enumerate(columns):
        sheet.write_string(top, col, name, header)
        sheet.set_column(col, col, WIDTHS.get(name, 14))
    for offset, row in enumerate(flat.iter_rows(named=True)):
        within = row["within capacity"] == "yes"
        for col, name in enumerate(columns):
            _cell(sheet, top + 1 + offset, col, row.get(name), formats[within, name in EDITABLE])
    last = top + max(flat.height, 1)
    decision = columns.index("decision")
    if flat.height:
        sheet.data_validation(top + 1, decision, last, decision, {
            "validate": "list", "source": list(DECISIONS), "error_title": "Not a decision",
            "error_message": f"Choose one of: {', '.join(DECISIONS)}.",
        })  # fmt: skip
    sheet.autofilter(top, 0, last, len(columns) - 1)
    sheet.freeze_panes(HEADER_ROW, columns.index(FROZEN_THROUGH) + 1)
    # guards against slips, not people: there is no password, and filtering and resizing stay open
    sheet.protect("", {"autofilter": True, "sort": True, "format_columns": True, "format_rows": True})


def review_columns(run: ListRun) -> tuple[str, ...]:
    """The columns analysts fill in: with "decided at" on runs made with data checks (later layout)."""
    return REVIEW_COLUMNS if run.checks is None else (*REVIEW_COLUMNS, DECIDED_AT)


def _cell(sheet: Any, row: int, col: int, value: object, fmt: Any) -> None:
    if value is None or value == "":
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        sheet.write_number(row, col, value, fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)


def _left_sheet(book: Any, departures: pl.DataFrame) -> None:
    sheet = book.add_worksheet(LEFT_SHEET)
    header = book.add_format({"bold": True, "bg_color": "#d9d9d9"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    for col, (field, label) in enumerate(DEPARTURE_COLUMNS.items()):
        sheet.write_string(0, col, label, header)
        sheet.set_column(col, col, {"name": 20, "why": 50}.get(field, 12))
        for row, value in enumerate(departures.get_column(field).to_list(), start=1):
            _cell(sheet, row, col, value, wrap)
    sheet.freeze_panes(1, 0)


def _about_sheet(book: Any, run: ListRun, list_check: str) -> None:
    sheet = book.add_worksheet(ABOUT_SHEET)
    bold = book.add_format({"bold": True, "valign": "top"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 100)
    facts: list[tuple[str, str | int]] = [
        (RUN_ID, run.run_id),
        ("as of", run.as_of.strftime("%d/%m/%Y")),
        ("mode", run.mode_note),
        ("model version", run.model_version or "none (rules alone)"),
        ("rules version", run.rules_version),
        ("code version", run.code_version),
        (CREATED_AT, created_text(run)),
        ("capacity", run.capacity),
        (LIST_CHECK, list_check),
        ("decisions", ", ".join(DECISIONS)),
        ("how to review", (
            "On the List sheet, for each person you have reviewed, choose a decision from the drop-down "
            f"({', '.join(DECISIONS)}), write the reason (required for every decision) and your name as "
            "reviewer. You may edit the suggested pathways. Leave rows you have not reviewed empty, and "
            "do not change the other columns, the sheet names or this sheet: the list check above ties "
            "this workbook to the list it was published with. The sheet is protected against slips "
            "only, without a password."
        )),
        ("how to import", "Save the workbook as .xlsx, then run: cohort review import WORKBOOK"),
        ("advisory", "The list is advisory: a person decides, and every entry says why it is there."),
    ]  # fmt: skip
    if run.checks is not None:
        facts += _check_facts(run)
    for row, (label, value) in enumerate(facts):
        sheet.write_string(row, 0, label, bold)
        _cell(sheet, row, 1, value, wrap)


def _check_facts(run: ListRun) -> list[tuple[str, str | int]]:
    """The About sheet's data-quality and identity facts, for runs made with the checks."""
    assert run.checks is not None
    lines = run.checks.warnings()
    flagged = len(run.checks.identity_review)
    return [
        (DATA_QUALITY, "\n".join(lines) if lines else (
            f"every gate of the latest ingest passed and every source was fresh as of {run.as_of:%d/%m/%Y}"
        )),
        (IDENTITY_FLAG, (
            f"{flagged} listed people have an identity match awaiting review (column '{IDENTITY_FLAG}'): "
            "their records may yet be joined with another person's; check them before deciding"
        ) if flagged else "no listed person has an identity match awaiting review"),
        (DECIDED_AT, (
            "optional: when you made the decision (YYYY-MM-DD HH:MM, UTC); blank means when this list was "
            "made. A decision older than one already recorded for the person is refused, not overwritten."
        )),
    ]  # fmt: skip
