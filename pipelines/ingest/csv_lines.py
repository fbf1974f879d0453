"""Line endings of a CSV file, and where a file whose lines and records disagree first goes wrong.

Extracts never hold a value spanning lines, so a file reads correctly only when each record is
one physical line. :func:`scan_line_endings` counts line endings in one fast pass; when they are
mixed, or the records read do not match the lines counted, :func:`locate_problem` walks the
records to name the first line at fault. Messages never quote the file's text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipelines.ingest.rejected import RESEND, RejectedFile

CHUNK_BYTES = 8 * 2**20
FIELD_LIMIT = 64 * 2**20
ENDING_NAMES = {"\r\n": "CRLF", "\n": "LF", "\r": "CR"}


@dataclass(frozen=True)
class LineEndings:
    """How a file's lines end: counts of CRLF, LF alone and CR alone."""

    crlf: int
    lf: int
    cr: int
    ends_with_newline: bool

    @property
    def cr_only(self) -> bool:
        """Lines end in CR alone (classic Mac OS); DuckDB reads these."""
        return self.cr > 0 and self.lf == 0 and self.crlf == 0

    @property
    def consistent(self) -> bool:
        """Every line ends the same way (or there is only one line)."""
        return sum(1 for n in (self.crlf, self.lf, self.cr) if n) <= 1

    @property
    def physical_lines(self) -> int:
        """Lines in the file, a last line without a line ending included."""
        endings = self.crlf + self.lf + self.cr
        return endings if self.ends_with_newline else endings + 1


def scan_line_endings(path: Path) -> LineEndings:
    """Count the file's line endings, reading it in chunks (no decoding, no parsing).

    Args:
        path: a non-empty file.

    Returns:
        The counts of CRLF, lone LF and lone CR, and whether the last byte ends a line.
    """
    lf = cr = crlf = 0
    previous = b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            carriage_returns = chunk.count(b"\r")  # most extracts have none: then no CRLF pass is needed
            lf, cr = lf + chunk.count(b"\n"), cr + carriage_returns
            crlf += chunk.count(b"\r\n") if carriage_returns else 0
            crlf += previous.endswith(b"\r") and chunk.startswith(b"\n")  # a CRLF split between chunks
            previous = chunk
    return LineEndings(crlf, lf - crlf, cr - crlf, previous.endswith((b"\n", b"\r")))


def header_line(head: bytes, endings: LineEndings) -> bytes:
    """The first line of the file (without its ending or a UTF-8 BOM), from its first bytes."""
    first = head.split(b"\r" if endings.cr_only else b"\n", 1)[0]
    return first.removeprefix(b"\xef\xbb\xbf").removesuffix(b"\r")


class _Lines:
    """A file's physical lines as text with their endings, noting how each line ended."""

    def __init__(self, path: Path, file_name: str, terminator: bytes) -> None:
        self.path, self.file_name, self.terminator = path, file_name, terminator
        self.number = 0
        self.endings: list[str] = []  # of the lines of the record being read
        self.stray_cr: int | None = None  # the first line with a CR before its end, if any

    def __iter__(self) -> Iterator[str]:
        with self.path.open("rb") as handle:
            rest = b""
            while chunk := handle.read(CHUNK_BYTES):
                *lines, rest = (rest + chunk).split(self.terminator)
                for line in lines:
                    yield self._text(line + self.terminator)
            if rest:
                yield self._text(rest)

    def _text(self, line: bytes) -> str:
        self.number += 1
        ending = next((e for e in ("\r\n", "\n", "\r") if line.endswith(e.encode())), "")
        self.endings.append(ending)
        if self.stray_cr is None and b"\r" in line[: len(line) - len(ending)]:
            self.stray_cr = self.number
        try:
            return line.decode("utf-8-sig" if self.number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise RejectedFile(
                self.file_name,
                f"line {self.number} is not UTF-8 text (perhaps Latin-1 or Windows-1252)",
                "ask the sender to re-export the file as UTF-8",
            ) from None


def locate_problem(
    path: Path, delimiter: str, endings: LineEndings, columns: list[str]
) -> RejectedFile | None:
    """The first record that spans lines, line whose ending differs, or stray carriage return.

    Args:
        path: the CSV file.
        delimiter: the contract's delimiter.
        endings: the file's line endings, as counted.
        columns: the contract's column names (a header name among them may be named).

    Returns:
        A rejection naming the line, or None when every record is one line (blank lines apart).
    """
    lines = _Lines(path, path.name, b"\r" if endings.cr_only else b"\n")
    limit = csv.field_size_limit(FIELD_LIMIT)
    header: list[str] = []
    first_ending = ""
    try:
        reader = csv.reader(lines, delimiter=delimiter, quotechar='"', strict=True)
        for record in reader:
            start, end = lines.number - len(lines.endings) + 1, lines.number
            header = header or record
            broken = next((i for i, field in enumerate(record) if "\n" in field or "\r" in field), None)
            if broken is not None:
                return _spans_lines(path.name, start, end, header, broken, columns)
            first_ending = first_ending or lines.endings[0]
            odd = next((i for i, e in enumerate(lines.endings) if e and e != first_ending), None)
            if odd is not None:
                return _mixed(path.name, start + odd, lines.endings[odd], first_ending)
            if lines.stray_cr is not None:
                return _stray_cr(path.name, lines.stray_cr)
            lines.endings.clear()
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            return RejectedFile(
                path.name,
                f"the quoted value that starts on line {lines.number - len(lines.endings) + 1} is never "
                "closed (the file may be truncated)",
                RESEND,
            )
        if lines.stray_cr is not None:
            return _stray_cr(path.name, lines.stray_cr)
        return RejectedFile(
            path.name,
            f"line {lines.number} has a quote inside an unquoted value, or text after a closing quote",
            RESEND + " with values that contain quotes quoted",
        )
    finally:
        csv.field_size_limit(limit)
    return None


def _spans_lines(
    file_name: str, start: int, end: int, header: list[str], field: int, columns: list[str]
) -> RejectedFile:
    name = header[field] if field < len(header) and header[field] in columns else None
    where = "" if name else f" (field {field + 1})"
    return RejectedFile(
        file_name,
        f"the record that starts on line {start} runs on to line {end}{where}: a quoted value holds a line "
        "break, which this extract never has (a stray or missing quote joins records together)",
        RESEND + " with every quote closed and no line breaks inside values",
        name,
    )


def _mixed(file_name: str, line: int, ending: str, first: str) -> RejectedFile:
    return RejectedFile(
        file_name,
        f"line {line} ends in {ENDING_NAMES[ending]} but line 1 ends in {ENDING_NAMES[first]} "
        "(the file mixes line endings: edited by hand, or joined from several files?)",
        RESEND + " exported in one piece, every line ending the same way",
    )


def _stray_cr(file_name: str, line: int) -> RejectedFile:
    return RejectedFile(
        file_name,
        f"line {line} has a carriage return (CR) before its end, outside any quoted value",
        RESEND + " with each line ending the same way (CRLF or LF) and no CR inside a line",
    )
