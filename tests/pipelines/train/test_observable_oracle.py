"""The observable oracle on the small world: cross-fitted, and between the model and the full oracle."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from models.evaluate import MODEL, OBSERVABLE_ORACLE, ORACLE
from pipelines.train.oracle import observable_risk, world_timeline
from pipelines.train.run import run_training
from tests.clock import test_clock
from tests.pipelines.cli.test_cli_model import small_settings
from tests.warehouses import copy_warehouse

World = tuple[Path, dict[str, object]]


def test_every_oracle_row_gets_an_out_of_fold_probability(small_world: World) -> None:
    observable = observable_risk(small_world[0])
    oracle = pl.read_parquet(small_world[0] / "ground_truth" / "oracle_risk.parquet").drop_nulls("p_true")
    assert observable.height == oracle.height
    assert observable["p_observable"].is_between(0, 1).all()
    # the records explain much of the true risk, never all of it
    correlation = observable.select(pl.corr("p_true", "p_observable")).item()
    assert 0.5 < correlation < 0.99


def test_a_world_without_its_manifest_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="give --world the folder `cohort synth` wrote"):
        world_timeline(tmp_path)


@pytest.mark.slow
def test_the_observable_oracle_is_between_the_model_and_the_oracle(
    small_world: World, linked: Path, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(linked, tmp_path)
    result = run_training(
        warehouse, tmp_path / "models", clock=test_clock(), world=small_world[0],
        settings_file=small_settings(tmp_path),
    )  # fmt: skip
    compared = result.evaluation.oracle
    assert compared is not None
    assert compared["model_auc"] < compared["observable_oracle_auc"] < compared["oracle_auc"]
    assert set(result.evaluation.metrics) >= {MODEL, ORACLE, OBSERVABLE_ORACLE}
    assert {"auc_vs_observable_oracle", "precision_at_45_vs_oracle", "ece"} <= set(result.evaluation.targets)
    report = (result.path / "report.html").read_text()
    assert "observable oracle" in report and "what no agency records" in report
