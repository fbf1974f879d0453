"""Checking every draw after the fact (`cohort trial verify`), from what the warehouse kept.

For each draw: the pool recomputes to the committed pool hash, the revealed seed to the committed
seed hash, the stored settings to the committed settings hash; the draw made again from the pool,
places, settings and seed gives exactly the stored allocations; the commitment's audit event names
the same hashes and comes before the draw's event on the chain, which names the same seed. Across
draws, no source record belongs to two allocations (nobody drawn twice). Commitments with no draw
(a run stopped between the two) are listed. The chain itself is checked by `cohort audit verify`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from lists.trial_draw import ALLOCATION_SCHEMA, draw
from lists.trial_pool import POOL_SCHEMA, PoolError, pool_hash
from lists.trial_settings import TrialSettingsError, trial_settings_from_draw
from pipelines.warehouse.connection import connect
from pipelines.warehouse.queries import read_frame, sql


@dataclass(frozen=True)
class TrialVerification:
    """What verification found: draws and allocations checked, each problem, and commitments with no draw."""

    draws: int
    allocations: int
    problems: list[str] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)  # one line per commitment with no draw

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_allocations(warehouse: Path) -> TrialVerification:
    """Recompute and check every draw (see the module docstring); never changes the warehouse."""
    with connect(warehouse) as con:
        columns = ("draw_id", "trial", "as_of", "settings_hash", "settings", "places", "pool_size",
                   "pool_hash", "seed_hash", "commitment_event_id", "seed", "draw_event_id")  # fmt: skip
        draws = [dict(zip(columns, row, strict=True)) for row in con.execute(sql("trial/draws")).fetchall()]
        ids = [d["commitment_event_id"] for d in draws] + [d["draw_event_id"] for d in draws]
        events = {row[0]: row[1:] for row in con.execute(sql("trial/events_by_id"), {"ids": ids}).fetchall()}
        commitments = {row[0]: row for row in con.execute(sql("trial/commitments")).fetchall()}
        problems: list[str] = []
        allocations = 0
        for stored in draws:
            allocations += check_draw(con, stored, events, commitments, problems)
        twice = int(con.execute(sql("trial/allocated_twice")).fetchall()[0][0])
    if twice:
        problems.append(f"{twice} source records belong to more than one allocation: someone was drawn twice")
    abandoned = [
        f"commitment of event {event_id} for the list of {as_of:%d/%m/%Y} ({status}): no draw followed it"
        for event_id, _, as_of, *_, status, _ in commitments.values()
        if status != "drawn"
    ]
    return TrialVerification(len(draws), allocations, problems, abandoned)


def check_draw(
    con: duckdb.DuckDBPyConnection, stored: dict[str, Any], events: dict[int, tuple[Any, ...]],
    commitments: dict[int, tuple[Any, ...]], problems: list[str],
) -> int:  # fmt: skip
    """Check one draw, adding a line to ``problems`` for each fault; the allocations it holds."""
    where = f"draw {stored['draw_id']}"
    pool = read_frame(con, sql("trial/draw_pool"), POOL_SCHEMA, {"draw_id": stored["draw_id"]})
    kept = read_frame(con, sql("trial/draw_allocations"), ALLOCATION_SCHEMA, {"draw_id": stored["draw_id"]})
    problems.extend(f"{where}: {p}" for p in hash_problems(stored, pool))
    problems.extend(f"{where}: {p}" for p in event_problems(stored, events, commitments))
    seed = stored["seed"]
    try:
        settings = trial_settings_from_draw(stored["settings"], stored["draw_id"])
    except (TrialSettingsError, ValueError) as error:
        problems.append(f"{where}: its stored settings cannot be read again: {error}")
        return kept.height
    if seed is None:
        return kept.height
    again = draw(pool, stored["places"], settings, bytes.fromhex(seed))
    differ = again.join(kept, on=ALLOCATION_SCHEMA.names(), how="anti").height
    extra = kept.join(again, on=ALLOCATION_SCHEMA.names(), how="anti").height
    if differ or extra:
        arms = again.join(kept, on="person_id", suffix="_kept").filter(pl.col("arm") != pl.col("arm_kept"))
        problems.append(
            f"{where}: the stored allocations differ from the draw made again from its pool, places, "
            f"settings and seed ({differ} recomputed not stored, {extra} stored not recomputed; "
            f"{arms.height} arms changed)"
        )
    return kept.height


def hash_problems(stored: dict[str, Any], pool: pl.DataFrame) -> list[str]:
    """Where the pool, seed or settings do not hash to what was committed."""
    found = []
    if pool.height != stored["pool_size"]:
        found.append(f"its pool holds {pool.height} people, not the {stored['pool_size']} committed")
    try:
        if pool_hash(pool) != stored["pool_hash"]:
            found.append("its pool does not hash to the committed pool hash (the pool was changed)")
    except PoolError as error:
        found.append(f"{error}")
    if stored["seed"] is None:
        found.append("its seed was never revealed")
    elif hashlib.sha256(bytes.fromhex(stored["seed"])).hexdigest() != stored["seed_hash"]:
        found.append("its revealed seed does not hash to the committed seed hash")
    if hashlib.sha256(stored["settings"].encode("utf-8")).hexdigest() != stored["settings_hash"]:
        found.append("its stored settings do not hash to the committed settings hash")
    return found


def event_problems(
    stored: dict[str, Any], events: dict[int, tuple[Any, ...]], commitments: dict[int, tuple[Any, ...]]
) -> list[str]:
    """Where the commitment's and the draw's audit events disagree with the draw, or come out of order."""
    committed, drawn = stored["commitment_event_id"], stored["draw_event_id"]
    found = []
    commitment = events.get(committed)
    if commitment is None or commitment[0] != "trial_commitment":
        found.append(f"its commitment event {committed} is not in the audit log as a trial commitment")
    elif commitment[1] != stored["pool_hash"] or any(
        text not in (commitment[2] or "")
        for text in (stored["seed_hash"], stored["settings_hash"], f"{stored['places']} places")
    ):
        found.append(f"its commitment event {committed} names other hashes or places than the draw")
    event = events.get(drawn)
    if event is None or event[0] != "trial_draw":
        found.append(f"its draw event {drawn} is not in the audit log as a trial draw")
    elif stored["seed"] is not None and stored["seed"] not in (event[2] or ""):
        found.append(f"its draw event {drawn} names another seed")
    if drawn <= committed:
        found.append(f"its draw event {drawn} does not come after its commitment event {committed}")
    row = commitments.get(committed)
    if row is None or (row[3], *row[5:8]) != (
        stored["places"],
        stored["pool_hash"],
        stored["seed_hash"],
        stored["settings_hash"],
    ):
        found.append("its commitment record (trial.commitment) is missing or names other hashes")
    return found
