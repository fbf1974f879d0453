"""The model report for a board: HTML from the artefact's manifest (the plots sit beside it)."""

from __future__ import annotations

from typing import Any

from data_contracts.rendering import environment
from features.registry import registry


def render_report(manifest: dict[str, Any], dependence: list[str]) -> str:
    """The self-contained HTML report (no scripts, fonts or styles from the network).

    Args:
        manifest: the artefact's manifest (models/artefact.py), with its evaluation.
        dependence: the features with a dependence plot, most important first.
    """
    env = environment("models")
    registered = registry()
    features = [
        {"name": n, "source": registered[n].source, "direction": registered[n].direction,
         "description": registered[n].description}
        for n in manifest["features"]
    ]  # fmt: skip
    return env.get_template("model_report.html.j2").render(
        m=manifest,
        evaluation=manifest["evaluation"],
        features=features,
        dependence=dependence,
        pct=_pct,
        num=_num,
    )


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _num(value: float | None, places: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{places}f}"
