"""Writing a draw: the commitment (committed before the draw is made), then the draw, its pool, its
allocations and the records each person held, in one transaction; and abandoning a commitment whose
draw never came (a run stopped between the two)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import polars as pl

from lists.trial_settings import TrialSettings
from pipelines.trial.allocate_pool import RECORDS_SCHEMA, ListDrawn, with_people
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.audit_chain import head
from pipelines.warehouse.queries import insert_frame, sql, transaction

PURPOSE = "randomised allocation to the programme (trial)"


@dataclass(frozen=True)
class Commitment:
    """What is committed before a draw: the hashes of its pool, seed and settings, and its places."""

    as_of: date
    list_run_id: int
    places: int
    pool_size: int
    pool_hash: str
    seed_hash: str
    settings_hash: str

    def detail(self, trial: str) -> str:
        """The audit event's detail: every hash, no person (verify finds each in it)."""
        return (
            f"trial '{trial}': commitment to the draw for the list of {self.as_of:%d/%m/%Y}: pool of "
            f"{self.pool_size} (pool sha256 {self.pool_hash}), {self.places} places, seed sha256 "
            f"{self.seed_hash}, settings sha256 {self.settings_hash}"
        )


def abandon_pending(con: duckdb.DuckDBPyConnection, *, now: datetime, by: str) -> int:
    """Record every commitment with no draw as abandoned, each with an audit event; how many."""
    pending = con.execute(sql("trial/pending_commitments")).fetchall()
    for event_id, as_of, pool_size in pending:
        with transaction(con):
            audit.record(
                con, f"user:{by}", "trial_abandoned",
                f"the commitment of event {event_id} (the draw for the list of {as_of:%d/%m/%Y}, pool of "
                f"{pool_size}) has no draw: the run stopped between the two; abandoned, its seed never used",
                at=now, purpose=PURPOSE,
            )  # fmt: skip
            con.execute(
                sql("trial/abandon_commitment"),
                {"at": now, "event_id": _head_id(con), "commitment_event_id": event_id},
            )
    return len(pending)


def commit(
    con: duckdb.DuckDBPyConnection, commitment: Commitment, settings: TrialSettings, *, now: datetime, by: str
) -> int:
    """Write the commitment and its audit event, and COMMIT them; the event's id.

    The draw is made only after this returns, so the chain holds the commitment before the draw.
    """
    with transaction(con):
        audit.record(
            con, f"user:{by}", "trial_commitment", commitment.detail(settings.name), at=now, purpose=PURPOSE,
            sha256=commitment.pool_hash, rows=commitment.pool_size,
        )  # fmt: skip
        event_id = _head_id(con)
        con.execute(
            sql("trial/insert_commitment"),
            {
                "commitment_event_id": event_id, "trial": settings.name, "as_of": commitment.as_of,
                "list_run_id": commitment.list_run_id, "places": commitment.places,
                "pool_size": commitment.pool_size, "pool_hash": commitment.pool_hash,
                "seed_hash": commitment.seed_hash, "settings_hash": commitment.settings_hash,
                "committed_at": now, "committed_by": by,
            },
        )  # fmt: skip
    return event_id


@dataclass(frozen=True)
class Drawn:
    """A draw to store: its commitment, list, seed, pool and allocations."""

    commitment: Commitment
    commitment_event_id: int
    listed: ListDrawn
    seed: bytes
    pool: pl.DataFrame  # lists.trial_pool.POOL_SCHEMA
    allocations: pl.DataFrame  # lists.trial_draw.ALLOCATION_SCHEMA


def store_draw(
    con: duckdb.DuckDBPyConnection, drawn: Drawn, settings: TrialSettings, *, now: datetime, by: str
) -> tuple[int, int]:
    """Store the draw (revealing its seed), its pool, allocations and the records each person holds,
    and its audit event, in one transaction. Returns (draw id, allocation records stored)."""
    c = drawn.commitment
    arms = dict(drawn.allocations.group_by("arm").len().iter_rows())
    with transaction(con):
        draw_id, first = (int(v) for v in con.execute(sql("trial/next_ids")).fetchall()[0])
        audit.record(
            con, f"user:{by}", "trial_draw",
            f"trial '{settings.name}': draw {draw_id} for the list of {c.as_of:%d/%m/%Y} (commitment event "
            f"{drawn.commitment_event_id}): {arms.get('programme', 0)} programme, {arms.get('control', 0)} "
            f"control of a pool of {c.pool_size}; seed revealed {drawn.seed.hex()}",
            at=now, purpose=PURPOSE, sha256=c.pool_hash, rows=drawn.allocations.height,
        )  # fmt: skip
        draw = pl.DataFrame(
            [{
                "draw_id": draw_id, "trial": settings.name, "as_of": c.as_of, "list_run_id": c.list_run_id,
                "link_run": drawn.listed.link_run, "settings_hash": c.settings_hash,
                "settings": settings.canonical, "places": c.places, "pool_size": c.pool_size,
                "pool_hash": c.pool_hash, "seed_hash": c.seed_hash,
                "commitment_event_id": drawn.commitment_event_id, "seed": drawn.seed.hex(), "drawn_at": now,
                "drawn_by": by, "draw_event_id": _head_id(con),
            }]
        )  # fmt: skip
        insert_frame(con, "trial.draw", draw)
        insert_frame(con, "trial.pool", drawn.pool.with_columns(pl.lit(draw_id).alias("draw_id")))
        allocations = drawn.allocations.with_row_index("allocation_id", offset=first).with_columns(
            pl.col("allocation_id").cast(pl.Int32),
            pl.lit(draw_id).alias("draw_id"),
            pl.lit(now.date()).alias("allocated_on"),
        )
        insert_frame(con, "trial.allocation", allocations)
        held = with_people(con, allocations.select("person_id"), "trial/held_records", RECORDS_SCHEMA)
        ids = allocations.select("person_id", "allocation_id")
        records = held.join(ids, on="person_id").drop("person_id")
        insert_frame(con, "trial.allocation_record", records)
        con.execute(sql("trial/mark_drawn"), {"commitment_event_id": drawn.commitment_event_id})
    return draw_id, records.height


def _head_id(con: duckdb.DuckDBPyConnection) -> int:
    """The id of the event just recorded (the head of the log)."""
    found = head(con)
    assert found is not None, "an event was just recorded"
    return found[0]
