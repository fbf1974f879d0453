"""Read an extract file exactly as its contract says, or reject it whole with a message saying how to fix it.

Rows come back as text, verbatim (empty fields are null), with their 1-based row number in
the file. Messages never quote file contents: they may hold personal data.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import polars as pl

from data_contracts.contract import Contract

MAX_LINE_BYTES = 16 * 1024 * 1024
"""Longest CSV record DuckDB will read; longer fields are kept and quarantined by max_length."""
SNIFF_BYTES = 64 * 1024
OTHER_DELIMITERS = (",", "|", ";", "\t")
ZIP_MAGIC = b"PK\x03\x04"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
RESEND = "ask the sender to re-send it"


class RejectedFile(Exception):
    """A file that cannot be read as its contract says. Nothing from it is loaded."""

    def __init__(self, file_name: str, problem: str, action: str, column: str | None = None) -> None:
        self.file_name, self.problem, self.action, self.column = file_name, problem, action, column
        where = f", column {column!r}" if column else ""
        super().__init__(f"{file_name}{where}: {problem}; {action}")


def read_extract(path: Path, contract: Contract) -> pl.DataFrame:
    """The rows of one extract file as text.

    Args:
        path: the file.
        contract: the contract its name matched.

    Returns:
        ``row_number`` then the contract's columns in contract order, all String.

    Raises:
        RejectedFile: the file is empty, binary, not UTF-8, not a workbook, has the wrong
            delimiter, missing, extra or repeated columns, or a malformed or truncated row.
    """
    if path.stat().st_size == 0:
        raise RejectedFile(path.name, "the file is empty (0 bytes), not even a header row", RESEND)
    if contract.file_format == "xlsx":
        frame = _read_workbook(path, contract)
    else:
        frame = _read_csv(path, contract)
    return frame.select(
        pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("row_number"),
        *[pl.col(c).cast(pl.String) for c in contract.column_names],
    )


def has_data_rows(path: Path, contract: Contract) -> bool:
    """Whether a file holds anything beyond its header (unreadable files count as having rows)."""
    if contract.file_format == "xlsx":
        try:
            return read_extract(path, contract).height > 0
        except RejectedFile:
            return True
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES + 1)
    lines = [line for line in head.splitlines()[1:] if line.strip()]
    return bool(lines) or len(head) > SNIFF_BYTES


def check_header(file_name: str, header: list[str], contract: Contract) -> None:
    """Reject a header that does not have exactly the contract's columns (in any order)."""
    expected = contract.column_names
    if not any(h.strip() for h in header):
        raise RejectedFile(
            file_name, "the header row is blank", RESEND + " with the column names in the first row"
        )
    repeated = sorted({h for h in header if h.strip() and header.count(h) > 1})
    if repeated:
        raise RejectedFile(file_name, "the column appears more than once in the header", RESEND, repeated[0])
    if len(header) == 1 and len(expected) > 1 and contract.delimiter:
        used = next((d for d in OTHER_DELIMITERS if d != contract.delimiter and d in header[0]), None)
        if used is not None:
            raise RejectedFile(
                file_name,
                f"columns are separated by {used!r} but the contract says {contract.delimiter!r}",
                f"ask the sender to re-export with {contract.delimiter!r} between columns",
            )
    missing = [c for c in expected if c not in header]
    extra = [h for h in header if h not in expected]
    if missing:
        near = {h.strip().lower(): h for h in extra}
        hint = (
            f" (the file has {near[missing[0].strip().lower()]!r}: names must match exactly)"
            if missing[0].strip().lower() in near
            else ""
        )
        raise RejectedFile(
            file_name,
            f"a column the contract requires is missing{hint}",
            RESEND + " with every column",
            missing[0],
        )
    unnamed = [i for i, h in enumerate(header, 1) if not h.strip()]
    if unnamed:
        raise RejectedFile(
            file_name,
            f"column {unnamed[0]} of the header has no name (a delimiter at the end of each line?)",
            RESEND + " without the unnamed column",
        )
    if extra:
        raise RejectedFile(
            file_name,
            "the file has a column the contract does not declare",
            "if the sender has added a column on purpose, add it to the contract (and a migration); "
            "otherwise " + RESEND,
            extra[0],
        )


def _read_csv(path: Path, contract: Contract) -> pl.DataFrame:
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head.startswith(ZIP_MAGIC):
        raise RejectedFile(
            path.name, "the file is a spreadsheet or zip archive, not CSV text", RESEND + " as CSV"
        )
    if head.startswith(UTF16_BOMS):
        raise RejectedFile(
            path.name, "the file is UTF-16 text, not UTF-8", "ask the sender to re-export the file as UTF-8"
        )
    if b"\x00" in head:
        raise RejectedFile(path.name, "the file is binary, not CSV text", RESEND)
    first_line = head.split(b"\n", 1)[0].removeprefix(b"\xef\xbb\xbf").rstrip(b"\r")
    try:
        text = first_line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _not_utf8(path.name, "the header row") from error
    assert contract.delimiter is not None
    header = next(csv.reader([text], delimiter=contract.delimiter, quotechar='"'), [])
    check_header(path.name, header, contract)
    columns = {name: "VARCHAR" for name in header}
    try:
        relation = duckdb.read_csv(
            str(path),
            header=True,
            delimiter=contract.delimiter,
            quotechar='"',
            escapechar='"',
            columns=columns,
            auto_detect=False,
            strict_mode=True,
            encoding="utf-8",
            max_line_size=MAX_LINE_BYTES,
        )
        frame: pl.DataFrame = relation.pl()
    except duckdb.Error as error:
        raise _csv_problem(path.name, str(error)) from error
    return frame


def _not_utf8(file_name: str, where: str) -> RejectedFile:
    return RejectedFile(
        file_name,
        f"{where} is not UTF-8 text (perhaps Latin-1 or Windows-1252)",
        "ask the sender to re-export the file as UTF-8",
    )


def _csv_problem(file_name: str, message: str) -> RejectedFile:
    """A DuckDB CSV error as a rejection, without the offending line (it may hold personal data)."""
    line = re.search(r"CSV Error on Line: (\d+)", message)
    at = f"line {line.group(1)}" if line else "a row"
    counts = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    if "Invalid unicode" in message:
        return _not_utf8(file_name, at)
    if counts:
        expected, found = counts.groups()
        truncated = int(found) < int(expected)
        return RejectedFile(
            file_name,
            f"{at} has {found} fields where the header has {expected}"
            + (" (the file may be truncated)" if truncated else " (an unquoted delimiter inside a value?)"),
            RESEND + " complete" if truncated else RESEND + " with values containing the delimiter quoted",
        )
    if "unterminated quote" in message:
        return RejectedFile(
            file_name,
            f"{at} has a quoted value with no closing quote, or text after its closing quote "
            "(the file may be truncated)",
            RESEND,
        )
    if "maximum line size" in message.lower():
        return RejectedFile(file_name, f"{at} is longer than {MAX_LINE_BYTES // 2**20} MB", RESEND)
    first = message.splitlines()[0] if message else "unreadable"
    return RejectedFile(file_name, f"the CSV reader failed at {at}: {first[:200]}", RESEND)


def _read_workbook(path: Path, contract: Contract) -> pl.DataFrame:
    import fastexcel

    assert contract.sheet is not None
    try:
        workbook = fastexcel.read_excel(str(path))
    except Exception as error:  # fastexcel raises its own hierarchy, or OSError
        with path.open("rb") as handle:
            is_zip = handle.read(4) == ZIP_MAGIC
        problem = "the file is not a readable .xlsx workbook" + (
            "" if is_zip else " (it looks like text, not a spreadsheet)"
        )
        raise RejectedFile(path.name, problem, RESEND + " as an .xlsx workbook") from error
    if contract.sheet not in workbook.sheet_names:
        raise RejectedFile(
            path.name,
            f"the workbook has no sheet named {contract.sheet!r} "
            f"(it has {', '.join(map(repr, workbook.sheet_names))})",
            RESEND + f" with the data on a sheet named {contract.sheet!r}",
        )
    try:
        sheet = workbook.load_sheet(contract.sheet, dtypes="string")
        header = [c.name for c in sheet.available_columns()]
        frame = sheet.to_polars()
    except Exception as error:
        raise RejectedFile(path.name, f"sheet {contract.sheet!r} cannot be read", RESEND) from error
    check_header(path.name, _original_names(header), contract)
    return frame


def _original_names(header: list[str]) -> list[str]:
    """Header names as written: fastexcel renames a repeated 'X' to 'X_1', which we must see as repeated."""
    seen: set[str] = set()
    out = []
    for name in header:
        base = re.sub(r"_\d+$", "", name)
        out.append(base if base in seen and name not in seen else name)
        seen.add(name)
    return out
