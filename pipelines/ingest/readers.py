"""Read an extract file exactly as its contract says, or reject it whole with a message saying how to fix it.

Rows come back as text, verbatim (empty fields are null), with their 1-based row number in
the file (blank lines and blank spreadsheet rows are not rows). Each record must be one line:
a value holding a line break rejects the file, since a stray quote joining two records looks
the same. Messages quote at most a short escaped excerpt of a file (a header or sheet name),
and their audit form none (:mod:`pipelines.ingest.rejected`).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import polars as pl

from data_contracts.contract import Contract
from pipelines.ingest.csv_lines import LineEndings, header_line, locate_problem, scan_line_endings
from pipelines.ingest.rejected import RESEND, RejectedFile, excerpt
from pipelines.ingest.sheets import check_formulas, open_workbook, read_sheet

__all__ = ["RejectedFile", "check_header", "has_data_rows", "read_extract"]

MAX_LINE_BYTES = 16 * 1024 * 1024
"""Longest CSV record DuckDB will read; longer fields are kept and quarantined by max_length."""
SNIFF_BYTES = 64 * 1024
OTHER_DELIMITERS = (",", "|", ";", "\t")
ZIP_MAGIC = b"PK\x03\x04"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_extract(path: Path, contract: Contract) -> pl.DataFrame:
    """The rows of one extract file as text.

    Args:
        path: the file.
        contract: the contract its name matched.

    Returns:
        ``row_number`` then the contract's columns in contract order, all String.

    Raises:
        RejectedFile: the file is empty, binary, not UTF-8, not a workbook, has the wrong
            delimiter, missing, extra or repeated columns, a malformed or truncated row, mixed
            line endings, a stray carriage return, a record spanning lines; or, in a workbook,
            another sheet holding data, an Excel error cell or a formula saved without its value.
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
    """Reject a header that does not have exactly the contract's columns (in any order).

    A name the file wrote is quoted only as a short escaped excerpt, and the audit message
    names it by its place in the header instead.

    Raises:
        RejectedFile: naming the column and what to do.
    """
    expected = contract.column_names
    if not any(h.strip() for h in header):
        raise RejectedFile(
            file_name, "the header row is blank", RESEND + " with the column names in the first row"
        )
    repeated = next((i for i, h in enumerate(header) if h.strip() and h in header[:i]), None)
    if repeated is not None:
        raise RejectedFile(
            file_name, "the column appears more than once in the header", RESEND, header[repeated],
            header_position=repeated + 1,
        )  # fmt: skip
    if len(header) == 1 and len(expected) > 1 and contract.delimiter:
        used = next((d for d in OTHER_DELIMITERS if d != contract.delimiter and d in header[0]), None)
        if used is not None:
            raise RejectedFile(
                file_name,
                f"columns are separated by {used!r} but the contract says {contract.delimiter!r}",
                f"ask the sender to re-export with {contract.delimiter!r} between columns",
            )
    missing = [c for c in expected if c not in header]
    extra = [i for i, h in enumerate(header) if h not in expected]
    if missing:
        near = next((i for i in extra if header[i].strip().lower() == missing[0].strip().lower()), None)
        raise RejectedFile(
            file_name,
            "a column the contract requires is missing"
            + (
                f" (the file has {excerpt(header[near])}: names must match exactly)"
                if near is not None
                else ""
            ),
            RESEND + " with every column",
            missing[0],
            audit_problem="a column the contract requires is missing"
            + (
                f" (column {near + 1} of the header differs from it in case or spaces)"
                if near is not None
                else ""
            ),
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
            header[extra[0]],
            header_position=extra[0] + 1,
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
    assert contract.delimiter is not None
    endings = scan_line_endings(path)
    if not endings.consistent:
        raise locate_problem(path, contract.delimiter, endings, contract.column_names) or RejectedFile(
            path.name, "its lines end in different ways (CRLF, LF or CR)", RESEND + " exported in one piece"
        )
    header = _header(path, head, endings, contract.delimiter)
    check_header(path.name, header, contract)
    try:
        frame = _duckdb_csv(path, contract, header)
    except duckdb.Error as error:
        problem = _csv_problem(path.name, str(error))
        located = (
            None if problem else locate_problem(path, contract.delimiter, endings, contract.column_names)
        )
        raise (problem or located or _unreadable(path.name, str(error))) from error
    if endings.physical_lines != frame.height + 1:  # a record spans lines, or there are blank lines
        located = locate_problem(path, contract.delimiter, endings, contract.column_names)
        if located is not None:
            raise located
    return frame


def _header(path: Path, head: bytes, endings: LineEndings, delimiter: str) -> list[str]:
    """The header row's names, from the file's first bytes."""
    first_line = header_line(head, endings)
    if len(head) == SNIFF_BYTES and first_line == head.removeprefix(b"\xef\xbb\xbf"):
        raise RejectedFile(
            path.name,
            f"the first line is longer than {SNIFF_BYTES // 1024} KB, so it is not a header row",
            RESEND + " with the column names in the first row",
        )
    try:
        text = first_line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _not_utf8(path.name, "the header row") from error
    try:
        return next(csv.reader([text], delimiter=delimiter, quotechar='"', strict=True), [])
    except csv.Error as error:
        raise RejectedFile(
            path.name, "the header row is not valid CSV (a quote not closed, or text after one)", RESEND
        ) from error


def _duckdb_csv(path: Path, contract: Contract, names: list[str]) -> pl.DataFrame:
    relation = duckdb.read_csv(
        str(path),
        header=True,
        delimiter=contract.delimiter,
        quotechar='"',
        escapechar='"',
        columns={name: "VARCHAR" for name in names},
        auto_detect=False,
        strict_mode=True,
        encoding="utf-8",
        max_line_size=MAX_LINE_BYTES,
    )
    frame: pl.DataFrame = relation.pl()
    return frame


def _not_utf8(file_name: str, where: str) -> RejectedFile:
    return RejectedFile(
        file_name,
        f"{where} is not UTF-8 text (perhaps Latin-1 or Windows-1252)",
        "ask the sender to re-export the file as UTF-8",
    )


def _csv_problem(file_name: str, message: str) -> RejectedFile | None:
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
    return None


def _unreadable(file_name: str, message: str) -> RejectedFile:
    """Any other DuckDB CSV error: its text may quote the file, so only the line is said."""
    line = re.search(r"CSV Error on Line: (\d+)", message)
    at = f"line {line.group(1)}" if line else "a row it could not name"
    return RejectedFile(file_name, f"the CSV reader failed at {at}", RESEND + " as plain CSV")


def _read_workbook(path: Path, contract: Contract) -> pl.DataFrame:
    assert contract.sheet is not None
    sheet = read_sheet(path, open_workbook(path), contract.sheet)
    check_header(path.name, _original_names(sheet.header), contract)
    check_formulas(path, contract.sheet)
    return sheet.rows


def _original_names(header: list[str]) -> list[str]:
    """Header names as written: fastexcel renames a repeated 'X' to 'X_1', which we must see as repeated."""
    seen: set[str] = set()
    out = []
    for name in header:
        base = re.sub(r"_\d+$", "", name)
        out.append(base if base in seen and name not in seen else name)
        seen.add(name)
    return out
