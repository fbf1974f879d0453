"""Writing one linkage run's results: only the rows that changed, counted, in one transaction.

Each link table is made to hold exactly this run's rows (pipelines.warehouse.queries.replace_rows):
a row that is gone or changed is deleted, a row that is new or changed is inserted, and an
unchanged row keeps the run that last wrote it. A run with nothing new writes no link rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import polars as pl

from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.queries import insert_frame, quote, replace_rows, transaction

FLOW_NAME = "link-identities"


@dataclass(frozen=True)
class LinkTables:
    """One run's rows for each link table it keeps."""

    registrations: pl.DataFrame  # link.registration
    persons: pl.DataFrame  # link.person
    xref: pl.DataFrame  # link.xref
    pairs: pl.DataFrame  # link.pair: scored pairs at or above the review threshold
    queue: pl.DataFrame  # link.review_pair, before its pair ids
    changes: pl.DataFrame  # link.id_change: this run's merges and splits (appended)


@dataclass(frozen=True)
class Written:
    """How many link rows a run inserted and deleted (a changed row counts once in each)."""

    inserted: int
    deleted: int


def pair_id(left: str, right: str) -> str:
    """A short, stable name for a pair of registrations (shown to reviewers; not an identifier)."""
    return hashlib.sha256(f"{left}\x00{right}".encode()).hexdigest()[:12]


def with_pair_ids(queue: pl.DataFrame) -> pl.DataFrame:
    """The review queue with each pair's id."""
    ids = [pair_id(left, right) for left, right in queue.select("registration_l", "registration_r").rows()]
    return queue.with_columns(pl.Series("pair_id", ids, dtype=pl.String))


def replace_counted(
    con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, key: tuple[str, ...],
    stamp: dict[str, object], history: str | None = None,
) -> Written:  # fmt: skip
    """replace_rows, counting the rows it inserted and deleted (from the table's size before and after)."""
    before = _size(con, table)
    inserted = replace_rows(con, table, frame, key, stamp, history=history)
    return Written(inserted, before + inserted - _size(con, table))


def _size(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def finish_run_sql(counts: dict[str, Any]) -> str:
    """UPDATE a link run (``$run_id``) as succeeded at ``$finished_at``, with each count bound by name."""
    assignments = ", ".join(f"{quote(name)} = ${name}" for name in counts)
    return (
        f"UPDATE link.run SET {assignments}, status = 'succeeded', finished_at = $finished_at "
        "WHERE run_id = $run_id"
    )


def write_link(
    con: duckdb.DuckDBPyConnection, run_id: str, tables: LinkTables, counts: dict[str, Any],
    finished_at: datetime,
) -> Written:  # fmt: skip
    """Write a run's rows (only those that changed) and finish its run record, in one transaction.

    Args:
        run_id: the run (each row it writes carries it).
        tables: the run's rows.
        counts: the run record's columns; rows_inserted and rows_deleted are added here.
        finished_at: when the run finished.

    Returns:
        The rows inserted and deleted across the link tables.
    """
    stamp: dict[str, object] = {"run_id": run_id}
    with transaction(con):
        written = [
            replace_counted(con, "link.registration", tables.registrations, ("registration",), stamp),
            replace_counted(con, "link.person", tables.persons, ("person_id",), stamp,
                            history="link.person_history"),
            replace_counted(con, "link.xref", tables.xref, ("source", "source_record_id"), stamp,
                            history="link.xref_history"),
            replace_counted(con, "link.pair", tables.pairs, ("registration_l", "registration_r"), stamp),
            # a queued pair keeps the run that first queued it while it waits
            replace_counted(con, "link.review_pair", with_pair_ids(tables.queue), ("pair_id",), stamp),
        ]  # fmt: skip
        if tables.changes.height:
            insert_frame(con, "link.id_change", tables.changes.with_columns(pl.lit(run_id).alias("run_id")))
        total = Written(
            sum(w.inserted for w in written) + tables.changes.height, sum(w.deleted for w in written)
        )
        counts = {**counts, "rows_inserted": total.inserted, "rows_deleted": total.deleted}
        con.execute(finish_run_sql(counts), {**counts, "finished_at": finished_at, "run_id": run_id})
        audit.record(
            con, f"flow:{FLOW_NAME}", "combine",
            f"link run {run_id} ({'increment' if counts['increment'] else 'full'}): {counts['records']} "
            f"records from loads {counts['load_ids']} linked into {counts['persons']} people; "
            f"{total.inserted} link rows inserted, {total.deleted} deleted",
            rows=counts["records"], at=finished_at,
        )  # fmt: skip
    return total
