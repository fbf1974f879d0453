"""Power before the trial on the small linked world: the pool is the people the rules put forward at
past dates whose futures are known, each future equals a direct count from staging, and the command
writes the minimum detectable effect owner-only."""

from __future__ import annotations

import json
import stat
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from models.split import add_months
from pipelines.cli import app
from pipelines.trial.outcomes import EvaluationRefused
from pipelines.trial.power import pool_dates, pool_futures, trial_power
from tests.pipelines.trial.test_evaluation import direct_count
from tests.warehouses import copy_warehouse

DATA_END = date(2026, 11, 16)  # the small world's newest extract


@pytest.fixture(scope="module")
def warehouse(linked: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_warehouse(linked, tmp_path_factory.mktemp("power"))


def test_the_pool_dates_leave_the_whole_follow_up_before_the_data_end() -> None:
    dates = pool_dates(DATA_END, 12, None)
    assert dates[-1] == date(2025, 11, 17) and dates[-1].weekday() == 0  # a year and a day before the end
    assert [b - a for a, b in zip(dates, dates[1:], strict=False)] == [timedelta(weeks=13)] * 3
    assert add_months(dates[-1], 12) <= DATA_END + timedelta(days=1)
    assert pool_dates(date(2026, 11, 18), 12, None)[-1] == date(2025, 11, 17)  # back to a Monday
    assert pool_dates(DATA_END, 6, date(2026, 1, 5))[-1] == date(2026, 1, 5)
    with pytest.raises(EvaluationRefused, match="--as-of 2026-06-01: its 12-month future runs past"):
        pool_dates(DATA_END, 12, date(2026, 6, 1))


def test_each_pool_rows_future_equals_a_direct_count(warehouse: Path) -> None:
    future, data_end, dates = pool_futures(warehouse, 12, None)
    assert data_end == DATA_END and future.height > 20
    assert set(future["as_of"]) <= set(dates)
    harm = future.with_columns(pl.col("weights").list.sum().alias("harm")).sort("harm", descending=True)
    for row in harm.head(3).iter_rows(named=True):
        expected, _ = direct_count(
            warehouse, row["person_id"], row["as_of"], add_months(row["as_of"], 12), data_end
        )
        assert row["harm"] == pytest.approx(expected) and expected > 0


def test_the_command_writes_the_minimum_detectable_effect(warehouse: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["trial", "power", "--warehouse", str(warehouse), "--capacity", "45", "--follow-up-months", "12",
         "--simulations", "100", "--permutations", "499", "--out", str(tmp_path)],
        env={"COHORT_NOW": "2026-11-20T10:00:00"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "minimum detectable effect with 45 per arm over 12 months" in result.output
    document = json.loads((tmp_path / "power-45-12m.json").read_text())
    assert document["capacity_per_arm"] == 45 and len(document["curve"]) == 20
    mde = document["minimum_detectable_reduction"]
    assert mde is None or 0 < mde <= 0.95
    for name in ("power-45-12m.json", "power-45-12m.html"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600


def test_a_trial_too_small_is_refused(warehouse: Path, tmp_path: Path) -> None:
    with pytest.raises(EvaluationRefused, match="--capacity of at least 2"):
        trial_power(warehouse, 1, 12, tmp_path, now=datetime(2026, 11, 20))
