"""Publish out: the warehouse → the operational store's read model (the ``rm_*`` tables).

Everything is read from the warehouse first, then written to the store in one transaction, so the
web app sees the old read model or the new one, never half of each. List entries are copied once per
run (a run's entries never change), and deleted from the store when retention erases them in the
warehouse; pending identity pairs are added and dropped as the queue changes (reading the new pairs'
registrations is audited, so each pair is read once); the other tables are small and replaced whole.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import duckdb
from sqlalchemy import Connection, Table, delete, select, update

from pipelines.console.sync.list_rows import Row, departure_rows, entry_rows, run_rows
from pipelines.console.sync.state_rows import (
    decision_rows,
    health_rows,
    model_rows,
    pair_rows,
    pending_pairs,
)
from pipelines.console.sync.trial_rows import allocation_rows
from pipelines.opstore.engine import Store
from pipelines.opstore.read_tables import (
    SMALL_TABLES,
    rm_allocation,
    rm_decision,
    rm_departure,
    rm_entry,
    rm_entry_tag,
    rm_model,
    rm_model_status,
    rm_pair,
    rm_pair_person,
    rm_refresh,
    rm_run,
)
from pipelines.opstore.schema import metadata
from pipelines.timing import Stopwatch

log = logging.getLogger(__name__)
CHUNK = 5_000
"""Rows per executemany: large enough to be fast, small enough to keep PostgreSQL's packets modest."""


@dataclass(frozen=True)
class Published:
    """What one publish copied."""

    runs: int  # list runs in the read model
    runs_added: int  # of which new this time
    entries_added: int
    runs_erased: int  # runs whose entries were dropped because retention erased them
    decisions: int
    pairs: int  # pending identity pairs
    pairs_added: int
    models: int
    seconds: dict[str, float]
    allocations: int = 0  # trial allocations (their arms shown only to roles not concealed)


def publish(con: duckdb.DuckDBPyConnection, store: Store, *, now: datetime, by: str) -> Published:
    """Copy the warehouse's lists, decisions, pending pairs, models, trial allocations and data health
    into the store.

    Args:
        con: the warehouse (read; reading a newly queued pair's registrations is audited there).
        store: the operational store.
        now: when (stamped on the read model, and on the audit events of pairs read).
        by: who or what publishes, as the audit log names actors (``user:NAME``, ``flow:NAME``).

    Returns:
        The counts copied and the time each part took.
    """
    watch = Stopwatch()
    with watch.lap("read the store"), store.engine.connect() as conn:
        have_entries = {r for (r,) in conn.execute(select(rm_entry.c.run_id).distinct())}
        have_pairs = {p for (p,) in conn.execute(select(rm_pair.c.pair_id))}
    with watch.lap("read the lists"):
        runs = run_rows(con)
        fresh = [r for r in runs if not r["erased"] and r["run_id"] not in have_entries]
        entries: list[Row] = []
        tags: list[Row] = []
        departures: list[Row] = []
        for run in fresh:
            rows, run_tags = entry_rows(con, run)
            entries += rows
            tags += run_tags
            departures += departure_rows(con, int(run["run_id"]))
        erased = [int(r["run_id"]) for r in runs if r["erased"] and r["run_id"] in have_entries]
    with watch.lap("read the rest"):
        decisions = decision_rows(con)
        pending = pending_pairs(con)
        new_pairs = sorted(set(pending) - have_pairs)
        pairs, pair_people = pair_rows(con, pending, new_pairs, by=by, now=now)
        found_models, statuses = model_rows(con)
        health = health_rows(con, now.date())
        allocations = allocation_rows(con)
    with watch.lap("write the store"), store.engine.begin() as conn:
        _replace_runs(conn, runs)
        for run_id in erased:
            for table in (rm_entry, rm_entry_tag, rm_departure):
                conn.execute(delete(table).where(table.c.run_id == run_id))
        _insert(conn, rm_entry, entries)
        _insert(conn, rm_entry_tag, tags)
        fresh_ids = [int(r["run_id"]) for r in fresh]
        conn.execute(delete(rm_departure).where(rm_departure.c.run_id.in_(fresh_ids)))
        _insert(conn, rm_departure, departures)
        gone = sorted(have_pairs - set(pending))
        for table in (rm_pair, rm_pair_person):
            conn.execute(delete(table).where(table.c.pair_id.in_(gone)))
        _insert(conn, rm_pair, pairs)
        _insert(conn, rm_pair_person, pair_people)
        for table in SMALL_TABLES:
            conn.execute(delete(table))
        _insert(conn, rm_decision, decisions)
        _insert(conn, rm_model, found_models)
        _insert(conn, rm_model_status, statuses)
        _insert(conn, rm_allocation, allocations)
        for name, rows in health.items():
            _insert(conn, metadata.tables[name], rows)
        _insert(conn, rm_refresh, [{"refresh_id": 1, "refreshed_at": now, "refreshed_by": by}])
    published = Published(
        len(runs), len(fresh), len(entries), len(erased), len(decisions), len(pending), len(new_pairs),
        len(found_models), watch.laps, len(allocations),
    )  # fmt: skip
    log.info(
        "read model published: %d runs (%d new, %d entries), %d decisions, %d pairs, %d models",
        published.runs, published.runs_added, published.entries_added, published.decisions,
        published.pairs, published.models,
    )  # fmt: skip
    return published


def _replace_runs(conn: Connection, runs: list[Row]) -> None:
    """Insert new runs and update the others (a run's status changes when a later one supersedes it)."""
    have = {r for (r,) in conn.execute(select(rm_run.c.run_id))}
    columns = [c.name for c in rm_run.columns]
    rows = [{c: r[c] for c in columns} for r in runs]
    _insert(conn, rm_run, [r for r in rows if r["run_id"] not in have])
    for row in rows:
        if row["run_id"] in have:
            changed = {k: v for k, v in row.items() if k != "run_id"}
            conn.execute(update(rm_run).where(rm_run.c.run_id == row["run_id"]).values(**changed))
    wanted = [r["run_id"] for r in rows]
    for table in (rm_run, rm_entry, rm_entry_tag, rm_departure):
        conn.execute(delete(table).where(table.c.run_id.not_in(wanted)))


def _insert(conn: Connection, table: Table, rows: list[Row]) -> None:
    """Bulk insert (executemany), in chunks."""
    for start in range(0, len(rows), CHUNK):
        conn.execute(table.insert(), rows[start : start + CHUNK])
