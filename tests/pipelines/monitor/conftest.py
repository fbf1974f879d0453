"""The monitoring tests' world: a small world whose extracts reach back past the model's test window,
with a model trained and approved and weekly runs drawn up on its test as_of (built once for the package)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import pytest

from pipelines.ingest.run import run_ingest
from pipelines.link.run import run_link
from pipelines.train.run import TrainResult, run_training
from pipelines.warehouse.connection import connect
from pipelines.warehouse.model_registry import set_status
from pipelines.weekly.run import WeeklyResult, run_weekly
from tests.clock import test_clock
from tests.conftest import SMALL, make_world
from tests.pipelines.cli.test_cli_model import small_settings

NOW = datetime(2026, 11, 16, 9)
GATES = "a past list for monitoring: the sources were fresh then"


@dataclass(frozen=True)
class Monitored:
    """The small world with a model approved and weekly runs on its test as_of."""

    folder: Path
    warehouse: Path
    trained: TrainResult
    rules_alone: WeeklyResult
    first: WeeklyResult
    again: WeeklyResult  # the same as_of drawn up again: it supersedes ``first``


def weekly(warehouse: Path, as_of: date, folder: Path, hour: int) -> WeeklyResult:
    return run_weekly(
        warehouse, as_of, now=datetime(2026, 11, 16, hour), by="tester", lists_dir=folder / "lists",
        key_file=folder / "key", despite_failed_gates=GATES,
    )  # fmt: skip


@pytest.fixture(scope="package")
def monitored(tmp_path_factory: pytest.TempPathFactory) -> Monitored:
    """Weekly deliveries for 60 weeks (the shared small world has 12), so the extracts reach back past
    the model's test as_of (a year before the data end) and a list may be drawn up on it."""
    folder = tmp_path_factory.mktemp("monitor")
    make_world(replace(SMALL, increment_weeks=60), folder / "world")
    warehouse = folder / "warehouse.duckdb"
    run_ingest(folder / "world" / "landing", warehouse, date(2026, 11, 16), clock=test_clock())
    run_link(warehouse, clock=test_clock())
    settings = small_settings(folder)
    trained = run_training(
        warehouse, folder / "models", clock=test_clock(), settings_file=settings, by="test"
    )
    rules_alone = weekly(warehouse, trained.split.test, folder, 5)
    with connect(warehouse) as con:
        set_status(con, trained.version, "approved", "demo", "synthetic world: to test monitoring", NOW)
    first = weekly(warehouse, trained.split.test, folder, 6)
    again = weekly(warehouse, trained.split.test, folder, 7)
    return Monitored(folder, warehouse, trained, rules_alone, first, again)
