"""Recalibrating the model in use (`cohort model recalibrate`): what follows a calibration alert.

Only the calibrator is refitted, on the latest monthly snapshots whose outcome windows have closed
before the latest matured window begins; that window tests it (the same rule that splits a new
model's calibration and test data, so nothing it was fitted on overlaps what tests it). The trees
and the features are untouched. The result is stored as a new artefact and recorded as a
*candidate*: nothing changes for the weekly list until the board approves it with
`cohort model approve`. The model in use is measured on the same test window, before and after.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from governance.fairness_settings import load_fairness_settings
from governance.model_fairness import fairness_on_test_window
from lists.settings import load_list_settings
from models.dataset import Rows, snapshot_rows
from models.evaluate import evaluate_test, fit_logistic, model_metrics
from models.learner import RiskModel
from models.metrics import Metrics, ReliabilityBin
from models.monitoring_recalibration import recalibrated
from models.plots import precision_at_png, reliability_png
from models.report import render_report
from models.settings import ModelSettings, parse_settings
from models.split import add_months
from pipelines.clock import Clock
from pipelines.monitor.read import MonitoringError, known_until
from pipelines.train.code_version import code_version
from pipelines.train.model_cards import FAIRNESS_FILE, write_model_card
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.connection import connect
from pipelines.warehouse.event_frames import read_events, read_people
from pipelines.warehouse.model_registry import RegistryError, approved_model, register, registered_artefact
from pipelines.warehouse.model_store import (
    Artefact,
    ArtefactError,
    content_hash,
    version_name,
    write_artefact,
)
from pipelines.warehouse.queries import sql
from rules.rulebook import load_rulebook


@dataclass(frozen=True)
class Recalibration:
    """A recalibrated model recorded as a candidate, and the model in use beside it on the same window."""

    version: str
    path: Path
    registered: bool  # False when the same model was already recorded
    recalibrated_from: str
    calibration: tuple[date, ...]
    test: date
    before: Metrics  # the model in use on the test window
    after: Metrics  # the recalibrated model on the same rows


def recalibration_dates(known: date, settings: ModelSettings) -> tuple[tuple[date, ...], date]:
    """The calibration snapshots and the test as_of for data known until ``known``: the test is the latest
    matured window; the calibration windows close by the time it begins (as models.split plans them)."""
    horizon = settings.horizon_months
    test = add_months(known, -horizon)
    last = add_months(test, -horizon)
    return tuple(add_months(last, -k) for k in range(settings.calibration_snapshots))[::-1], test


def recalibrate(
    warehouse: Path, store: Path, *, clock: Clock, by: str, version: str | None = None
) -> Recalibration:
    """Refit the calibrator of ``version`` (default: the approved model) on the latest matured data.

    Raises:
        MonitoringError: no model is approved (and none was named), or its artefact cannot be read.
    """
    with connect(warehouse) as con:
        artefact = _artefact(con, version)
        known = known_until(con)
        events, people = read_events(con), read_people(con)
        loads = [load_id for (load_id,) in con.execute(sql("train/loaded_loads")).fetchall()]
        link = con.execute(sql("train/last_link_run")).fetchall()
    settings = parse_settings(artefact.manifest["settings"], str(artefact.path / "manifest.json"))
    calibration_dates, test_date = recalibration_dates(known, settings)

    def rows(dates: tuple[date, ...]) -> Rows:
        return snapshot_rows(
            events, people, dates, load_rulebook(), artefact.model.features, roles=settings.roles,
            horizon_months=settings.horizon_months,
        )  # fmt: skip

    calibration, test = rows(calibration_dates), rows((test_date,))
    model = recalibrated(artefact.model, calibration.matrix, calibration.outcome, settings.calibration)
    evaluation = evaluate_test(model, fit_logistic(calibration), test, settings)
    margin = artefact.model.margin(test.matrix)
    before = model_metrics(test.outcome, margin, artefact.model.calibrated(margin), settings)
    fairness = fairness_on_test_window(model, test, settings, load_list_settings(), load_fairness_settings())
    made = clock().replace(microsecond=0)
    new_version = version_name(model, settings.document, test_date.isoformat())
    manifest = artefact.manifest | {
        "version": new_version, "trained_at": made.isoformat(), "code_version": code_version(),
        "split": artefact.manifest["split"] | {
            "calibration": [d.isoformat() for d in calibration_dates], "test": test_date.isoformat()
        },
        "data": {
            "known_until": known.isoformat(), "load_ids": loads, "link_run": link[0][0] if link else None
        },
        "rows": artefact.manifest.get("rows", {})
        | {"calibration": _counted(calibration), "test": _counted(test)},
        "evaluation": evaluation.as_dict(),
        "fairness": {"file": FAIRNESS_FILE, "breaches": len(fairness["breaches"])},
        "recalibration": {
            "from": artefact.version, "method": settings.calibration, "by": by, "before": before.as_dict(),
            "after": evaluation.metrics["risk model"].as_dict(),
        },
    }  # fmt: skip
    for stale in ("files", "content_hash"):  # write_artefact records the new artefact's own
        manifest.pop(stale, None)
    folder = write_artefact(store, model, manifest, _files(artefact, manifest, fairness))
    registered = _record(warehouse, manifest, model, settings, folder, by, made)
    after = evaluation.metrics["risk model"]
    return Recalibration(
        new_version, folder, registered, artefact.version, calibration_dates, test_date, before, after
    )


def _record(
    warehouse: Path, manifest: dict[str, Any], model: RiskModel, settings: ModelSettings, folder: Path,
    by: str, made: datetime,
) -> bool:  # fmt: skip
    """Record the recalibrated model as a candidate (with an audit event saying what it is) and write its
    card; False when the same model was already recorded."""
    with connect(warehouse) as con:
        registered = register(
            con, manifest | {"content_hash": content_hash(model, settings.document)}, folder, by
        )
        if registered:
            calibration, test = manifest["split"]["calibration"], manifest["split"]["test"]
            audit.record(
                con, by, "model_candidate",
                f"model {manifest['version']}: recalibrated from {manifest['recalibration']['from']} "
                f"(the calibrator alone, on {len(calibration)} snapshots to {calibration[-1]}; tested from "
                f"{test}): a candidate until the board approves it",
                at=made,
            )  # fmt: skip
        write_model_card(folder, con=con, generated_at=made)
    return registered


def _artefact(con: Any, version: str | None) -> Artefact:
    if version is None:
        record = approved_model(con)
        if record is None:
            raise MonitoringError("no model is approved: name the model to recalibrate (`cohort model list`)")
        version = record.version
    try:
        return registered_artefact(con, version)
    except RegistryError as error:
        raise MonitoringError(str(error)) from error
    except ArtefactError as error:
        raise MonitoringError(f"the model cannot be recalibrated: {error}") from error


def _counted(rows: Rows) -> tuple[int, int]:
    return rows.keys.height, int(rows.outcome.sum())


def _files(artefact: Artefact, manifest: dict[str, Any], fairness: dict[str, Any]) -> dict[str, str | bytes]:
    """The new artefact's files: its evaluation, plots and report; the SHAP plots are the original's (the
    trees, and so every explanation, are unchanged)."""
    evaluation = manifest["evaluation"]
    curves = {name: [ReliabilityBin(**b) for b in bins] for name, bins in evaluation["reliability"].items()}
    at = {
        name: {int(k): (p, m["recall_at"][k]) for k, p in m["precision_at"].items() if p is not None}
        for name, m in evaluation["metrics"].items()
    }
    files: dict[str, str | bytes] = {
        "plots/reliability.png": reliability_png(curves),
        "plots/precision_at.png": precision_at_png(at),
    }
    shap = [f for f in artefact.manifest.get("files", {}) if f.startswith("plots/shap_")]
    for name in shap:
        files[name] = (artefact.path / name).read_bytes()
    dependence = [
        f.removeprefix("plots/shap_").removesuffix(".png") for f in shap if f != "plots/shap_summary.png"
    ]
    files["evaluation.json"] = json.dumps(evaluation, indent=2)
    files[FAIRNESS_FILE] = json.dumps(fairness, indent=2)
    files["report.html"] = render_report(manifest, dependence)
    return files
