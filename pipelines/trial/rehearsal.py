"""Rehearse a trial on a synthetic world: weekly cycles of advance, ingest, link, list, decide and allocate.

A partnership that plans a randomised trial can rehearse it first on the synthetic world: the world
continues week by week (``cohort synth advance``), the programme's planted effect acting on the people
allocated to it, and every week the real pipeline ingests the new extracts, links them, draws up the
list, a seeded reviewer stands in for the panel, and the real allocator randomises the people found
suitable. Nothing here reads the world's ground truth: the world's own advance is the only part that
knows who anyone really is, as in life.

One week's cycle, for the Monday ``as_of``:

1. (after the first week) the allocations so far are exported and the world advances one week with
   them; the week's files are ingested and linked;
2. the weekly list for ``as_of`` is drawn up and published;
3. the seeded reviewer records decisions on the people the panel would assess this week;
4. the allocator randomises the people found suitable into the places free.

The clock is the rehearsal's: each cycle runs at 07:00 on its Monday, an hour after the week's files
land (a fixed clock, so a rehearsal is reproducible whatever day it runs).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from pipelines.clock import Clock, fixed_clock
from pipelines.files import private_folder
from pipelines.ingest.run import run_ingest
from pipelines.link.run import run_link
from pipelines.timing import Stopwatch
from pipelines.trial.allocate import run_allocation
from pipelines.trial.export import export_allocation
from pipelines.warehouse.connection import connect
from pipelines.warehouse.queries import read_frame, sql
from pipelines.weekly.decisions import ROWS_SCHEMA, listed_run, record_decisions
from pipelines.weekly.run import run_weekly
from pipelines.world.advance import advance_world

REVIEWER = "seeded-reviewer"
UNDECIDED_SCHEMA = pl.Schema({"person_id": pl.Int64(), "rank": pl.Int32(), "route": pl.String()})


@dataclass(frozen=True)
class Panel:
    """How the seeded reviewer stands in for the panel.

    Each week the panel assesses, in rank order, up to ``assess_per_week`` listed people it has not
    decided on (or deferred); each is found suitable (``accept``) with probability ``suitable_share``
    when a rule put them on the list and ``model_suitable_share`` when the model alone did, deferred
    with probability ``defer_share``, and otherwise declined.
    """

    assess_per_week: int = 60
    suitable_share: float = 0.6
    model_suitable_share: float = 0.3
    defer_share: float = 0.1


@dataclass(frozen=True)
class Week:
    """What one cycle did, and how long each step took (seconds)."""

    as_of: date
    list_run_id: int
    listed: int
    decided: int
    suitable: int
    allocated: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)


def monday_clock(as_of: date) -> Clock:
    """The rehearsal's clock for the cycle of ``as_of``: 07:00 that Monday (the week's files land at
    06:00), one second per reading."""
    return fixed_clock(datetime.combine(as_of, clock_time(7)), step=timedelta(seconds=1))


def draw_seed(seed: int, as_of: date) -> bytes:
    """The allocation seed of the draw on ``as_of`` in a rehearsal seeded ``seed`` (32 bytes)."""
    return hashlib.sha256(f"cohort rehearsal {seed} {as_of.isoformat()}".encode()).digest()


def panel_decisions(undecided: pl.DataFrame, panel: Panel, rng: np.random.Generator) -> pl.DataFrame:
    """The seeded panel's decisions on the undecided people (UNDECIDED_SCHEMA), in rank order.

    Returns:
        person_id and decision, for the first ``panel.assess_per_week`` by rank.
    """
    assessed = undecided.sort("rank").head(panel.assess_per_week)
    u = rng.random(assessed.height)
    suitable = np.where(
        assessed["route"].to_numpy() == "model", panel.model_suitable_share, panel.suitable_share
    )
    decision = np.where(
        u < suitable, "accept", np.where(u < suitable + panel.defer_share, "defer", "decline")
    )
    return assessed.select("person_id").with_columns(pl.Series("decision", decision, dtype=pl.String))


def record_panel(
    con: duckdb.DuckDBPyConnection, run_id: int, as_of: date, panel: Panel, rng: np.random.Generator,
    now: datetime,
) -> pl.DataFrame:  # fmt: skip
    """Decide on this week's undecided listed people as the seeded panel, through the reviewers' route.

    Returns:
        The decisions recorded (person_id, decision).
    """
    undecided = read_frame(con, sql("trial/rehearsal_undecided"), UNDECIDED_SCHEMA, {"run_id": run_id})
    decided = panel_decisions(undecided, panel, rng)
    if decided.height == 0:
        return decided
    rows = (
        decided.with_row_index("row", offset=1)
        .with_columns(
            pl.col("row").cast(pl.Int64),
            pl.lit("rehearsal: the seeded panel's decision").alias("reason"),
            pl.lit(REVIEWER).alias("reviewer"),
            pl.lit(None, dtype=pl.String).alias("pathway"),
            pl.lit(now).alias("decided_at"),
        )
        .select(list(ROWS_SCHEMA))
    )
    record_decisions(
        con, listed_run(con, run_id), rows, decided_on=as_of, source="the rehearsal's seeded panel",
        actor=f"user:{REVIEWER}", now=now,
    )  # fmt: skip
    return decided


def advance_and_load(
    world: Path, warehouse: Path, as_of: date, weeks: int, effect: Path | None, watch: Stopwatch
) -> None:
    """Export the allocations, advance the world ``weeks`` to ``as_of`` with them, ingest and link."""
    clock = monday_clock(as_of)
    allocations = private_folder(world / "allocations")
    with watch.lap("advance"):
        allocation = export_allocation(warehouse, allocations / f"allocation-{as_of.isoformat()}.csv")
        advance_world(world, weeks, allocation=allocation, effect=effect)
    with watch.lap("ingest"):
        run_ingest(world / "landing", warehouse, as_of, clock=clock)
    with watch.lap("link"):
        run_link(warehouse, clock=clock)


def rehearse_week(
    world: Path, warehouse: Path, as_of: date, *, first: bool, seed: int, panel: Panel,
    effect: Path | None, lists_dir: Path | None = None,
) -> Week:  # fmt: skip
    """One weekly cycle for the Monday ``as_of`` (see the module's docstring)."""
    watch = Stopwatch()
    if not first:
        advance_and_load(world, warehouse, as_of, 1, effect, watch)
    clock = monday_clock(as_of)
    with watch.lap("list"):
        listed = run_weekly(warehouse, as_of, now=clock(), by=REVIEWER, lists_dir=lists_dir)
    with watch.lap("decide"), connect(warehouse) as con:
        rng = np.random.default_rng(np.frombuffer(draw_seed(seed, as_of)[:16], dtype=np.uint32))
        decided = record_panel(con, listed.run_id, as_of, panel, rng, clock())
    with watch.lap("allocate"):
        allocated = run_allocation(warehouse, as_of, now=clock(), by=REVIEWER, seed=draw_seed(seed, as_of))
    return Week(
        as_of, listed.run_id, listed.entries, decided.height, int((decided["decision"] == "accept").sum()),
        dict(allocated.arms), watch.laps,
    )  # fmt: skip


def rehearse(
    world: Path, warehouse: Path, start: date, weeks: int, *, seed: int, panel: Panel = Panel(),
    effect: Path | None = None, follow_up_weeks: int = 0, lists_dir: Path | None = None,
    progress: Callable[[Week], None] = lambda week: None,
) -> list[Week]:  # fmt: skip
    """Run ``weeks`` weekly cycles from the Monday ``start``, then let ``follow_up_weeks`` more pass.

    Args:
        world: a world generated with a future (``cohort synth --future-weeks``) whose landing ends on
            ``start``, already ingested and linked into ``warehouse``, with an approved model.
        seed: seeds the panel and every draw (a rehearsal with the same seed is the same rehearsal).
        effect: the planted effect declaration the world applies (None: the world's default).
        follow_up_weeks: weeks the world advances after the last cycle (ingested and linked, no lists),
            so that the last allocations' outcomes are recorded.
        progress: called after each week.

    Returns:
        Each week's figures.
    """
    done: list[Week] = []
    for index in range(weeks):
        week = rehearse_week(
            world, warehouse, start + timedelta(weeks=index), first=index == 0, seed=seed, panel=panel,
            effect=effect, lists_dir=lists_dir,
        )  # fmt: skip
        done.append(week)
        progress(week)
    follow_up(world, warehouse, start + timedelta(weeks=weeks - 1), follow_up_weeks, effect)
    return done


def follow_up(world: Path, warehouse: Path, last: date, weeks: int, effect: Path | None) -> None:
    """Let ``weeks`` pass after the last cycle (on ``last``): the world advances with the allocations, and
    the weeks are ingested and linked (no lists), so that the last allocations' outcomes are recorded."""
    if weeks:
        advance_and_load(world, warehouse, last + timedelta(weeks=weeks), weeks, effect, Stopwatch())
