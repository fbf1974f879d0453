"""The model's own evaluation on any window, beside what monitoring measured for a run on it.

Training evaluates a model on its test window with :func:`models.dataset.snapshot_rows` (the people a
list could consider at the test as_of, the outcome over the model's horizon) and
:func:`models.evaluate.model_metrics`. This does the same at any as_of, so monitoring's realised AUC
and ECE for a weekly run can be checked against the evaluation of the same model on the same window:
on the same people they agree to rounding (the predictions are stored as 32-bit floats).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from models.dataset import snapshot_rows
from models.evaluate import model_metrics
from models.settings import parse_settings
from pipelines.monitor.read import MonitoringError, run_predictions
from pipelines.warehouse.connection import connect
from pipelines.warehouse.event_frames import read_events, read_people
from pipelines.warehouse.model_registry import RegistryError, registered_artefact
from pipelines.warehouse.model_store import ArtefactError
from rules.rulebook import load_rulebook


@dataclass(frozen=True)
class WindowEvaluation:
    """The evaluation's figures on a window, on everyone it takes and on the people a run scored."""

    as_of: date
    rows: int
    outcomes: int
    auc: float
    ece: float | None
    only_evaluated: int  # people the evaluation takes that the run did not score
    only_scored: int  # people the run scored that the evaluation does not take
    shared: dict[str, Any]  # rows, outcomes, auc, ece on the people in both

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(), "rows": self.rows, "outcomes": self.outcomes, "auc": self.auc,
            "ece": self.ece, "only_evaluated": self.only_evaluated, "only_scored": self.only_scored,
            "shared": self.shared,
        }  # fmt: skip


def evaluate_window(
    warehouse: Path, version: str, as_of: date, run_id: int | None = None
) -> WindowEvaluation:
    """Evaluate model ``version`` on the window from ``as_of`` as training evaluates its test window.

    Args:
        warehouse: the warehouse (read only).
        version: the model (scoring.model).
        as_of: the window's start; it must have closed (as_of plus the model's horizon on or before
            the data held).
        run_id: a weekly run at ``as_of`` whose recorded predictions are compared person by person.

    Raises:
        MonitoringError: the model or run is unknown, or its artefact cannot be read.
    """
    with connect(warehouse) as con:
        try:
            artefact = registered_artefact(con, version)
        except (RegistryError, ArtefactError) as error:
            raise MonitoringError(str(error)) from error
        events, people = read_events(con), read_people(con)
        scored = run_predictions(con, run_id) if run_id is not None else None
    settings = parse_settings(artefact.manifest["settings"], str(artefact.path / "manifest.json"))
    rows = snapshot_rows(
        events, people, [as_of], load_rulebook(), artefact.model.features,
        roles=settings.roles, horizon_months=settings.horizon_months,
    )  # fmt: skip
    margin = artefact.model.margin(rows.matrix)
    probability = artefact.model.calibrated(margin)
    everyone = model_metrics(rows.outcome, margin, probability, settings)
    ids = rows.keys["person_id"]
    shared: dict[str, Any] = {}
    only_evaluated = only_scored = 0
    if scored is not None:
        in_run = ids.is_in(scored["person_id"].implode()).to_numpy()
        only_evaluated = int((~in_run).sum())
        only_scored = int((~scored["person_id"].is_in(ids.implode())).sum())
        if in_run.any():
            on = model_metrics(rows.outcome[in_run], margin[in_run], probability[in_run], settings)
            shared = {"rows": on.rows, "outcomes": on.positives, "auc": on.auc, "ece": on.ece}
    return WindowEvaluation(
        as_of, everyone.rows, everyone.positives, everyone.auc, everyone.ece, only_evaluated,
        only_scored, shared,
    )  # fmt: skip


def agreement(warehouse: Path, document: dict[str, Any]) -> dict[str, Any] | None:
    """The acceptance check for a monitoring document: for its earliest run measured at its model's full
    horizon, monitoring's realised AUC and ECE for everyone scored beside the evaluation of the same
    model on the same window (on everyone the evaluation takes, and on the people both take).

    Returns:
        run_id, as_of, model_version, monitoring {rows, outcomes, auc, ece}, evaluation
        (WindowEvaluation.as_dict()), auc_difference and ece_difference (on the same people), or None
        when no run has matured at its full horizon.
    """
    full = [r for r in document["runs"] if r["model_horizon_months"] in r["matured_horizons"]]
    if not full:
        return None
    run = full[0]
    everyone = next(
        r
        for r in run["realised"]
        if r["group"] == "everyone" and r["horizon_months"] == run["model_horizon_months"]
    )
    window = evaluate_window(warehouse, run["model_version"], date.fromisoformat(run["as_of"]), run["run_id"])
    shared = window.shared or {"auc": window.auc, "ece": window.ece}
    return {
        "run_id": run["run_id"], "as_of": run["as_of"], "model_version": run["model_version"],
        "monitoring": {k: everyone[k] for k in ("rows", "outcomes", "auc", "ece")},
        "evaluation": window.as_dict(),
        "auc_difference": abs(everyone["auc"] - shared["auc"]) if everyone["auc"] is not None else None,
        "ece_difference": abs(everyone["ece"] - shared["ece"]) if everyone["ece"] is not None else None,
    }  # fmt: skip
