"""`cohort model train | list | show | approve | score | cv` end to end on the small linked world."""

from __future__ import annotations

import copy
import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import numpy as np
import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from features.registry import model_features, protected_features
from pipelines.cli import app
from pipelines.warehouse.copy import copy_warehouse

runner = CliRunner(env={"COLUMNS": "200"})  # wide enough that tables do not wrap a version
BANDS = ("very high", "high", "raised", "low")


def small_settings(folder: Path, bands: list[dict[str, object]] | None = None) -> Path:
    """The shipped settings with few snapshots and trees, so training takes seconds."""
    document = copy.deepcopy(yaml.safe_load(resources.files("models").joinpath("settings.yaml").read_text()))
    document["split"].update(train_snapshots=8, calibration_snapshots=2, minimum_train_snapshots=4)
    document["learner"]["n_estimators"] = 40
    document["sampling"]["negative_share"] = 0.5
    if bands is not None:
        document["bands"] = bands
    path = folder / "model-settings.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


@pytest.mark.slow
def test_train_approve_and_score_a_model_on_the_small_world(linked: Path, tmp_path: Path) -> None:
    warehouse, store = tmp_path / "warehouse.duckdb", tmp_path / "models"
    copy_warehouse(linked, warehouse, checkpoint=False)
    settings = small_settings(tmp_path)
    w = ("--warehouse", str(warehouse))

    output = invoke("model", "train", *w, "--store", str(store), "--settings", str(settings))
    assert "recorded as a candidate" in output
    (folder,) = store.iterdir()
    version = folder.name
    assert re.fullmatch(r"risk-20251116-[0-9a-f]{10}", version)  # the test window of data known to 16/11/2026
    for name in ("model.txt", "calibrator.json", "manifest.json", "evaluation.json", "report.html"):
        assert (folder / name).is_file(), name
    assert list((folder / "plots").glob("*.png"))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["features"] == model_features()
    assert not set(manifest["features"]) & set(protected_features())
    assert manifest["split"]["test"] == "2025-11-16" and len(manifest["split"]["train"]) == 8
    assert manifest["settings"]["learner"]["n_estimators"] == 40
    assert json.loads((folder / "evaluation.json").read_text())["metrics"]["risk model"]["auc"] > 0.5
    # the fairness audit of the test window, by the four characteristics, stored with the model
    fairness = json.loads((folder / "fairness.json").read_text())
    schema = json.loads(resources.files("governance").joinpath("fairness_audit.schema.json").read_text())
    jsonschema.validate(fairness, schema)
    assert [a["attribute"] for a in fairness["attributes"]] == [
        "ethnicity",
        "sex",
        "age band",
        "deprivation decile",
    ]
    assert fairness["overall"]["count"] == manifest["rows"]["test"][0]
    assert fairness["overall"]["outcomes"] == manifest["rows"]["test"][1]
    for attribute in fairness["attributes"]:
        assert sum(g["count"] for g in attribute["groups"]) == fairness["overall"]["count"]
    assert manifest["fairness"] == {"file": "fairness.json", "breaches": len(fairness["breaches"])}
    assert "Fairness: " in output

    again = invoke("model", "train", *w, "--store", str(store), "--settings", str(settings))
    assert f"Stored in {folder}, already recorded (same data, same model)" in " ".join(again.split())

    listed = invoke("model", "list", *w)
    assert version in listed and "candidate" in listed

    refused = runner.invoke(app, ["model", "score", *w, "--as-of", "2026-11-16"])
    assert refused.exit_code == 1 and "no model is approved" in refused.output

    invoke("model", "approve", version, *w, "--by", "Dr Lead", "--reason", "passes its targets")
    shown = invoke("model", "show", version, *w)
    assert "approved by Dr Lead: passes its targets" in shown

    scored = invoke("model", "score", *w, "--as-of", "2026-11-16", "--explain", "50")
    flat = "".join(scored.split())  # the table's title wraps at the table's width
    assert f"bymodel{version}(" in flat
    people = int(re.search(r"\(([\d,]+)people\)", flat).group(1).replace(",", ""))  # type: ignore[union-attr]
    counts = {
        band: int(n.replace(",", "")) for band, n in re.findall(r"│ ([a-z ]+?)\s+│\s+([\d,]+) │", scored)
    }
    assert set(counts) <= set(BANDS) and "low" in counts
    assert sum(counts.values()) == people > 50
    assert "50 explained" in scored


@pytest.mark.slow
def test_scoring_uses_the_bands_the_approved_model_was_trained_with(linked: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    copy_warehouse(linked, warehouse, checkpoint=False)
    settings = small_settings(
        tmp_path, bands=[{"name": "listed", "from": 0.1}, {"name": "not listed", "from": 0.0}]
    )
    w = ("--warehouse", str(warehouse))
    invoke("model", "train", *w, "--store", str(tmp_path / "models"), "--settings", str(settings))
    invoke("model", "approve", "latest", *w, "--by", "Dr Lead", "--reason", "trial")
    scored = invoke("model", "score", *w, "--as-of", "2026-11-16", "--explain", "5")
    assert "not listed" in scored and not any(f"│ {band} " in scored for band in BANDS)


def test_cross_validate_a_csv_and_write_the_metrics(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    signal = rng.normal(size=800)
    table = pl.DataFrame(
        {
            "ref": [f"R{i}" for i in range(800)],
            "signal": signal,
            "noise": rng.normal(size=800),
            "harmed": (rng.random(800) < 1 / (1 + np.exp(1.5 - 2 * signal))).astype(int),
        }
    )
    table.write_csv(tmp_path / "people.csv")
    out = tmp_path / "out" / "cv.json"
    args = ["model", "cv", str(tmp_path / "people.csv"), "--outcome", "harmed", "--folds", "3"]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1 and "--exclude ref" in refused.output

    output = invoke(
        *args, "--exclude", "ref", "--json", str(out), "--settings", str(small_settings(tmp_path))
    )
    assert "800 rows" in output and "3-fold" in output
    result = json.loads(out.read_text())
    assert isinstance(result["auc"], float) and result["auc"] > 0.7
    assert result["features"] == ["signal", "noise"]
    assert "logistic regression" in output and re.search(r"The learner leads in \d of 3 folds", output)
    assert len(result["logistic"]["fold_auc"]) == 3 and result["logistic"]["auc"] > 0.7

    blended = invoke(
        *args, "--exclude", "ref", "--decreasing", "noise", "--blend", "--json", str(out),
        "--settings", str(small_settings(tmp_path)),
    )  # fmt: skip
    assert re.search(r"The blend leads in \d of 3 folds", blended)
    result = json.loads(out.read_text())
    assert result["learner"] == "blend" and result["directions"] == {"noise": "decreasing"}
    both = runner.invoke(app, [*args, "--exclude", "ref", "--increasing", "noise", "--decreasing", "noise"])
    assert both.exit_code != 0 and "noise: given as both" in both.output
