"""Shared fixtures: small synthetic worlds generated once per test session."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from tests.clock import test_clock

pytest_plugins = ["tests.servers"]

# keep Prefect's home (and its database) inside the project, never under ~
os.environ.setdefault("PREFECT_HOME", str(Path(__file__).resolve().parents[1] / ".prefect"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from pipelines.world.write import generate_world  # noqa: E402
from synth.params import WorldParams  # noqa: E402

SMALL = WorldParams(residents=6_000, seed=7)
FUTURE = replace(SMALL, future_weeks=8)
"""The small world with 8 weeks of future withheld (its landing ends on the same day)."""


def quiet_stage(description: str, total: int) -> Callable[[int], None]:
    return lambda n: None


def make_world(params: WorldParams, out: Path) -> dict[str, object]:
    return generate_world(params, out, quiet_stage)


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    """A 6,000-resident world (about 2,400 people simulated in detail)."""
    out = tmp_path_factory.mktemp("world")
    return out, make_world(SMALL, out)


@pytest.fixture(scope="session")
def future_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small world with 8 weeks of future (never advanced: copy it first)."""
    out = tmp_path_factory.mktemp("future") / "world"
    make_world(FUTURE, out)
    return out


@pytest.fixture(scope="session")
def ingested(small_world: tuple[Path, dict[str, object]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small world's warehouse after one ingest (do not write to it: copy it)."""
    from pipelines.ingest.run import run_ingest

    warehouse = tmp_path_factory.mktemp("ingested") / "warehouse.duckdb"
    run_ingest(small_world[0] / "landing", warehouse, date(2026, 11, 16), clock=test_clock())
    return warehouse


@pytest.fixture(scope="session")
def linked(ingested: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small world's warehouse after one ingest and one linkage run (do not write to it)."""
    from pipelines.link.run import run_link
    from tests.warehouses import copy_warehouse

    warehouse = copy_warehouse(ingested, tmp_path_factory.mktemp("linked"))
    run_link(warehouse, clock=test_clock())
    return warehouse
