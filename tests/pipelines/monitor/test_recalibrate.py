"""From an alert to a recalibration the board approves: a model whose calibrator was planted three times
too high raises monitoring's alerts; `cohort model recalibrate` refits only its calibrator and records
a candidate that changes nothing until `cohort model approve`; the approved candidate is calibrated."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from models.learner import Calibrator, RiskModel
from pipelines.cli import app
from pipelines.monitor.run import run_monitoring
from pipelines.paths import model_card_folder
from pipelines.warehouse.connection import connect
from pipelines.warehouse.model_registry import approved_model, register, set_status
from pipelines.warehouse.model_store import content_hash, read_artefact, version_name, write_artefact
from tests.pipelines.monitor.conftest import NOW, Monitored, weekly
from tests.warehouses import copy_warehouse

TOO_HIGH = -1.2  # the planted intercept: odds e^1.2, about 3.3 times the model's own


def approve_a_miscalibrated_copy(monitored: Monitored, warehouse: Path, store: Path) -> str:
    """The trained model's trees with a sigmoid calibrator whose intercept makes every probability
    about three times too high, registered and approved (as a board might once have approved it)."""
    original = read_artefact(monitored.trained.path)
    settings = copy.deepcopy(original.manifest["settings"])
    settings["calibration"]["method"] = "sigmoid"
    model = RiskModel(
        original.model.booster,
        Calibrator("sigmoid", "margin", {"a": [-1.0], "b": [TOO_HIGH]}),
        original.model.features,
    )
    manifest = {k: v for k, v in original.manifest.items() if k not in ("files", "content_hash")}
    manifest |= {"settings": settings, "version": version_name(model, settings, manifest["split"]["test"])}
    folder = write_artefact(store, model, manifest, {})
    with connect(warehouse) as con:
        assert register(con, manifest | {"content_hash": content_hash(model, settings)}, folder, "test")
        set_status(con, manifest["version"], "approved", "demo", "the planted miscalibrated model", NOW)
    return str(manifest["version"])


def ece_at_twelve(warehouse: Path, out: Path) -> tuple[float, list[str]]:
    result = run_monitoring(warehouse, out, now=NOW, by="t")
    (run,) = result.document["runs"]
    row = next(r for r in run["realised"] if r["horizon_months"] == 12 and r["group"] == "not_treated")
    return row["ece"], [a["measure"] for a in result.alerts if a["kind"] == "calibration"]


@pytest.mark.slow
def test_an_alert_leads_to_a_recalibration_the_board_approves(monitored: Monitored, tmp_path: Path) -> None:
    warehouse = copy_warehouse(monitored.warehouse, tmp_path / "w")
    store = tmp_path / "models"
    planted = approve_a_miscalibrated_copy(monitored, warehouse, store)
    weekly(warehouse, monitored.trained.split.test, tmp_path, 8)
    before, alerts = ece_at_twelve(warehouse, tmp_path / "m1")
    assert before > 0.03 and "ece" in alerts and "calibration_in_the_large" in alerts

    runner = CliRunner(env={"COLUMNS": "200", "COHORT_NOW": "2026-11-16T10:00:00"})
    w = ("--warehouse", str(warehouse))
    result = runner.invoke(app, ["model", "recalibrate", *w, "--store", str(store), "--by", "Data Scientist"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert f"Recalibrated {planted}" in result.output and "recorded as a candidate" in result.output
    (version,) = re.findall(r"Model (risk-\S+) recorded as a candidate", result.output)
    with connect(warehouse) as con:
        in_use = approved_model(con)
        statuses = dict(con.execute("SELECT version, status FROM scoring.model").fetchall())
        events = con.execute(
            "SELECT detail FROM audit.event WHERE action = 'model_candidate' ORDER BY event_id DESC LIMIT 1"
        ).fetchall()
    assert (
        in_use is not None and in_use.version == planted
    )  # no silent refit: the planted model is still used
    assert statuses[version] == "candidate" and f"recalibrated from {planted}" in events[0][0]
    candidate = read_artefact(Path(store / version))
    assert candidate.manifest["recalibration"]["from"] == planted
    assert (
        candidate.model.booster.model_to_string()
        == read_artefact(monitored.trained.path).model.booster.model_to_string()
    )
    after = candidate.manifest["recalibration"]["after"]["ece"]
    assert after < candidate.manifest["recalibration"]["before"]["ece"] and after < 0.03
    assert (model_card_folder(candidate.path) / "model-card.html").is_file()

    approved = runner.invoke(
        app, ["model", "approve", version, *w, "--by", "Board", "--reason", "recalibrated"]
    )
    assert approved.exit_code == 0, approved.output
    weekly(warehouse, monitored.trained.split.test, tmp_path, 9)
    recalibrated, alerts = ece_at_twelve(warehouse, tmp_path / "m2")
    assert recalibrated < 0.03 < before and "ece" not in alerts
    with duckdb.connect(str(warehouse), read_only=True) as con:
        runs = con.execute("SELECT model_version FROM scoring.prediction_run ORDER BY run_id").fetchall()
    assert [v for (v,) in runs][-2:] == [planted, version]
