"""The probability as a list shows it: only as finely as the model's calibration can vouch for.

The evidence is the model's reliability curve on its test window (``evaluation.json``,
``reliability["risk model"]``: models.metrics.reliability bins, closed on the right, each with its
probability range and how many people fell in it). A person's calibrated probability is shown as
the range of the step it falls in, never finer:

1. A step with fewer than ``min_people`` people (list settings ``probability_shown.min_people``)
   joins the step above it (the highest, the one below), so every step shown stands on enough
   people.
2. The lowest step is open below and the highest open above: a probability under the first
   step's range belongs to it, one over the last step's range to that.
3. A step's bounds are written in whole per cent (rounded half up), and read:
   - "N%" when both bounds round to N (a narrow, well-populated step: its whole per cent);
   - "L% to U%" otherwise;
   - the highest step "L% or more" (a top step spanning 5-100% reads "5% or more", never
     "95% or more");
   - the lowest step "U% or less", or "under F%" when the whole step is under the ``floor`` F.
4. The settings' ``floor`` and ``ceiling`` still bound the words: nothing reads under the floor
   ("under 1%", never "0%") or above the ceiling ("95% or more", never "100%"); a step reaching
   below the floor is open below, one reaching above the ceiling open above.

The bounds describe the probability rounded to whole per cent: a person in "2% to 5%" has a
probability that rounds to 2, 3, 4 or 5 per cent. Without calibration evidence (a model stored
without a reliability curve) every probability reads in whole per cent within the floor and the
ceiling, as lists did before.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

MODEL_CURVE = "risk model"
"""The reliability curve of the model itself in ``evaluation.json`` (models.evaluate.MODEL)."""


@dataclass(frozen=True)
class Step:
    """A calibration step as shown: probabilities up to ``upper`` (the last: any) read ``text``."""

    upper: float | None
    text: str
    people: int


def whole_percent(probability: float) -> int:
    """A probability in whole per cent, rounded half up (0.00746 -> 1, 0.04954 -> 5)."""
    return math.floor(probability * 100 + 0.5)


def step_text(lower: float | None, upper: float | None, floor: float, ceiling: float) -> str:
    """The words for a step from ``lower`` (exclusive; None: open below) to ``upper`` (None: open above).

    Args:
        lower: the step's lower bound, or None for the lowest step.
        upper: the step's upper bound, or None for the highest step.
        floor: nothing reads under this (list settings ``probability_shown.floor``).
        ceiling: nothing reads above this (``probability_shown.ceiling``).
    """
    low, high = whole_percent(floor), whole_percent(ceiling)
    if upper is not None and upper <= floor:
        return f"under {low}%"
    if lower is not None and lower >= ceiling:
        return f"{high}% or more"
    below = lower is None or whole_percent(lower) < low
    above = upper is None or whole_percent(upper) > high
    if below and above:
        return f"{low}% to {high}%"
    if below:
        assert upper is not None
        return f"{whole_percent(upper)}% or less"
    assert lower is not None
    if above:
        return f"{whole_percent(lower)}% or more"
    assert upper is not None
    first, last = whole_percent(lower), whole_percent(upper)
    return f"{first}%" if first == last else f"{first}% to {last}%"


def calibration_steps(
    curve: Sequence[Mapping[str, Any]], *, floor: float, ceiling: float, min_people: int
) -> tuple[Step, ...]:
    """The steps a reliability curve vouches for, lowest first, with their words (module docstring).

    Args:
        curve: the reliability bins (``lower``, ``upper``, ``count``), lowest first.
        floor: the settings' floor.
        ceiling: the settings' ceiling.
        min_people: the fewest people a step may stand on.

    Returns:
        The steps; empty when the curve is empty.
    """
    merged: list[list[float]] = []  # [lower, upper, count]
    for bin_ in sorted(curve, key=lambda b: float(b["upper"])):
        merged.append([float(bin_["lower"]), float(bin_["upper"]), float(bin_["count"])])
        while len(merged) > 1 and merged[-2][2] < min_people:  # a thin step joins the one above
            lower, _, count = merged.pop(-2)
            merged[-1] = [lower, merged[-1][1], merged[-1][2] + count]
    if len(merged) > 1 and merged[-1][2] < min_people:  # a thin top step joins the one below
        _, upper, count = merged.pop()
        merged[-1] = [merged[-1][0], upper, merged[-1][2] + count]
    steps: list[Step] = []
    for i, (lower, upper, count) in enumerate(merged):
        first, last = i == 0, i == len(merged) - 1
        text = step_text(None if first else lower, None if last else upper, floor, ceiling)
        if steps and steps[-1].text == text:  # neighbours that read alike are one step
            count += steps.pop().people
        steps.append(Step(None if last else upper, text, int(count)))
    return tuple(steps)


def reliability_curve(evaluation: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The model's own reliability curve from its ``evaluation.json`` document (None when absent)."""
    curve = evaluation.get("reliability", {}).get(MODEL_CURVE)
    return list(curve) if curve else None


def probability_text(
    floor: float, ceiling: float, steps: Sequence[Step] | None = None, column: str = "probability"
) -> pl.Expr:
    """The calibrated probability as shown ("no model" when there is none).

    Args:
        floor: the settings' floor.
        ceiling: the settings' ceiling.
        steps: :func:`calibration_steps` of the model; None or empty: whole per cent within the
            floor and the ceiling (no calibration evidence).
        column: the probability column.
    """
    probability = pl.col(column)
    if steps:
        shown: pl.Expr = pl.lit(steps[-1].text)
        for step in reversed(steps[:-1]):
            shown = pl.when(probability <= step.upper).then(pl.lit(step.text)).otherwise(shown)
    else:
        percent = (probability * 100).round(0).cast(pl.Int64).cast(pl.String) + pl.lit("%")
        shown = (
            pl.when(probability >= ceiling)
            .then(pl.lit(f"{whole_percent(ceiling)}% or more"))
            .when(probability < floor)
            .then(pl.lit(f"under {whole_percent(floor)}%"))
            .otherwise(percent)
        )
    return pl.when(probability.is_null()).then(pl.lit("no model")).otherwise(shown)
