"""Model artefacts: plain files that read back to the same predictions, owner-only, tamper-evident."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import numpy as np
import pytest

from features.registry import Feature
from models.learner import Calibrator, RiskModel, train_model
from pipelines.warehouse.model_store import (
    ArtefactError,
    content_hash,
    read_artefact,
    version_name,
    write_artefact,
)

FEATURES = ("signal", "noise")
PARAMS = {
    "n_estimators": 30,
    "learning_rate": 0.1,
    "num_leaves": 7,
    "max_depth": 3,
    "min_child_samples": 20,
    "subsample": 1.0,
    "colsample_bytree": 1.0,
    "reg_lambda": 1.0,
    "seed": 3,
}
REGISTERED = {
    "signal": Feature("signal", "Signal.", "signal {value}", "police", "number", "increasing", True, False)
}


SETTINGS = {"calibration": {"method": "isotonic"}}


def synthetic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2)).astype(np.float32)
    y = (rng.random(n) < 1 / (1 + np.exp(2.0 - 1.5 * x[:, 0]))).astype(np.int8)
    return x, y


def train(method: str = "isotonic") -> RiskModel:
    x, y = synthetic(2_000, 1)
    return train_model((x, y, np.ones(y.size)), synthetic(1_000, 2), FEATURES, REGISTERED, PARAMS, method)


@pytest.fixture(scope="module")
def model() -> RiskModel:
    return train()


def store(model: RiskModel, folder: Path) -> Path:
    manifest = {
        "version": version_name(model, SETTINGS, "2025-11-16"),
        "features": list(model.features),
        "settings": SETTINGS,
        "note": "x",
    }
    extra: dict[str, str | bytes] = {"evaluation.json": "{}", "plots/chart.png": b"\x89PNG\r\n\x1a\n"}
    return write_artefact(folder / "models", model, manifest, extra)


def test_an_artefact_reads_back_to_identical_predictions(model: RiskModel, tmp_path: Path) -> None:
    folder = store(model, tmp_path)
    artefact = read_artefact(folder)
    x = synthetic(500, 3)[0]
    assert np.array_equal(artefact.model.probability(x), model.probability(x))
    assert np.array_equal(artefact.model.contributions(x), model.contributions(x))
    assert artefact.model.features == FEATURES and artefact.model.calibrator == model.calibrator
    assert artefact.version == folder.name == version_name(model, SETTINGS, "2025-11-16")
    assert artefact.manifest["note"] == "x" and artefact.manifest["content_hash"] == content_hash(
        model, SETTINGS
    )
    assert set(artefact.manifest["files"]) == {
        "model.txt",
        "calibrator.json",
        "evaluation.json",
        "plots/chart.png",
    }


def test_a_sigmoid_calibrator_reads_back_too(tmp_path: Path) -> None:
    model = train("sigmoid")
    x = synthetic(200, 4)[0]
    assert np.array_equal(read_artefact(store(model, tmp_path)).model.probability(x), model.probability(x))


def test_no_file_is_a_pickle(model: RiskModel, tmp_path: Path) -> None:
    folder = store(model, tmp_path)
    assert (folder / "model.txt").read_text().startswith("tree")
    assert json.loads((folder / "calibrator.json").read_text())["method"] == "isotonic"


def test_files_are_owner_only_and_folders_owner_only(model: RiskModel, tmp_path: Path) -> None:
    folder = store(model, tmp_path)
    for path in [folder, *folder.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


@pytest.mark.parametrize("name", ["model.txt", "calibrator.json", "evaluation.json", "plots/chart.png"])
def test_an_edited_file_is_refused_naming_it(model: RiskModel, tmp_path: Path, name: str) -> None:
    folder = store(model, tmp_path)
    path = folder / name
    path.write_bytes(path.read_bytes().replace(b"0", b"1", 1) + b" ")
    with pytest.raises(ArtefactError, match=rf"{re.escape(name)} has changed since the model was trained"):
        read_artefact(folder)


def test_a_missing_file_is_refused_naming_it(model: RiskModel, tmp_path: Path) -> None:
    folder = store(model, tmp_path)
    (folder / "calibrator.json").unlink()
    with pytest.raises(ArtefactError, match="calibrator.json is missing"):
        read_artefact(folder)


def test_a_folder_without_a_manifest_is_not_an_artefact(tmp_path: Path) -> None:
    with pytest.raises(ArtefactError, match="no manifest.json"):
        read_artefact(tmp_path)


def test_a_manifest_naming_other_features_does_not_match_the_content_hash(
    model: RiskModel, tmp_path: Path
) -> None:
    folder = store(model, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["features"] = ["noise", "signal"]  # the same columns swapped would score the wrong data
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ArtefactError, match="does not match its content hash"):
        read_artefact(folder)


def test_the_version_is_stable_for_the_same_model_and_changes_with_it(model: RiskModel) -> None:
    version = version_name(model, SETTINGS, "2025-11-16")
    assert re.fullmatch(r"risk-20251116-[0-9a-f]{10}", version)
    assert version_name(train(), SETTINGS, "2025-11-16") == version  # retrained on the same data and seed
    recalibrated = RiskModel(
        model.booster, Calibrator("sigmoid", "margin", {"a": [-1.0], "b": [0.0]}), FEATURES
    )
    assert version_name(recalibrated, SETTINGS, "2025-11-16") != version
    assert (
        version_name(RiskModel(model.booster, model.calibrator, ("a", "b")), SETTINGS, "2025-11-16")
        != version
    )
    assert version_name(model, {"calibration": {"method": "sigmoid"}}, "2025-11-16") != version
