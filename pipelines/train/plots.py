"""The evaluation charts as files: models/plots.py draws each PNG, written here owner-only."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from models.metrics import ReliabilityBin
from models.plots import png, precision_at_png, reliability_png, shap_dependence_png, shap_summary_png
from pipelines.files import write_private


def save_figure(fig: Figure, path: Path) -> Path:
    """Write a figure's PNG to ``path`` owner-only (see :func:`models.plots.png`).

    Returns:
        The path written.
    """
    return write_private(path, png(fig))


def reliability_plot(curves: dict[str, list[ReliabilityBin]], path: Path) -> Path:
    """Write the reliability curves' PNG (:func:`models.plots.reliability_png`) to ``path``.

    Returns:
        The path written.
    """
    return write_private(path, reliability_png(curves))


def precision_at_plot(results: dict[str, dict[int, tuple[float, float]]], path: Path) -> Path:
    """Write the precision-at-list-sizes PNG (:func:`models.plots.precision_at_png`) to ``path``.

    Returns:
        The path written.
    """
    return write_private(path, precision_at_png(results))


def shap_summary_plot(
    contributions: np.ndarray, matrix: np.ndarray, features: Sequence[str], path: Path, show: int = 15
) -> Path:
    """Write the SHAP summary PNG (:func:`models.plots.shap_summary_png`) to ``path``.

    Returns:
        The path written.
    """
    return write_private(path, shap_summary_png(contributions, matrix, features, show))


def shap_dependence_plot(contributions: np.ndarray, values: np.ndarray, feature: str, path: Path) -> Path:
    """Write one feature's SHAP dependence PNG (:func:`models.plots.shap_dependence_png`) to ``path``.

    Returns:
        The path written.
    """
    return write_private(path, shap_dependence_png(contributions, values, feature))
