"""Monitoring the model once it is used (`cohort monitor`): the one I/O seam around models/monitoring*.

It measures every weekly run that recorded predictions against the outcomes that followed, at each
horizon that has matured, for the groups kept apart (the treated never pooled with the others);
states the performance expected before outcomes arrive; measures feature and population drift;
raises alerts past the limits in models/settings.yaml; writes the report and JSON (owner-only);
and records the report (scoring.monitor_report, for the board pack) and an audit event.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from models.monitoring_alerts import RECALIBRATE, calibration_alerts, drift_alerts
from models.monitoring_runs import GROUPS
from models.settings import SETTINGS_FILE, MonitoringSettings, load_settings
from pipelines.monitor.measure import Facts, MonitoredModel, measure_run, monitored_model
from pipelines.monitor.read import RecordedRun, allocations, known_until, listings, offences, recorded_runs
from pipelines.monitor.report import write_outputs
from pipelines.timing import Stopwatch
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.connection import connect
from pipelines.warehouse.queries import sql, transaction

SCHEMA = "cohort.monitoring/1"
PURPOSE = "monitoring the risk model's realised performance, calibration and drift for its governance board"
GROUP_MEANINGS = {
    "everyone": "everyone the run scored (the model's evaluation population)",
    "not_treated": "everyone scored but the treated",
    "never_listed": "never on any list (nor allocated) before the window closed",
    "control": "randomised to the control arm before the window closed",
    "treated": "allocated to the programme before the window closed: kept apart, never pooled",
}


@dataclass(frozen=True)
class MonitoringResult:
    """What one monitoring report found and where it is."""

    report_id: int
    as_at: date
    runs: int
    alerts: list[dict[str, Any]]
    document: dict[str, Any]
    html: Path
    json: Path
    seconds: dict[str, float]

    def summary(self) -> dict[str, Any]:
        """The headline figures (no person identifiers): the runs measured, the latest run measured at
        its model's full horizon with each group's realised AUC, ECE and precision, and the alerts."""
        runs = self.document["runs"]
        full = [r for r in runs if r["model_horizon_months"] in r["matured_horizons"]]
        latest = None
        if full:
            run = full[-1]
            rows = [r for r in run["realised"] if r["horizon_months"] == run["model_horizon_months"]]
            latest = {
                "run_id": run["run_id"], "as_of": run["as_of"], "horizon_months": run["model_horizon_months"],
                "expected_precision": run["expected"]["precision"] if run["expected"] else None,
                "groups": {
                    r["group"]: {k: r[k] for k in ("rows", "outcomes", "auc", "ece", "precision_at_k", "k")}
                    for r in rows
                },
            }  # fmt: skip
        return {
            "report_id": self.report_id, "as_at": self.as_at.isoformat(), "runs": self.runs,
            "runs_with_matured_outcomes": sum(bool(r["matured_horizons"]) for r in runs),
            "runs_at_full_horizon": len(full), "latest_at_full_horizon": latest,
            "alerts": [a["message"] for a in self.alerts], "html": str(self.html),
            "seconds": {k: round(v, 1) for k, v in self.seconds.items()},
        }  # fmt: skip


def run_monitoring(
    warehouse: Path,
    out: Path,
    *,
    now: datetime,
    by: str,
    as_of: date | None = None,
    settings_file: Path | None = None,
) -> MonitoringResult:
    """Measure every recorded run against the outcomes that followed, and report.

    Args:
        warehouse: the DuckDB warehouse.
        out: the folder for the HTML report and the JSON (made owner-only).
        now: when the report is made (the caller's clock).
        by: who made it (kept in the audit log).
        as_of: report as at this day: runs up to it, outcomes only for windows closed by it
            [default: the day the police occurrences held run to].
        settings_file: model settings with the ``monitoring`` section [default: models/settings.yaml].

    Raises:
        MonitoringError: no outcome source is loaded, or a model the runs used cannot be read.
    """
    watch = Stopwatch()
    monitoring = load_settings(settings_file).monitoring
    where = str(settings_file or SETTINGS_FILE)
    with connect(warehouse) as con:
        held = known_until(con)
        as_at = min(as_of, held) if as_of else held
        runs = recorded_runs(con, as_at)
        with watch.lap("read outcomes"):
            facts = Facts(offences(con), allocations(con), listings(con), as_at)
        documents, models = _measured(con, runs, facts, monitoring, now, watch)
        report_id = int(con.execute(sql("monitor/next_report_id")).fetchall()[0][0])
        alerts = calibration_alerts(documents, monitoring, where)
        alerts += drift_alerts(documents[-1], monitoring, where) if documents else []
        document = {
            "schema": SCHEMA, "report_id": report_id, "made_at": now.isoformat(), "made_by": by,
            "as_at": as_at.isoformat(), "data_held_until": held.isoformat(), "models": models,
            "settings": _settings_document(monitoring, where), "groups": GROUP_MEANINGS,
            "runs": documents, "alerts": alerts, "recalibration": RECALIBRATE,
        }  # fmt: skip
        with watch.lap("report"):
            written = write_outputs(out, document)
        _record(con, document, written["html"], now)
    return MonitoringResult(
        report_id, as_at, len(documents), alerts, document, written["html"], written["json"], watch.laps
    )


def _measured(
    con: duckdb.DuckDBPyConnection, runs: list[RecordedRun], facts: Facts, monitoring: MonitoringSettings,
    now: datetime, watch: Stopwatch,
) -> tuple[list[dict[str, Any]], list[str]]:  # fmt: skip
    """Every run's document, in order, and the models they used (each read, and its training reference
    counted if new, once)."""
    models: dict[str, MonitoredModel] = {}
    documents = []
    for run in runs:
        if run.model_version not in models:
            with watch.lap("training reference"):
                models[run.model_version] = monitored_model(con, run.model_version, monitoring, now=now)
        with watch.lap("measure runs"):
            measured = measure_run(con, run, models[run.model_version], facts, monitoring)
        documents.append(_summarised(measured, monitoring))
    return documents, sorted(models)


def _record(con: duckdb.DuckDBPyConnection, document: dict[str, Any], html: Path, now: datetime) -> None:
    """Keep the report (for the board pack) and its audit event, in one transaction."""
    digest = hashlib.sha256(html.read_bytes()).hexdigest()
    runs, alerts, by = document["runs"], document["alerts"], document["made_by"]
    matured = sum(bool(d["matured_horizons"]) for d in runs)
    with transaction(con):
        con.execute(
            sql("monitor/insert_report"),
            [document["report_id"], now, by, date.fromisoformat(document["as_at"]), len(runs), len(alerts),
             json.dumps(document, sort_keys=True), str(html.resolve()), digest],
        )  # fmt: skip
        audit.record(
            con, f"user:{by}", "monitor",
            f"monitoring report {document['report_id']} as at {document['as_at']}: {len(runs)} runs, "
            f"{matured} with matured outcomes, {len(alerts)} alerts",
            purpose=PURPOSE, file_name=html.name, sha256=digest, at=now,
        )  # fmt: skip


def _summarised(run: dict[str, Any], monitoring: MonitoringSettings) -> dict[str, Any]:
    """The run's document with its largest feature shift and how many features passed the limit."""
    shifts = {f: v for f, v in run["drift"].items() if v is not None}
    top = max(shifts.items(), key=lambda item: item[1], default=None)
    return run | {
        "drift_max": {"feature": top[0], "psi": top[1]} if top else None,
        "drift_over": sum(v > monitoring.psi_limit for v in shifts.values()),
    }


def _settings_document(monitoring: MonitoringSettings, where: str) -> dict[str, Any]:
    return {
        "file": where,
        "horizons_months": list(monitoring.horizons_months),
        "alert_groups": list(monitoring.alert_groups),
        "minimum_outcomes": monitoring.minimum_outcomes,
        "limits": {
            "ece": monitoring.ece_limit,
            "calibration_in_the_large": monitoring.calibration_in_the_large_limit,
            "psi": monitoring.psi_limit,
        },
        "drift_bins": monitoring.drift_bins,
        "reference_snapshots": monitoring.reference_snapshots,
        "groups": list(GROUPS),
    }
