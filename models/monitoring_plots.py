"""Monitoring's charts, drawn from its document (``cohort.monitoring/1``) as PNG bytes: realised
performance over the runs, expected against realised precision, feature drift, the population and
reliability. Built on bare matplotlib Figures, as models/plots.py explains."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from models.plots import png, reliability_lines_png

GROUP_LABELS = {
    "everyone": "everyone scored",
    "not_treated": "everyone not treated",
    "never_listed": "never listed",
    "control": "randomised controls",
    "treated": "treated (programme)",
}


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _days(days: Sequence[date]) -> np.ndarray:
    """Dates as an array matplotlib plots on a date axis."""
    return np.array(days, dtype="datetime64[D]")


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def performance_png(runs: Sequence[Mapping[str, Any]], group: str, ece_limit: float) -> bytes:
    """Realised AUC and ECE of each run, one line per horizon, for one group; the ECE limit drawn."""
    fig = Figure(figsize=(10, 4.2))
    left, right = fig.subplots(1, 2)
    horizons = sorted({r["horizon_months"] for run in runs for r in run["realised"]})
    for horizon in horizons:
        points = [
            (_day(run["as_of"]), r)
            for run in runs
            for r in run["realised"]
            if r["horizon_months"] == horizon and r["group"] == group
        ]
        if not points:
            continue
        days = _days([d for d, _ in points])
        left.plot(days, [_number(r["auc"]) for _, r in points], marker="o", label=f"{horizon} months")
        right.plot(days, [_number(r["ece"]) for _, r in points], marker="o", label=f"{horizon} months")
    right.axhline(ece_limit, color="#b3261e", linestyle="--", linewidth=1, label=f"limit {ece_limit}")
    left.set_title(f"Realised AUC: {GROUP_LABELS.get(group, group)}")
    right.set_title(f"Expected calibration error: {GROUP_LABELS.get(group, group)}")
    for ax in (left, right):
        ax.set_xlabel("Run's reference date")
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:  # a group nobody is in yet draws no line
            ax.legend(fontsize=8)
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    return png(fig)


def expected_png(runs: Sequence[Mapping[str, Any]], model_horizon: int) -> bytes:
    """Precision at the list size expected from the probabilities for every run, beside the realised
    precision of everyone scored once the model's own horizon has matured."""
    fig = Figure(figsize=(8, 4.2))
    ax = fig.subplots()
    days = _days([_day(run["as_of"]) for run in runs])
    ax.plot(days, [_number(run["expected"]["precision"]) for run in runs], marker="o", label="expected")
    matured = [
        (_day(run["as_of"]), r["precision_at_k"])
        for run in runs
        for r in run["realised"]
        if r["horizon_months"] == model_horizon and r["group"] == "everyone"
    ]
    if matured:
        ax.plot(
            _days([d for d, _ in matured]), [_number(p) for _, p in matured], marker="s", label="realised"
        )
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("Run's reference date")
    ax.set_ylabel(f"Precision at the list size ({model_horizon} months)")
    ax.set_title("Expected and realised precision at the list size")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    return png(fig)


def drift_png(drift: Mapping[str, float | None], limit: float, show: int = 20) -> bytes:
    """The population stability index of the (at most ``show``) features that moved most, with the limit."""
    moved = ((f, v) for f, v in drift.items() if v is not None and v > 1e-6)  # unmoved features say nothing
    ranked = sorted(moved, key=lambda item: -item[1])[:show]
    fig = Figure(figsize=(8, 0.32 * max(len(ranked), 1) + 1.5))
    ax = fig.subplots()
    ax.barh([f for f, _ in ranked][::-1], [v for _, v in ranked][::-1], color="#4c72b0")
    ax.axvline(limit, color="#b3261e", linestyle="--", linewidth=1, label=f"limit {limit}")
    ax.tick_params(axis="y", labelsize=7)
    ax.set_xlabel("Population stability index against the training data")
    ax.set_title("Feature drift (latest run)")
    ax.legend(fontsize=8)
    return png(fig)


def population_png(runs: Sequence[Mapping[str, Any]]) -> bytes:
    """People scored per run, and the share listed and in each age group."""
    fig = Figure(figsize=(10, 4.2))
    left, right = fig.subplots(1, 2)
    days = _days([_day(run["as_of"]) for run in runs])
    left.plot(days, [run["population"]["scored"] for run in runs], marker="o")
    left.set_title("People scored")
    right.plot(days, [_number(run["population"]["share_listed"]) for run in runs], marker="o", label="listed")
    ages = list(runs[0]["population"]["ages"]) if runs else []
    for age in ages:
        right.plot(days, [_number(run["population"]["ages"][age]) for run in runs], label=f"aged {age}")
    right.yaxis.set_major_formatter(PercentFormatter(1.0))
    right.set_title("Share listed and age mix")
    right.legend(fontsize=8)
    for ax in (left, right):
        ax.set_xlabel("Run's reference date")
        ax.grid(alpha=0.3)
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    return png(fig)


def reliability_png(rows: Sequence[Mapping[str, Any]], title: str) -> bytes:
    """Mean predicted probability against the observed rate, bin by bin, one line per group."""
    lines = {
        GROUP_LABELS.get(r["group"], r["group"]): (
            [b["mean_predicted"] for b in r["reliability"]],
            [b["observed_rate"] for b in r["reliability"]],
        )
        for r in rows
    }
    return reliability_lines_png(lines, title=title, observed="Observed rate (per bin)", legend_size=8)
