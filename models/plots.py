"""Plain evaluation charts for the governance board: reliability curves and precision at list sizes.

Figures are built with `matplotlib.figure.Figure` rather than pyplot: nothing is registered in
pyplot's global figure list (so nothing can leak between runs or threads), no GUI backend is ever
chosen, and importing this module does not change the backend for the rest of the process.
Saving a bare Figure always renders with Agg. Each chart is returned as PNG bytes: writing them is
the training stage's (pipelines/train/plots.py).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from models.metrics import ReliabilityBin

DPI = 150


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes (``DPI``, trimmed to what is drawn); the figure is cleared afterwards.

    Args:
        fig: the figure to render.

    Returns:
        The PNG file's bytes.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    fig.clear()
    return buffer.getvalue()


def reliability_png(curves: dict[str, list[ReliabilityBin]]) -> bytes:
    """Predicted probability against observed rate, one line per model, with the diagonal.

    Both axes stop just past the largest value plotted, since probabilities here are small and a
    0-to-1 square would squash every curve into a corner.

    Args:
        curves: Reliability bins per model name.

    Returns:
        The PNG's bytes.
    """
    return reliability_lines_png(
        {
            name: ([b.mean_predicted for b in curve], [b.observed_rate for b in curve])
            for name, curve in curves.items()
        },
        title="Reliability on the test window",
        observed="Observed rate of serious violence (per bin)",
    )


def reliability_lines_png(
    lines: Mapping[str, tuple[Sequence[float], Sequence[float]]], *, title: str, observed: str,
    legend_size: float | None = None,
) -> bytes:  # fmt: skip
    """Reliability lines (mean predicted, observed rate per bin, by label) with the diagonal, on axes
    that stop just past the largest value plotted.

    Returns:
        The PNG's bytes.
    """
    fig = Figure(figsize=(6.5, 6))
    ax = fig.subplots()
    values = [v for predicted, rate in lines.values() for v in (*predicted, *rate)]
    top = max(values, default=0.0) * 1.05 or 1.0
    ax.plot([0.0, top], [0.0, top], linestyle="--", color="grey", linewidth=1, label="Perfect calibration")
    for label, (predicted, rate) in lines.items():
        ax.plot(list(predicted), list(rate), marker="o", linewidth=1.5, label=label)
    ax.set_xlim(0.0, top)
    ax.set_ylim(0.0, top)
    ax.set_aspect("equal")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("Mean predicted probability (per bin)")
    ax.set_ylabel(observed)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=legend_size)
    return png(fig)


def precision_at_png(results: dict[str, dict[int, tuple[float, float]]]) -> bytes:
    """Grouped bars of precision at each list size, one bar per model, each labelled with its value.

    Args:
        results: Per model name, (precision, recall) keyed by list size.

    Returns:
        The PNG's bytes.
    """
    sizes = sorted({k for at in results.values() for k in at})
    fig = Figure(figsize=(max(6.5, 1.2 * len(sizes) * max(len(results), 1)), 5))
    ax = fig.subplots()
    width = 0.8 / max(len(results), 1)
    top = 0.0
    for i, (name, at) in enumerate(results.items()):
        heights = [at[k][0] if k in at else math.nan for k in sizes]
        offsets = [j + (i - (len(results) - 1) / 2) * width for j in range(len(sizes))]
        bars = ax.bar(offsets, heights, width=width, label=name)
        ax.bar_label(bars, labels=["" if math.isnan(h) else f"{h:.0%}" for h in heights], fontsize=8)
        top = max([top, *(h for h in heights if not math.isnan(h))])
    ax.set_xticks(range(len(sizes)), [f"Top {k}" for k in sizes])
    ax.set_ylim(0.0, top * 1.15 if top > 0 else 1.0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("List size (people)")
    ax.set_ylabel("Precision (share of the list later involved)")
    ax.set_title("Precision at list sizes")
    ax.grid(axis="y", alpha=0.3)
    ax.legend()
    return png(fig)


def shap_summary_png(
    contributions: np.ndarray, matrix: np.ndarray, features: Sequence[str], show: int = 15
) -> bytes:
    """SHAP summary (beeswarm): one row per feature, most important on top; each dot a person,
    placed by the feature's push on their log-odds and coloured by the feature's value.

    Args:
        contributions: SHAP values, one column per feature (without the bias).
        matrix: the features' values, same shape.
        features: the column names.
        show: how many features to show, by mean absolute contribution.

    Returns:
        The PNG's bytes.
    """
    importance = np.abs(contributions).mean(axis=0)
    order = np.argsort(-importance, kind="stable")[:show][::-1]
    fig = Figure(figsize=(8, 0.4 * len(order) + 1.5))
    ax = fig.subplots()
    jitter = np.random.default_rng(0).uniform(-0.3, 0.3, contributions.shape[0])
    scatter = None
    for row, column in enumerate(order):
        values = matrix[:, column].astype(float)
        known = ~np.isnan(values)
        colour = np.full(values.size, 0.5)
        if known.any() and np.ptp(values[known]) > 0:
            low, high = np.nanpercentile(values, [5, 95])
            colour[known] = np.clip((values[known] - low) / ((high - low) or 1.0), 0.0, 1.0)
        scatter = ax.scatter(
            contributions[:, column], row + jitter, c=colour, cmap="coolwarm", vmin=0, vmax=1, s=6, alpha=0.7
        )
    ax.axvline(0.0, color="grey", linewidth=1)
    ax.set_yticks(range(len(order)), [features[c] for c in order], fontsize=8)
    ax.set_xlabel("SHAP value (push on the log-odds of serious violence)")
    ax.set_title("What drives the model's scores (SHAP summary)")
    if scatter is not None:
        bar = fig.colorbar(scatter, ax=ax, ticks=[0, 1])
        bar.ax.set_yticklabels(["low", "high"])
        bar.set_label("Feature value")
    return png(fig)


def shap_dependence_png(contributions: np.ndarray, values: np.ndarray, feature: str) -> bytes:
    """How one feature's value moves its SHAP value, one dot per person (unknown values left out).

    Returns:
        The PNG's bytes.
    """
    known = ~np.isnan(values)
    fig = Figure(figsize=(6, 4.5))
    ax = fig.subplots()
    ax.scatter(values[known], contributions[known], s=6, alpha=0.5)
    ax.axhline(0.0, color="grey", linewidth=1)
    ax.set_xlabel(feature)
    ax.set_ylabel("SHAP value (log-odds)")
    ax.set_title(f"Dependence: {feature}")
    ax.grid(alpha=0.3)
    return png(fig)
