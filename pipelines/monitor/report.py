"""Monitoring's outputs: one self-contained HTML report (its charts embedded) and the JSON document,
both owner-only and free of person identifiers."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from data_contracts.rendering import environment
from models.monitoring_plots import (
    GROUP_LABELS,
    drift_png,
    expected_png,
    performance_png,
    population_png,
    reliability_png,
)
from pipelines.files import write_private

DAY = "%d/%m/%Y"


def charts(document: Mapping[str, Any]) -> dict[str, bytes]:
    """The report's charts as PNG bytes, by name (only those with something to draw)."""
    runs = document["runs"]
    if not runs:
        return {}
    settings = document["settings"]
    found: dict[str, bytes] = {"population": population_png(runs)}
    horizon = max(run["model_horizon_months"] for run in runs)
    found["expected"] = expected_png(runs, horizon)
    if any(run["realised"] for run in runs):
        for group in settings["alert_groups"]:
            found[f"performance-{group}"] = performance_png(runs, group, settings["limits"]["ece"])
        latest = latest_matured(runs)
        if latest is not None:
            run, rows = latest
            found["reliability"] = reliability_png(
                [r for r in rows if r["reliability"]],
                f"Reliability, run {run['run_id']} ({run['as_of']}), {rows[0]['horizon_months']} months",
            )
    found["drift"] = drift_png(runs[-1]["drift"], settings["limits"]["psi"])
    return found


def latest_matured(runs: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The latest run measured at its longest matured horizon, with those rows (None if none matured)."""
    for run in reversed(runs):
        if run["matured_horizons"]:
            longest = max(run["matured_horizons"])
            return run, [r for r in run["realised"] if r["horizon_months"] == longest]
    return None


def embedded(figures: Mapping[str, bytes]) -> dict[str, str]:
    """Each chart as a data: URI, so the report stands alone offline."""
    return {
        name: "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        for name, data in figures.items()
    }


def render_report(document: Mapping[str, Any]) -> str:
    """The monitoring report as one self-contained HTML document (nothing fetched from the network)."""
    env = environment("pipelines.monitor", trim_blocks=True)
    return env.get_template("monitor_report.html.j2").render(
        doc=document, figures=embedded(charts(document)), labels=GROUP_LABELS,
        latest=latest_matured(document["runs"]),
    )  # fmt: skip


def write_outputs(out: Path, document: Mapping[str, Any]) -> dict[str, Path]:
    """Write the HTML report and the JSON document into ``out`` (the folder and files owner-only).

    Returns:
        The paths written, by kind ("html", "json").
    """
    stem = f"monitoring-{document['report_id']}-{document['made_at'][:10]}"
    html = write_private(out / f"{stem}.html", render_report(document))
    data = write_private(out / f"{stem}.json", json.dumps(document, indent=2, sort_keys=True))
    return {"html": html, "json": data}
