"""The charts write non-empty PNG files."""

from __future__ import annotations

import os
from pathlib import Path

# keep matplotlib's font cache and config inside the project, never under ~ (as the Makefile does)
os.environ.setdefault("MPLCONFIGDIR", str(Path(__file__).resolve().parents[2] / ".prefect" / "matplotlib"))

from models.metrics import ReliabilityBin, reliability  # noqa: E402
from pipelines.train.plots import precision_at_plot, reliability_plot  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def test_reliability_plot_writes_a_png(tmp_path: Path) -> None:
    curves = {
        "LightGBM (calibrated)": reliability([0, 0, 1, 0, 1, 0], [0.01, 0.02, 0.05, 0.03, 0.2, 0.1], bins=3),
        "Logistic regression": [
            ReliabilityBin(0.0, 0.1, 0.04, 0.02, 4),
            ReliabilityBin(0.1, 0.3, 0.15, 0.5, 2),
        ],
    }
    path = tmp_path / "charts" / "reliability.png"
    assert reliability_plot(curves, path) == path
    assert path.read_bytes().startswith(PNG)


def test_precision_at_plot_writes_a_png_when_a_model_lacks_a_size(tmp_path: Path) -> None:
    results = {
        "LightGBM (calibrated)": {45: (0.31, 0.05), 100: (0.24, 0.09), 250: (0.16, 0.14)},
        "Rules alone": {45: (0.12, 0.02), 100: (0.1, 0.04), 250: (0.08, 0.07)},
        "Oracle": {45: (1.0, 0.16), 100: (1.0, 0.35)},
    }
    path = tmp_path / "precision.png"
    assert precision_at_plot(results, path) == path
    assert path.read_bytes().startswith(PNG)
