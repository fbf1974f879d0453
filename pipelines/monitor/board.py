"""What the board pack shows of monitoring: the latest monitoring report's runs over time, expected
performance, drift and alerts, with its charts embedded (read from scoring.monitor_report)."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from models.monitoring_plots import GROUP_LABELS
from pipelines.monitor.report import charts, embedded
from pipelines.warehouse.queries import sql

RECENT_RUNS = 12
BOARD_CHARTS = ("performance-not_treated", "expected", "drift")


def monitoring_section(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The latest monitoring report for the board pack, or None when `cohort monitor` has not run.

    Returns:
        report_id, made_at, made_by, as_at, the document (its runs cut to the latest ``RECENT_RUNS``,
        oldest first), the rows of each run at each matured horizon for the groups kept apart, the
        alerts, the group labels and the charts (data: URIs).
    """
    found = con.execute(sql("monitor/latest_report")).fetchall()
    if not found:
        return None
    report_id, made_at, made_by, as_at, text = found[0]
    document = json.loads(text)
    figures = {name: png for name, png in charts(document).items() if name in BOARD_CHARTS}
    runs = document["runs"][-RECENT_RUNS:]
    return {
        "report_id": report_id,
        "made_at": made_at,
        "made_by": made_by,
        "as_at": as_at,
        "document": document,
        "runs": runs,
        "realised": [
            {"run_id": run["run_id"], "as_of": run["as_of"], **row}
            for run in runs
            for row in run["realised"]
            if row["group"] in ("not_treated", "never_listed", "control", "treated") and row["rows"]
        ],
        "alerts": document["alerts"],
        "labels": GROUP_LABELS,
        "figures": embedded(figures),
    }
