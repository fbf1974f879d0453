"""The trial rehearsal on the small world with a future: three weekly cycles of advance, ingest, link,
list, decide and allocate, then two weeks of follow-up; and the seeded panel's decisions."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from pipelines.ingest.run import run_ingest
from pipelines.link.run import run_link
from pipelines.trial.rehearsal import (
    REVIEWER,
    UNDECIDED_SCHEMA,
    Panel,
    Week,
    draw_seed,
    monday_clock,
    panel_decisions,
    rehearse,
)
from pipelines.trial.verify import verify_allocations
from pipelines.warehouse.audit_chain import checkpoint_path, verify
from tests.conftest import FUTURE
from tests.warehouses import query

START = FUTURE.end_date
WEEKS, FOLLOW_UP = 3, 2


@pytest.fixture(scope="module")
def rehearsed(future_world: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Week]]:
    """A copy of the future world, ingested and linked on START, after the rehearsal (seed 1)."""
    run = tmp_path_factory.mktemp("rehearsal")
    world, warehouse = run / "world", run / "warehouse.duckdb"
    shutil.copytree(future_world, world)
    run_ingest(world / "landing", warehouse, START, clock=monday_clock(START))
    run_link(warehouse, clock=monday_clock(START))
    weeks = rehearse(
        world, warehouse, START, WEEKS, seed=1, follow_up_weeks=FOLLOW_UP, lists_dir=run / "lists"
    )
    return run, weeks


def test_each_week_lists_decides_and_allocates_on_its_own_monday(rehearsed: tuple[Path, list[Week]]) -> None:
    run, weeks = rehearsed
    warehouse = run / "warehouse.duckdb"
    assert [w.as_of for w in weeks] == [START + timedelta(weeks=n) for n in range(WEEKS)]
    assert len({w.list_run_id for w in weeks}) == WEEKS
    assert all(w.listed > 0 for w in weeks)
    assert weeks[0].decided > 0 and weeks[0].suitable > 0
    assert set(weeks[0].seconds) == {"list", "decide", "allocate"}
    assert set(weeks[1].seconds) == {"advance", "ingest", "link", "list", "decide", "allocate"}
    # the panel decided through the reviewers' route, on the week's own list
    decided = query(
        warehouse,
        f"SELECT count(*), count(DISTINCT run_id) FROM review.decision WHERE reviewer = '{REVIEWER}'",
    )[0]
    assert decided == (sum(w.decided for w in weeks), sum(w.decided > 0 for w in weeks))
    # every allocation the weeks report is in the warehouse, nobody twice, the arms balanced by stratum
    allocated = sum(sum(w.allocated.values()) for w in weeks)
    rows = query(warehouse, "SELECT person_id, stratum, arm FROM trial.allocation")
    assert len(rows) == allocated > 0
    assert len({person for person, _, _ in rows}) == allocated
    strata = pl.DataFrame(rows, schema=["person_id", "stratum", "arm"], orient="row")
    by_arm = strata.pivot("arm", index="stratum", values="person_id", aggregate_function="len").fill_null(0)
    assert (by_arm["programme"] - by_arm["control"]).abs().max() <= 1  # type: ignore[operator]


def test_the_world_advances_with_the_allocations_and_the_warehouse_loads_each_week(
    rehearsed: tuple[Path, list[Week]],
) -> None:
    run, _ = rehearsed
    world, warehouse = run / "world", run / "warehouse.duckdb"
    newest = query(warehouse, "SELECT max(extract_date) FROM meta.load WHERE status = 'loaded'")[0][0]
    assert newest == START + timedelta(weeks=WEEKS - 1 + FOLLOW_UP)
    # the world saw every allocation the warehouse made: its truth holds their arms
    truth = pl.read_parquet(world / "ground_truth" / "treatment.parquet")
    allocations = dict(query(warehouse, "SELECT allocation_id, arm FROM trial.allocation"))
    seen = dict(truth.select("allocation_id", "arm").unique().iter_rows())
    assert seen.items() <= {str(k): v for k, v in allocations.items()}.items() and seen
    # and every draw can be made again from its commitment; the audit chain holds
    assert verify_allocations(warehouse).problems == []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert verify(con, checkpoint_path(warehouse), monday_clock(date(2027, 1, 4))()).intact


def test_the_seeded_panel_assesses_in_rank_order_and_is_reproducible() -> None:
    undecided = pl.DataFrame(
        {"person_id": range(1, 1001), "rank": range(1000, 0, -1), "route": ["rule", "model"] * 500},
        schema=UNDECIDED_SCHEMA,
    )
    panel = Panel(assess_per_week=400, suitable_share=0.6, model_suitable_share=0.2, defer_share=0.1)
    first = panel_decisions(undecided, panel, np.random.default_rng(5))
    again = panel_decisions(undecided, panel, np.random.default_rng(5))
    assert first.equals(again)
    assert first.height == 400
    assert first["person_id"].to_list() == list(range(1000, 600, -1))  # the best ranked first
    shares = (
        first.join(undecided, on="person_id")
        .group_by("route")
        .agg(
            (pl.col("decision") == "accept").mean().alias("accept"),
            (pl.col("decision") == "defer").mean().alias("defer"),
        )
    )
    accept = dict(shares.select("route", "accept").iter_rows())
    assert accept["rule"] == pytest.approx(0.6, abs=0.08)
    assert accept["model"] == pytest.approx(0.2, abs=0.08)
    assert draw_seed(1, START) != draw_seed(2, START) and len(draw_seed(1, START)) == 32
