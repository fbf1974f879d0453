"""Render the calibration report (Markdown) that every world writes beside its files."""

from __future__ import annotations

from synth.measures import Measure
from synth.params import WorldParams


def render_calibration_report(measures: list[Measure], params: WorldParams) -> str:
    """A Markdown table of generated figures against their reference targets.

    Args:
        measures: the world's measures.
        params: the world's parameters (shown in the heading).

    Returns:
        The report text.
    """
    lines = [
        "# Calibration report",
        "",
        f"World: {params.residents:,} residents, seed {params.seed}, end date {params.end_date.isoformat()}, "
        f"recording bias {'on' if params.recording_bias else 'off'}, noise x{params.noise}.",
        "",
        "Rates are averaged over the last three full years of history. A figure is *within* when it is "
        "within ±20% of its target (or inside the stated range), and *within sampling error* when the "
        "gap is no more than ±20% plus two standard errors. Small worlds carry real sampling noise: a "
        "rate of 4 per 1,000 rests on a few dozen people in a 50,000-resident world, and violence "
        "clusters in feuding groups, so a world's rates move together from seed to seed.",
        "",
        "| measure | generated | standard error | target | unit | status | source |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    for m in measures:
        target = f"{m.target:g}" if m.target is not None else f"{m.low:g} to {m.high:g}"
        error = f"{m.standard_error:.2f}" if m.standard_error else ""
        lines.append(
            f"| {m.name} | {m.value:.2f} | {error} | {target} | {m.unit} | {m.status} | {m.source} |"
        )
    outside = [m for m in measures if m.within is False]
    lines += ["", "## Figures outside their target", ""]
    if not outside:
        lines.append("None.")
    for m in outside:
        sampling = (
            f"Within two standard errors ({m.standard_error:.2f}) of the ±20% band: sampling noise."
            if m.status == "within sampling error"
            else "Not explained: treat as a calibration defect."
        )
        why = m.explanation or sampling
        lines.append(f"- **{m.name}**: {m.value:.2f} against {m.target}. {why}")
    return "\n".join(lines) + "\n"
