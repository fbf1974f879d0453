"""The retention schedule (governance/retention.yaml) and erasing what it says is due (`cohort retention`).

Each class of record is kept ``keep_years`` after its date and erased once that date is before the
cutoff (the day ``keep_years`` years before the day the schedule is applied). Finding what is due
only reads; erasing is one transaction with one ``erase`` audit event per class, and the published
list folders are deleted after it commits.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import duckdb
import yaml

from data_contracts.contract import Contract, load_contracts
from data_contracts.schemas import schema_problem
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.connection import connect
from pipelines.warehouse.queries import quote, sql

SCHEDULE_FILE = "governance/retention.yaml"
Kind = Literal["extracts", "lists", "decisions", "link_history"]
PUBLISHED_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}-run-\d+$")
"""A weekly list's folder name (pipelines.weekly.run): only such folders are ever deleted."""
SINGLE_KINDS: tuple[Kind, ...] = ("lists", "decisions", "link_history")
"""Kinds declared by exactly one class each."""
MEASURED_FROM = {
    "event_date": "the record's event date (else its extract's date)",
    "list_as_of": "the list's reference date (as_of)",
    "decided_on": "the day the decision took effect",
    "replaced_at": "the day a later linkage run replaced it",
}


class RetentionError(ValueError):
    """The retention schedule breaks its schema or disagrees with the data contracts."""


@dataclass(frozen=True)
class RecordClass:
    """One class of record: what it covers, how long it is kept, from what date and why."""

    id: str
    kind: Kind
    description: str
    keep_years: int
    measured_from: str
    basis: str
    sources: tuple[str, ...] = ()
    event_dates: Mapping[str, str] | None = None  # source -> contract date column


@dataclass(frozen=True)
class Schedule:
    """The checked schedule."""

    status: str
    approved_by: str | None
    approved_on: str | None
    classes: tuple[RecordClass, ...]

    @property
    def approved(self) -> bool:
        return bool(self.approved_by and self.approved_on)


@dataclass(frozen=True)
class Due:
    """What one class has past its period: rows per table, list runs and published folders."""

    record_class: RecordClass
    cutoff: date
    rows: dict[str, int]  # table -> rows
    runs: tuple[int, ...] = ()  # list runs to mark erased (lists only)
    folders: tuple[Path, ...] = ()  # published folders still on disk (lists only)
    files: int = 0

    @property
    def total(self) -> int:
        return sum(self.rows.values())


@dataclass(frozen=True)
class Erasure:
    """What `apply_retention` erased, and any folder it could not delete (with what to do)."""

    erased: list[Due]
    problems: list[str]


def parse_schedule(
    document: Any, file_name: str = SCHEDULE_FILE, contracts: Mapping[str, Contract] | None = None
) -> Schedule:
    """Check a schedule against its schema and the data contracts.

    Raises:
        RetentionError: naming the file, the field and what to do.
    """
    contracts = load_contracts() if contracts is None else contracts
    if isinstance(document, dict) and isinstance(document.get("approved_on"), date):
        document = document | {"approved_on": document["approved_on"].isoformat()}
    problem = schema_problem("governance", "retention.schema.json", document, file_name)
    if problem:
        raise RetentionError(problem)
    classes = tuple(_record_class(entry) for entry in document["classes"])
    problems = _problems(classes, contracts)
    if problems:
        raise RetentionError(f"{file_name}: " + "; ".join(problems))
    return Schedule(document["status"], document["approved_by"], document["approved_on"], classes)


def load_schedule(path: Path | None = None, contracts: Mapping[str, Contract] | None = None) -> Schedule:
    """The schedule in ``path`` (default: the one shipped in governance/)."""
    if path is None:
        text = resources.files("governance").joinpath("retention.yaml").read_text(encoding="utf-8")
        name = SCHEDULE_FILE
    else:
        text, name = path.read_text(encoding="utf-8"), str(path)
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise RetentionError(f"{name}: not valid YAML: {error}") from error
    return parse_schedule(document, name, contracts)


def _record_class(entry: dict[str, Any]) -> RecordClass:
    return RecordClass(
        id=entry["id"], kind=entry["kind"], description=" ".join(entry["description"].split()),
        keep_years=entry["keep_years"], measured_from=entry["measured_from"],
        basis=" ".join(entry["basis"].split()), sources=tuple(entry.get("sources", ())),
        event_dates=dict(entry.get("event_dates", {})),
    )  # fmt: skip


def _problems(classes: tuple[RecordClass, ...], contracts: Mapping[str, Contract]) -> list[str]:
    problems: list[str] = []
    covered: dict[str, str] = {}
    ids = [c.id for c in classes]
    problems += [
        f"classes: id {i!r} is used twice; give each class its own id"
        for i in sorted(set(ids))
        if ids.count(i) > 1
    ]
    for index, record_class in enumerate(classes):
        where = f"classes/{index}"
        for source in record_class.sources:
            if source not in contracts:
                problems.append(
                    f"{where}/sources: {source!r} is not a data contract ({', '.join(contracts)})"
                )
            elif source in covered:
                problems.append(f"{where}/sources: {source!r} is already in class {covered[source]!r}")
            else:
                covered[source] = record_class.id
        for source, column in (record_class.event_dates or {}).items():
            contract = contracts.get(source)
            if source not in record_class.sources or contract is None:
                problems.append(f"{where}/event_dates/{source}: not one of this class's sources")
            elif column not in contract.column_names or contract.column(column).type != "date":
                problems.append(f"{where}/event_dates/{source}: {column!r} is not a date column of {source}")
    problems += [
        f"classes: data contract {source!r} has no retention class: add it to an extracts class's sources"
        for source in contracts
        if source not in covered
    ]
    for kind in SINGLE_KINDS:
        count = sum(c.kind == kind for c in classes)
        if count != 1:
            problems.append(f"classes: there must be exactly one class of kind {kind!r}, not {count}")
    years = {c.kind: c.keep_years for c in classes}
    if years.get("link_history", 0) < years.get("lists", 0):
        problems.append(
            "classes: linkage_history keep_years must be at least the published lists' keep_years, "
            "or a list still held could not be rebuilt with the identities it used"
        )
    return problems


def cutoff(as_of: date, years: int) -> date:
    """The day ``years`` years before ``as_of`` (29 February goes to 28 February)."""
    try:
        return as_of.replace(year=as_of.year - years)
    except ValueError:
        return as_of.replace(year=as_of.year - years, day=28)


def extract_keys_sql(contract: Contract, event_column: str | None) -> str:
    """SELECT the (load_id, row_number) of one extract's rows dated before ``$cutoff``.

    A row is dated by its staged event date, else that column of the text as received read with
    the contract's date format (``$format``), else its extract's date, else the day it was loaded;
    raw, staging and quarantine rows of one (load_id, row_number) share one date.
    """
    name = quote(contract.name)
    if event_column is None:
        staged = received = "CAST(NULL AS DATE)"
    else:
        column = contract.column(event_column)
        staged = f"s.{quote(column.staging_name)}"
        received = f"CAST(try_strptime(t.{quote(column.name)}, $format) AS DATE)"
    return (
        "SELECT k.load_id, k.row_number FROM ("
        f"SELECT t.load_id, t.row_number, coalesce({staged}, {received}) AS event_date FROM raw.{name} t "
        f"LEFT JOIN staging.{name} s USING (load_id, row_number) "
        f"UNION ALL SELECT s.load_id, s.row_number, {staged} FROM staging.{name} s "
        f"ANTI JOIN raw.{name} r USING (load_id, row_number) "
        f"UNION ALL SELECT t.load_id, t.row_number, {received} FROM quarantine.{name} t "
        f"ANTI JOIN raw.{name} r USING (load_id, row_number)"
        ") k LEFT JOIN meta.load l USING (load_id) "
        "WHERE coalesce(k.event_date, l.extract_date, CAST(l.loaded_at AS DATE)) < $cutoff"
    )


Target = tuple[str, str, dict[str, object]]
"""A table, the condition (on alias ``t``) that picks its rows due, and the condition's parameters."""


@contextmanager
def _targets(
    con: duckdb.DuckDBPyConnection, record_class: RecordClass, cut: date, contracts: Mapping[str, Contract]
) -> Iterator[list[Target]]:
    """The tables a class covers and which of their rows are due; extract keys held in temp tables."""
    made: list[str] = []
    dated: dict[str, object] = {"cutoff": cut}
    try:
        if record_class.kind == "extracts":
            targets: list[Target] = []
            for source in record_class.sources:
                keys = f"_due_{source}"
                event = (record_class.event_dates or {}).get(source)
                contract = contracts[source]
                con.execute(
                    f"CREATE OR REPLACE TEMP TABLE {keys} AS {extract_keys_sql(contract, event)}",
                    dated | ({"format": contract.date_format} if event else {}),
                )
                made.append(keys)
                matched = (
                    f"EXISTS (SELECT 1 FROM {keys} k WHERE k.load_id = t.load_id "
                    "AND k.row_number = t.row_number)"
                )
                targets += [(f"{layer}.{source}", matched, {}) for layer in ("raw", "staging", "quarantine")]
            yield targets
        elif record_class.kind == "lists":
            runs = "t.run_id IN (SELECT run_id FROM lists.run WHERE as_of < $cutoff)"
            yield [("lists.entry", runs, dated), ("lists.departure", runs, dated)]
        elif record_class.kind == "decisions":
            yield [("review.decision", "t.decided_on < $cutoff", dated)]
        else:
            replaced = (
                "t.replaced_by IN (SELECT run_id FROM link.run "
                "WHERE CAST(coalesce(finished_at, started_at) AS DATE) < $cutoff)"
            )
            yield [("link.person_history", replaced, dated), ("link.xref_history", replaced, dated)]
    finally:
        for keys in made:
            con.execute(f"DROP TABLE IF EXISTS {keys}")


def _due(
    con: duckdb.DuckDBPyConnection, record_class: RecordClass, as_of: date, contracts: Mapping[str, Contract],
    erase: bool, now: datetime | None = None,
) -> Due:  # fmt: skip
    cut = cutoff(as_of, record_class.keep_years)
    rows = {}
    with _targets(con, record_class, cut, contracts) as targets:
        for table, condition, parameters in targets:
            counted = con.execute(f"SELECT count(*) FROM {table} t WHERE {condition}", parameters).fetchall()
            rows[table] = int(counted[0][0])
            if erase:
                if record_class.kind == "extracts":
                    _count_erased(con, table, condition, parameters)
                con.execute(f"DELETE FROM {table} t WHERE {condition}", parameters)
    if record_class.kind != "lists":
        return Due(record_class, cut, rows)
    found = con.execute(
        "SELECT run_id, as_of, folder, erased_at IS NULL FROM lists.run WHERE as_of < ? ORDER BY run_id",
        [cut],
    ).fetchall()
    runs = tuple(run_id for run_id, _, _, fresh in found if fresh)
    folders = tuple(Path(folder) for _, _, folder, _ in found if Path(folder).is_dir())
    files = sum(1 for folder in folders for path in folder.rglob("*") if path.is_file())
    if erase and runs:
        con.execute("UPDATE lists.run SET erased_at = ? WHERE list_contains(?, run_id)", [now, list(runs)])
    return Due(record_class, cut, rows, runs, folders, files)


ERASED_COLUMN = {"raw": "raw", "staging": "staged", "quarantine": "quarantined"}


def _count_erased(
    con: duckdb.DuckDBPyConnection, table: str, condition: str, parameters: dict[str, object]
) -> None:
    """Add the rows about to be erased from an extract layer to their loads' counts in meta.load.

    Ingest reconciles each load (pipelines.ingest.reconcile.reconcile): what a layer holds must be what was
    loaded less what was erased, so the erased rows are counted per load, in this transaction.
    """
    layer = table.split(".")[0]
    erased = con.execute(
        f"SELECT load_id, count(*) FROM {table} t WHERE {condition} GROUP BY load_id", parameters
    ).fetchall()
    for load_id, rows in erased:
        counts = {"raw": 0, "staged": 0, "quarantined": 0} | {ERASED_COLUMN[layer]: int(rows)}
        con.execute(sql("ingest/record_erased"), {"load_id": load_id, **counts})


def due(
    con: duckdb.DuckDBPyConnection, schedule: Schedule, as_of: date,
    contracts: Mapping[str, Contract] | None = None,
) -> list[Due]:  # fmt: skip
    """What each class has past its period on ``as_of`` (reads only; nothing changes)."""
    contracts = load_contracts() if contracts is None else contracts
    return [_due(con, c, as_of, contracts, erase=False) for c in schedule.classes]


def erase(
    con: duckdb.DuckDBPyConnection, schedule: Schedule, as_of: date, *, actor: str, now: datetime,
    contracts: Mapping[str, Contract] | None = None,
) -> list[Due]:  # fmt: skip
    """Erase every row past its period and mark erased list runs (at ``now``), in one transaction, with one
    ``erase`` audit event per class (its counts, and its basis as the purpose).

    The published folders are not touched: delete them after the commit (:func:`remove_folders`).
    """
    contracts = load_contracts() if contracts is None else contracts
    con.begin()
    try:
        erased = []
        for record_class in schedule.classes:
            done = _due(con, record_class, as_of, contracts, erase=True, now=now)
            audit.record(
                con, actor, "erase", erase_detail(done), purpose=record_class.basis, rows=done.total, at=now
            )
            erased.append(done)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return erased


def erase_detail(done: Due) -> str:
    """The audit event's text: the class, the cutoff and counts (never what the rows said)."""
    record_class = done.record_class
    tables = ", ".join(f"{table} {rows}" for table, rows in done.rows.items() if rows)
    tables = f" ({tables})" if tables else ""
    text = (
        f"retention class {record_class.id}: {done.total} rows erased{tables}; kept "
        f"{record_class.keep_years} years from {MEASURED_FROM[record_class.measured_from]}, "
        f"cutoff {done.cutoff:%d/%m/%Y}"
    )
    if record_class.kind == "lists":
        text += (
            f"; {len(done.runs)} list runs marked erased, {done.files} published files in "
            f"{len(done.folders)} folders"
        )
    return text


def remove_folders(erased: list[Due]) -> list[str]:
    """Delete the published folders of erased list runs; returns a problem for each left in place."""
    problems = []
    for done in erased:
        for folder in done.folders:
            if not PUBLISHED_FOLDER.match(folder.name):
                problems.append(
                    f"{folder} was not deleted: it does not look like a published list folder "
                    "(YYYY-MM-DD-run-N); check lists.run.folder and delete it by hand"
                )
                continue
            try:
                shutil.rmtree(folder)
            except OSError as error:
                problems.append(f"{folder} was not deleted ({error}): delete it by hand")
    return problems


def check_retention(warehouse: Path, schedule: Schedule, as_of: date) -> list[Due]:
    """What would be erased on ``as_of`` (the warehouse is read, nothing changes)."""
    with connect(warehouse) as con:
        return due(con, schedule, as_of)


def apply_retention(warehouse: Path, schedule: Schedule, as_of: date, *, by: str, now: datetime) -> Erasure:
    """Erase what is due on ``as_of`` (recorded at ``now``), then delete the erased lists' folders."""
    with connect(warehouse) as con:
        erased = erase(con, schedule, as_of, actor=f"user:{by}", now=now)
        con.execute("CHECKPOINT")  # write the deletions into the database file, out of the WAL
    return Erasure(erased, remove_folders(erased))
