"""Which warehouse rows a retention class has past its period: counted, or erased with their loads'
erased counts kept (governance/retention.py holds the schedule). Raw rows live in Parquet files
(pipelines.warehouse.raw_files): erasing them rewrites each file that holds any."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from data_contracts.contract import Contract
from governance.retention import RecordClass, cutoff
from pipelines.warehouse.queries import quote, sql
from pipelines.warehouse.raw_files import erase_raw_rows


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


def keep_keys_sql(keys: str, contract: Contract, event_column: str | None) -> str:
    """CREATE the temp table ``keys`` holding one extract's keys dated before ``$cutoff``."""
    return f"CREATE OR REPLACE TEMP TABLE {quote(keys)} AS {extract_keys_sql(contract, event_column)}"


def drop_keys_sql(keys: str) -> str:
    """DROP the temp table ``keys`` if it is there."""
    return f"DROP TABLE IF EXISTS {quote(keys)}"


def matched_keys_sql(keys: str) -> str:
    """The condition (on alias ``t``) that a row's (load_id, row_number) is in the temp table ``keys``."""
    return (
        f"EXISTS (SELECT 1 FROM {quote(keys)} k WHERE k.load_id = t.load_id AND k.row_number = t.row_number)"
    )


def count_due_sql(table: str, condition: str) -> str:
    """COUNT the rows of ``table`` (alias ``t``) that meet ``condition``."""
    return f"SELECT count(*) FROM {table} t WHERE {condition}"


def delete_due_sql(table: str, condition: str) -> str:
    """DELETE the rows of ``table`` (alias ``t``) that meet ``condition``."""
    return f"DELETE FROM {table} t WHERE {condition}"


def due_per_load_sql(table: str, condition: str) -> str:
    """COUNT the rows of ``table`` (alias ``t``) that meet ``condition``, per load."""
    return f"SELECT load_id, count(*) FROM {table} t WHERE {condition} GROUP BY load_id"


LIST_RUNS = "t.run_id IN (SELECT run_id FROM lists.run WHERE as_of < $cutoff)"
DECIDED = "t.decided_on < $cutoff"
REPLACED = (
    "t.replaced_by IN (SELECT run_id FROM link.run "
    "WHERE CAST(coalesce(finished_at, started_at) AS DATE) < $cutoff)"
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
                    keep_keys_sql(keys, contract, event),
                    dated | ({"format": contract.date_format} if event else {}),
                )
                made.append(keys)
                matched = matched_keys_sql(keys)
                targets += [(f"{layer}.{source}", matched, {}) for layer in ("raw", "staging", "quarantine")]
            yield targets
        elif record_class.kind == "lists":
            yield [("lists.entry", LIST_RUNS, dated), ("lists.departure", LIST_RUNS, dated)]
        elif record_class.kind == "decisions":
            yield [("review.decision", DECIDED, dated)]
        else:
            yield [("link.person_history", REPLACED, dated), ("link.xref_history", REPLACED, dated)]
    finally:
        for keys in made:
            con.execute(drop_keys_sql(keys))


def class_due(
    con: duckdb.DuckDBPyConnection, record_class: RecordClass, as_of: date, contracts: Mapping[str, Contract],
    erase: bool, now: datetime | None = None,
) -> Due:  # fmt: skip
    """What one class has past its period on ``as_of``; with ``erase``, its rows are deleted and its list
    runs marked erased at ``now`` (inside the caller's transaction)."""
    cut = cutoff(as_of, record_class.keep_years)
    rows = {}
    with _targets(con, record_class, cut, contracts) as targets:
        for table, condition, parameters in targets:
            counted = con.execute(count_due_sql(table, condition), parameters).fetchall()
            rows[table] = int(counted[0][0])
            if erase:
                if record_class.kind == "extracts":
                    _count_erased(con, table, condition, parameters)
                layer, _, source = table.partition(".")
                if record_class.kind == "extracts" and layer == "raw":  # Parquet files: rewritten
                    erase_raw_rows(con, source, condition, parameters)
                else:
                    con.execute(delete_due_sql(table, condition), parameters)
    if record_class.kind != "lists":
        return Due(record_class, cut, rows)
    found = con.execute(sql("govern/list_runs_before"), [cut]).fetchall()
    runs = tuple(run_id for run_id, _, _, fresh in found if fresh)
    folders = tuple(Path(folder) for _, _, folder, _ in found if Path(folder).is_dir())
    files = sum(1 for folder in folders for path in folder.rglob("*") if path.is_file())
    if erase and runs:
        con.execute(sql("govern/mark_runs_erased"), [now, list(runs)])
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
    erased = con.execute(due_per_load_sql(table, condition), parameters).fetchall()
    for load_id, rows in erased:
        counts = {"raw": 0, "staged": 0, "quarantined": 0} | {ERASED_COLUMN[layer]: int(rows)}
        con.execute(sql("ingest/record_erased"), {"load_id": load_id, **counts})
