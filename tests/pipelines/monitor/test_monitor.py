"""`cohort monitor` on a small world whose extracts reach back past the model's test window, so that a
weekly list can be drawn up on the model's test as_of: the weekly run records every prediction, and
monitoring it at 12 months gives the model's own evaluation; the groups are kept apart; alerts fire
past their limits; the outputs are owner-only, name no one and are audited; the board pack shows them."""

from __future__ import annotations

import copy
import json
import stat
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from models.dataset import snapshot_rows
from models.settings import load_settings
from pipelines.cli import app
from pipelines.monitor.evaluation import agreement, evaluate_window
from pipelines.monitor.run import MonitoringResult, run_monitoring
from pipelines.train.scoring import score_with_approved
from pipelines.warehouse.connection import connect
from pipelines.warehouse.event_frames import read_events, read_people
from rules.rulebook import load_rulebook
from tests.pipelines.monitor.conftest import NOW, Monitored
from tests.warehouses import copy_warehouse


@pytest.fixture
def report(monitored: Monitored, tmp_path: Path) -> Iterator[MonitoringResult]:
    warehouse = copy_warehouse(monitored.warehouse, tmp_path / "w")
    yield run_monitoring(warehouse, tmp_path / "out", now=NOW, by="monitor test")


def table(warehouse: Path, query: str) -> pl.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = pl.from_arrow(con.sql(query).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


def rows_at(result: MonitoringResult, horizon: int, run_index: int = -1) -> dict[str, dict[str, Any]]:
    run = result.document["runs"][run_index]
    return {r["group"]: r for r in run["realised"] if r["horizon_months"] == horizon}


@pytest.mark.slow
def test_a_weekly_run_records_what_the_model_predicted_for_everyone_it_scored(monitored: Monitored) -> None:
    runs = table(monitored.warehouse, "SELECT * FROM scoring.prediction_run ORDER BY run_id")
    assert runs["run_id"].to_list() == [monitored.first.run_id, monitored.again.run_id]  # rules alone: none
    predictions = table(monitored.warehouse, "SELECT * FROM scoring.prediction ORDER BY run_id, person_id")
    assert monitored.rules_alone.run_id not in predictions["run_id"].to_list()
    # everyone the list could consider, as `cohort model score` scores them independently
    version, scored = score_with_approved(monitored.warehouse, monitored.trained.split.test, explain=0)
    assert version == monitored.trained.version
    expected = scored.sort("person_id")
    for run_id in (monitored.first.run_id, monitored.again.run_id):  # each run keeps its own rows
        mine = predictions.filter(pl.col("run_id") == run_id)
        assert mine["person_id"].to_list() == expected["person_id"].to_list()
        assert np.allclose(mine["probability"].to_numpy(), expected["probability"].to_numpy(), atol=1e-7)
        assert mine["band"].to_list() == expected["band"].to_list()
    assert runs["scored"].to_list() == [expected.height, expected.height]
    entries = table(monitored.warehouse, f"SELECT * FROM lists.entry WHERE run_id = {monitored.again.run_id}")
    latest = predictions.filter(pl.col("run_id") == monitored.again.run_id)
    assert sorted(latest.filter("listed")["person_id"]) == sorted(entries["person_id"])
    within = entries.filter("within_capacity")["person_id"]
    assert sorted(latest.filter("within_capacity")["person_id"]) == sorted(within)
    # every feature's fine bins hold everyone scored
    bins = table(
        monitored.warehouse, f"SELECT * FROM scoring.feature_summary WHERE run_id = {monitored.again.run_id}"
    )
    per_feature = bins.group_by("feature").agg(pl.col("people").sum())
    assert set(per_feature["people"]) == {expected.height}
    assert per_feature.height == len(
        json.loads((monitored.trained.path / "manifest.json").read_text())["features"]
    )


@pytest.mark.slow
def test_monitoring_the_run_on_the_test_as_of_gives_the_models_own_evaluation(
    monitored: Monitored, report: MonitoringResult
) -> None:
    evaluated = monitored.trained.evaluation.metrics["risk model"]
    (run,) = report.document["runs"]  # the superseded run is not measured
    assert run["run_id"] == monitored.again.run_id and run["matured_horizons"] == [3, 6, 9, 12]
    everyone = rows_at(report, 12)["everyone"]
    assert (everyone["rows"], everyone["outcomes"]) == (evaluated.rows, evaluated.positives)
    assert everyone["auc"] == pytest.approx(evaluated.auc, abs=1e-9)
    assert everyone["ece"] == pytest.approx(evaluated.ece, abs=1e-6)  # probabilities kept as 32-bit floats
    with duckdb.connect(str(monitored.warehouse), read_only=True) as con:
        recorded = con.execute(
            "SELECT auc, ece FROM scoring.model WHERE version = ?", [monitored.trained.version]
        )
        auc, ece = recorded.fetchall()[0]
    assert everyone["auc"] == pytest.approx(auc, abs=1e-9) and everyone["ece"] == pytest.approx(ece, abs=1e-6)
    # the same comparison at any window, person by person
    window = evaluate_window(monitored.warehouse, monitored.trained.version, run_date(run), run["run_id"])
    assert (window.only_evaluated, window.only_scored) == (0, 0)
    assert window.auc == pytest.approx(everyone["auc"], abs=1e-9)
    assert window.ece == pytest.approx(everyone["ece"], abs=1e-6)
    checked = agreement(monitored.warehouse, report.document)
    assert checked is not None and checked["run_id"] == run["run_id"]
    assert checked["auc_difference"] < 1e-9 and checked["ece_difference"] < 1e-6
    # shorter windows count fewer outcomes, never more
    counts = [rows_at(report, h)["everyone"]["outcomes"] for h in (3, 6, 9, 12)]
    assert counts == sorted(counts) and counts[0] < counts[-1]
    # expected performance: the calibrated probabilities of the top of the list
    expected = run["expected"]
    assert expected["k"] == run["list_size"] == monitored.again.within_capacity
    assert expected["true_positives"] + expected["false_positives"] == pytest.approx(expected["k"])


def run_date(run: dict[str, Any]) -> date:
    return date.fromisoformat(run["as_of"])


def labels(warehouse: Path, as_of: date, horizon: int) -> dict[int, bool]:
    """The outcome of everyone at as_of as training labels it (models.dataset)."""
    settings = load_settings()
    with connect(warehouse) as con:
        events, people = read_events(con), read_people(con)
    rows = snapshot_rows(
        events, people, [as_of], load_rulebook(), (), roles=settings.roles, horizon_months=horizon
    )  # fmt: skip
    return dict(zip(rows.keys["person_id"].to_list(), rows.keys["outcome"].to_list(), strict=True))


@pytest.mark.slow
def test_the_treated_and_the_randomised_controls_are_measured_apart(
    monitored: Monitored, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(monitored.warehouse, tmp_path / "w")
    as_of = monitored.trained.split.test
    top = table(
        warehouse,
        f"SELECT person_id FROM scoring.prediction WHERE run_id = {monitored.again.run_id} "
        "ORDER BY margin DESC, person_id LIMIT 7",
    )["person_id"].to_list()
    soon, late = as_of + timedelta(days=7), as_of + timedelta(days=200)  # late: after the 6-month window
    allocated = [  # (person, arm, randomised, allocated_on)
        (top[0], "programme", True, soon), (top[1], "programme", True, soon),
        (top[2], "programme", True, late),
        (top[3], "control", True, soon), (top[4], "control", True, soon), (top[5], "control", True, soon),
        (top[6], "control", False, soon),  # not randomised: not a control
    ]  # fmt: skip
    with duckdb.connect(str(warehouse)) as con:
        for i, (person, arm, randomised, day) in enumerate(allocated, start=1):
            con.execute(
                "INSERT INTO trial.allocation VALUES (?, 1, ?, 'under 18 | rule', ?, 0.5, ?, ?)",
                [i, person, arm, randomised, day],
            )
    result = run_monitoring(warehouse, tmp_path / "out", now=NOW, by="monitor test")
    truth = labels(warehouse, as_of, 12)
    twelve, three = rows_at(result, 12), rows_at(result, 3)
    assert twelve["treated"]["rows"] == 3 and three["treated"]["rows"] == 2
    assert twelve["treated"]["outcomes"] == sum(truth[p] for p in top[:3])
    assert twelve["control"]["rows"] == 3
    assert twelve["control"]["outcomes"] == sum(truth[p] for p in top[3:6])
    everyone = twelve["everyone"]
    assert twelve["not_treated"]["rows"] == everyone["rows"] - 3
    assert twelve["not_treated"]["outcomes"] == everyone["outcomes"] - twelve["treated"]["outcomes"]
    listed = table(warehouse, "SELECT DISTINCT person_id FROM lists.entry")["person_id"].to_list()
    never = set(truth) - set(listed) - set(top)
    assert twelve["never_listed"]["rows"] == len(never)
    assert twelve["never_listed"]["outcomes"] == sum(truth[p] for p in never)


def write_settings(folder: Path, **monitoring: Any) -> Path:
    document = copy.deepcopy(load_settings().document)
    document["monitoring"].update(monitoring)
    path = folder / "settings.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


@pytest.mark.slow
def test_an_alert_fires_when_calibration_passes_its_limit_and_not_otherwise(
    monitored: Monitored, report: MonitoringResult, tmp_path: Path
) -> None:
    measured = [r for run in report.document["runs"] for r in run["realised"] if r["group"] == "everyone"]
    worst_ece = max(r["ece"] for r in measured)
    worst_ratio = max(abs(r["observed_to_expected"] - 1) for r in measured)
    warehouse = copy_warehouse(monitored.warehouse, tmp_path / "w")
    quiet = write_settings(
        tmp_path, alert_groups=["everyone"], minimum_outcomes=1,
        limits={"ece": worst_ece + 1e-4, "calibration_in_the_large": worst_ratio + 1e-3, "psi": 10.0},
    )  # fmt: skip
    assert run_monitoring(warehouse, tmp_path / "a", now=NOW, by="t", settings_file=quiet).alerts == []
    twelve = rows_at(report, 12)["everyone"]["ece"]
    loud = write_settings(
        tmp_path, alert_groups=["everyone"], minimum_outcomes=1,
        limits={"ece": twelve - 1e-4, "calibration_in_the_large": 100.0, "psi": 10.0},
    )  # fmt: skip
    alerts = run_monitoring(warehouse, tmp_path / "b", now=NOW, by="t", settings_file=loud).alerts
    fired = {(a["horizon_months"], a["measure"]) for a in alerts}
    assert fired == {(r["horizon_months"], "ece") for r in measured if r["ece"] > twelve - 1e-4}
    assert (12, "ece") in fired and all(a["group"] == "everyone" for a in alerts)
    assert "cohort model recalibrate" in alerts[0]["next_step"]
    # the same limits, but too few outcomes in any window to judge: no alert
    strict = write_settings(
        tmp_path, alert_groups=["everyone"], minimum_outcomes=10_000,
        limits={"ece": 1e-6, "calibration_in_the_large": 1e-6, "psi": 10.0},
    )  # fmt: skip
    assert run_monitoring(warehouse, tmp_path / "c", now=NOW, by="t", settings_file=strict).alerts == []


def every_key(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from every_key(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from every_key(inner)


@pytest.mark.slow
def test_outputs_are_owner_only_name_no_one_and_are_audited(
    monitored: Monitored, report: MonitoringResult, tmp_path: Path
) -> None:
    out = report.html.parent
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    for path in (report.html, report.json):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = json.loads(report.json.read_text())
    assert document == json.loads(json.dumps(report.document)) and document["schema"] == "cohort.monitoring/1"
    assert not {"person_id", "name", "dob", "forename", "surname"} & set(every_key(document))
    html, text = report.html.read_text(), report.json.read_text()
    people = table(
        monitored.warehouse,
        "SELECT forename, surname, dob FROM link.person WHERE person_id IN "
        f"(SELECT person_id FROM scoring.prediction WHERE run_id = {monitored.again.run_id})",
    )
    for forename, surname, dob in people.iter_rows():
        for value in (f"{forename} {surname}", dob.strftime("%d/%m/%Y"), dob.isoformat()):
            assert value not in html and value not in text
    assert "<script" not in html and 'src="http' not in html
    warehouse = tmp_path / "w" / "warehouse.duckdb"
    events = table(
        warehouse, "SELECT category, purpose, file_name, sha256 FROM audit.event WHERE action = 'monitor'"
    )
    assert events["category"].to_list() == ["consultation"] and events["purpose"][0]
    assert events["file_name"][0] == report.html.name
    stored = table(warehouse, "SELECT report_id, runs, alerts, document FROM scoring.monitor_report")
    assert stored["report_id"].to_list() == [report.report_id] and stored["runs"][0] == 1
    assert json.loads(stored["document"][0]) == document
    # the training reference is counted once per model and kept
    before = table(warehouse, "SELECT count(*) AS n FROM scoring.feature_reference")["n"][0]
    again = run_monitoring(warehouse, tmp_path / "again", now=NOW, by="t")
    assert table(warehouse, "SELECT count(*) AS n FROM scoring.feature_reference")["n"][0] == before > 0
    assert again.document["runs"][0]["drift"] == report.document["runs"][0]["drift"]


@pytest.mark.slow
def test_the_command_line_and_the_board_pack_show_monitoring(monitored: Monitored, tmp_path: Path) -> None:
    warehouse = copy_warehouse(monitored.warehouse, tmp_path / "w")
    runner = CliRunner(env={"COLUMNS": "200", "COHORT_NOW": "2026-11-16T10:00:00"})
    w = ("--warehouse", str(warehouse))
    pack = runner.invoke(app, ["board-pack", *w, "--by", "Board", "--out", str(tmp_path / "p1")])
    assert pack.exit_code == 0, pack.output
    assert "No monitoring report yet" in next((tmp_path / "p1").glob("*.html")).read_text()
    result = runner.invoke(app, ["monitor", *w, "--out", str(tmp_path / "m"), "--by", "Analyst"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert "Monitoring as at 16/11/2026: 1 runs" in result.output and "No alerts." in result.output
    assert "Report:" in result.output
    none = runner.invoke(app, ["monitor", *w, "--out", str(tmp_path / "n"), "--as-of", "2025-01-06"])
    assert none.exit_code == 0 and "No weekly run has recorded predictions yet" in none.output
    early = runner.invoke(app, ["monitor", *w, "--out", str(tmp_path / "e"), "--as-of", "2026-03-01"])
    assert early.exit_code == 0 and "3 months" in early.output  # only the 3-month window had closed
    pack = runner.invoke(app, ["board-pack", *w, "--by", "Board", "--out", str(tmp_path / "p2")])
    assert pack.exit_code == 0, pack.output
    html = next((tmp_path / "p2").glob("*.html")).read_text()
    assert 'id="monitoring"' in html and "From monitoring report 3" in html
    section = html.split('id="monitoring"')[1].split("<h2")[0]
    assert "Realised, by run, horizon and group" in section
    assert "outcomes counted to 01/03/2026" in section and "data:image/png;base64," in section
