"""The evaluation report's charts as PNG bytes: harm in each arm, the estimates as a forest plot, and
the power curve. Built on matplotlib Figures (models.plots explains why), never pyplot."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from governance.trial_evaluation.analysis import Analysis
from models.plots import png

COLOURS = {"programme": "#1b6ca8", "control": "#b5651d"}
RATIOS = {
    ("cchi", "ratio_of_means"): "Harm: ratio of means (primary)",
    ("cchi", "ratio_of_means_bootstrap"): "Harm: ratio of means (bootstrap BCa)",
    ("knife_suspect", "rate_ratio"): "Knife offences as suspect: rate ratio",
    ("knife_victim", "rate_ratio"): "Knife offences as victim: rate ratio",
    ("serious_violence", "rate_ratio"): "Serious violence: rate ratio",
}


def harm_png(harm: Mapping[str, Sequence[float]], seed: int = 0) -> bytes:
    """Each person's harm by arm (points spread sideways, a symmetric-log scale so the zeros show), with
    each arm's mean as a bar."""
    fig = Figure(figsize=(6.5, 4.2))
    ax = fig.subplots()
    rng = np.random.default_rng(seed)
    for position, (arm, listed) in enumerate(harm.items()):
        values = np.asarray(listed, dtype=float)
        spread = position + rng.uniform(-0.18, 0.18, values.size)
        ax.scatter(spread, values, s=12, alpha=0.6, color=COLOURS.get(arm, "grey"))
        if values.size:
            ax.hlines(values.mean(), position - 0.3, position + 0.3, color="black", linewidth=2)
    ax.set_xticks(range(len(harm)))
    ax.set_xticklabels([f"{arm}\nn={len(v)}, none: {sum(1 for x in v if x <= 0)}" for arm, v in harm.items()])
    ax.set_yscale("symlog", linthresh=10)
    top = max((max(v) for v in harm.values() if len(v)), default=10.0)
    ax.set_ylim(-1.0, max(top, 10.0) * 2)
    ax.set_ylabel("Crime Harm Index as suspect (days, symmetric log)")
    ax.set_title("Harm in the follow-up, by arm (bar: mean)")
    return png(fig)


def forest_png(analysis: Analysis) -> bytes:
    """The ratio estimates with their 95% intervals on a log scale, 1 (no difference) marked; an open
    bound is drawn to the plot's edge with an arrow."""
    rows = [
        (label, analysis.estimates[o][n])
        for (o, n), label in RATIOS.items()
        if analysis.estimates.get(o, {}).get(n) is not None
    ]
    rows = [(label, e) for label, e in rows if e.estimate is not None and e.estimate > 0]
    fig = Figure(figsize=(7.5, 0.6 * len(rows) + 1.4))
    ax = fig.subplots()
    values = [v for _, e in rows for v in (e.estimate, e.lower, e.upper) if v is not None and v > 0]
    low, high = min([*values, 0.5]) / 1.5, max([*values, 2.0]) * 1.5
    for y, (_, e) in enumerate(reversed(rows)):
        assert e.estimate is not None
        lower, upper = e.lower if e.lower and e.lower > 0 else low, e.upper or high
        ax.plot([lower, upper], [y, y], color="black", linewidth=1.5)
        ax.plot(e.estimate, y, "s", color=COLOURS["programme"], markersize=7)
        if e.upper is None:
            ax.annotate("", (high, y), (high / 1.3, y), arrowprops={"arrowstyle": "->"})
    ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([label for label, _ in reversed(rows)])
    ax.set_xlabel("Programme over control (below 1: less in the programme arm)")
    ax.set_title("Estimates with 95% intervals")
    return png(fig)


def power_png(
    curve: Sequence[tuple[float, float]],
    mde: float | None,
    rank_curve: Sequence[tuple[float, float]] = (),
    target: float = 0.8,
) -> bytes:
    """Power against the reduction in harm, with the 80% line and the minimum detectable effect; the
    secondary rank test's power dashed, when given."""
    fig = Figure(figsize=(6.5, 4.2))
    ax = fig.subplots()
    ax.plot(
        [100 * r for r, _ in curve], [p for _, p in curve], marker="o", color=COLOURS["programme"],
        label="primary: difference in means",
    )  # fmt: skip
    if rank_curve:
        ax.plot(
            [100 * r for r, _ in rank_curve], [p for _, p in rank_curve], linestyle="--", color="grey",
            label="secondary: midranks",
        )  # fmt: skip
        ax.legend(loc="upper left")
    ax.axhline(target, color="grey", linestyle="--", linewidth=1)
    if mde is not None:
        ax.axvline(100 * mde, color=COLOURS["control"], linestyle=":", linewidth=1.5)
        ax.annotate(f"MDE {100 * mde:.0f}%", (100 * mde, 0.05), xytext=(4, 0), textcoords="offset points")
    ax.set_xlabel("Reduction in harm in the programme arm (%)")
    ax.set_ylabel("Power")
    ax.set_ylim(0, 1.02)
    ax.set_title("Power against the reduction in harm")
    return png(fig)
