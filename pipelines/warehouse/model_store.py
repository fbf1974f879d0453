"""A trained model as a versioned artefact: a folder of plain files, named by its content hash.

    <store>/<version>/
        model.txt          the LightGBM booster (text)
        calibrator.json    the calibrator's method and parameters
        manifest.json      features, settings, training window, data loads, rules and code
                           versions, metrics, every file's SHA-256 and the content hash
        evaluation.json    the test-window metrics of the model and the baselines
        report.html        the same for a board, with the plots in plots/

No pickles: every file is text or an image, so an artefact can be read, diffed and checked.
The content hash covers the booster, the calibrator, the feature list and the settings, so
the same data and settings give the same version, and an artefact once written is never
rewritten. Folders are owner-only (0700) and files owner-read/write.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb

from models.learner import Calibrator, RiskModel
from pipelines.files import private_folder, write_private

MODEL_FILE, CALIBRATOR_FILE, MANIFEST_FILE = "model.txt", "calibrator.json", "manifest.json"


class ArtefactError(ValueError):
    """An artefact is missing, incomplete or does not match its recorded hash."""


@dataclass(frozen=True)
class Artefact:
    """A stored model and what its manifest says about it."""

    path: Path
    model: RiskModel
    manifest: dict[str, Any]

    @property
    def version(self) -> str:
        return str(self.manifest["version"])


def content_hash(model: RiskModel, settings: dict[str, Any]) -> str:
    """SHA-256 over the booster's text, the calibrator, the feature list and the settings."""
    digest = hashlib.sha256()
    for part in (
        json.dumps(settings, sort_keys=True),
        model.booster.model_to_string(),
        _calibrator_json(model.calibrator),
        json.dumps(model.features),
    ):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def version_name(model: RiskModel, settings: dict[str, Any], test_as_of: str) -> str:
    """``risk-<test date>-<first 10 of the content hash>``, e.g. risk-20251116-3fa9c2d1e0."""
    return f"risk-{test_as_of.replace('-', '')}-{content_hash(model, settings)[:10]}"


def write_artefact(
    store: Path, model: RiskModel, manifest: dict[str, Any], extra: dict[str, str | bytes]
) -> Path:
    """Write the model and its files under ``store/<manifest['version']>`` (owner-only), unless
    that version is already stored; returns the folder's absolute path.

    Args:
        store: the folder of artefacts.
        model: the trained model.
        manifest: what to record (version, features, settings, window, loads, metrics...);
            file hashes and the content hash are added here.
        extra: more files by relative path (the evaluation, the report, plots).
    """
    private_folder(store)
    folder = (store / str(manifest["version"])).resolve()
    if (folder / MANIFEST_FILE).is_file():
        return folder  # the same model from the same settings: keep the first copy untouched
    files: dict[str, str | bytes] = {
        MODEL_FILE: model.booster.model_to_string(),
        CALIBRATOR_FILE: _calibrator_json(model.calibrator),
        **extra,
    }
    for relative, content in files.items():
        write_private(folder / relative, content)
    hashes = {relative: _sha256(folder / relative) for relative in sorted(files)}
    record = {**manifest, "content_hash": content_hash(model, manifest["settings"]), "files": hashes}
    write_private(folder / MANIFEST_FILE, json.dumps(record, indent=2, default=str))
    return folder


def read_artefact(folder: Path) -> Artefact:
    """Read an artefact back, checking every file against the hashes in its manifest.

    Raises:
        ArtefactError: naming the folder and the file that is missing or changed.
    """
    manifest_path = folder / MANIFEST_FILE
    if not manifest_path.is_file():
        raise ArtefactError(f"{folder}: no {MANIFEST_FILE}; is this a model artefact folder?")
    manifest = json.loads(manifest_path.read_text("utf-8"))
    for relative, expected in manifest["files"].items():
        path = folder / relative
        if not path.is_file():
            raise ArtefactError(f"{folder}: {relative} is missing; restore it or retrain the model")
        if _sha256(path) != expected:
            raise ArtefactError(
                f"{folder}: {relative} has changed since the model was trained; do not use it"
            )
    booster = lgb.Booster(model_str=(folder / MODEL_FILE).read_text("utf-8"))
    calibration = json.loads((folder / CALIBRATOR_FILE).read_text("utf-8"))
    calibrator = Calibrator(calibration["method"], calibration["scale"], calibration["parameters"])
    model = RiskModel(booster, calibrator, tuple(manifest["features"]))
    if content_hash(model, manifest["settings"]) != manifest["content_hash"]:
        raise ArtefactError(f"{folder}: the model does not match its content hash; do not use it")
    return Artefact(folder, model, manifest)


def _calibrator_json(calibrator: Calibrator) -> str:
    return json.dumps(
        {"method": calibrator.method, "scale": calibrator.scale, "parameters": calibrator.parameters},
        indent=1,
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
