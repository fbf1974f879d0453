"""Monitoring's alerts: calibration that drifted past a limit, and features that moved away from the
training data. Each alert says what happens next: a recalibration the board approves, never a
silent refit."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from models.settings import MonitoringSettings

RECALIBRATE = (
    "Recalibrate on a matured window: `cohort model recalibrate` refits only the calibrator and records "
    "the result as a candidate model; the board reviews it and approves it with `cohort model approve`. "
    "Nothing is refitted or replaced until then."
)
INVESTIGATE_DRIFT = (
    "Check the extracts behind these features (a changed feed or recording practice) before trusting "
    "the scores; the board decides whether to recalibrate or retrain. Nothing changes until it does."
)


def calibration_alerts(
    runs: Sequence[Mapping[str, Any]], settings: MonitoringSettings, settings_file: str
) -> list[dict[str, Any]]:
    """An alert for every run, horizon and alerting group whose calibration passed a limit.

    A group with fewer outcomes than ``settings.minimum_outcomes`` in the window raises none: its
    calibration cannot yet be told from chance.

    Args:
        runs: each run's document (run_id, as_of, model_version, realised rows).
        settings: the limits and the groups that alert.
        settings_file: where the limits are set (named in each alert).
    """
    alerts = []
    for run in runs:
        for row in run["realised"]:
            if row["group"] not in settings.alert_groups or row["outcomes"] < settings.minimum_outcomes:
                continue
            ratio = row["observed_to_expected"]
            group, expected = row["group"].replace("_", " "), row["expected_rate"] * row["rows"]
            checks = (
                ("ece", row["ece"], settings.ece_limit, "expected calibration error"),
                (
                    "calibration_in_the_large",
                    None if ratio is None else abs(ratio - 1.0),
                    settings.calibration_in_the_large_limit,
                    "|observed / expected - 1|",
                ),
            )
            for measure, value, limit, words in checks:
                if value is None or math.isnan(value) or value <= limit:
                    continue
                alerts.append(
                    {
                        "kind": "calibration",
                        "run_id": run["run_id"],
                        "as_of": run["as_of"],
                        "model_version": run["model_version"],
                        "horizon_months": row["horizon_months"],
                        "group": row["group"],
                        "measure": measure,
                        "value": value,
                        "limit": limit,
                        "message": (
                            f"Calibration drift: {words} {value:.3f} for {group} at {row['horizon_months']} "
                            f"months on run {run['run_id']} (as of {run['as_of']}) is above the limit "
                            f"{limit} ({settings_file} monitoring.limits.{measure}); {row['outcomes']} "
                            f"outcomes observed against {expected:.1f} expected."
                        ),
                        "next_step": RECALIBRATE,
                    }
                )
    return alerts


def drift_alerts(
    run: Mapping[str, Any], settings: MonitoringSettings, settings_file: str
) -> list[dict[str, Any]]:
    """One alert naming the features of ``run`` (the latest) whose PSI passed the limit, if any."""
    moved = {f: psi for f, psi in run["drift"].items() if psi is not None and psi > settings.psi_limit}
    if not moved:
        return []
    named = ", ".join(f"{f} ({psi:.2f})" for f, psi in sorted(moved.items(), key=lambda item: -item[1]))
    return [
        {
            "kind": "feature_drift",
            "run_id": run["run_id"],
            "as_of": run["as_of"],
            "model_version": run["model_version"],
            "horizon_months": None,
            "group": "everyone",
            "measure": "psi",
            "value": max(moved.values()),
            "limit": settings.psi_limit,
            "message": (
                f"Feature drift on run {run['run_id']} (as of {run['as_of']}): {len(moved)} feature(s) moved "
                f"beyond PSI {settings.psi_limit} ({settings_file} monitoring.limits.psi) against the "
                f"model's training data: {named}."
            ),
            "next_step": INVESTIGATE_DRIFT,
        }
    ]
