"""Power before the trial: the smallest reduction in harm the trial would detect, simulated on the
futures the synthetic world recorded.

Each simulated trial draws ``capacity`` people for each arm from a pool of people who would have been
in the trial at past dates, with the offences each was recorded for over the following months. The
programme arm's offences are thinned (each kept with probability 1 - reduction, as a reduced hazard
would), and the trial is tested as the evaluation will test it: the randomisation-inference p-value
of the difference in mean Crime Harm Index (two-sided, alpha 0.05). Power at a reduction is the share
of simulated trials found significant; the minimum detectable effect (MDE) is the smallest reduction
with 80% power, read off the grid by straight-line interpolation between its neighbours.

Common random numbers: every reduction uses the same simulated trials (the same people and the same
uniform draws deciding which offences the programme prevents), so the power curve rises smoothly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata

from governance.trial_evaluation.randomisation import mean_difference, p_values, permuted_arms

REDUCTIONS = tuple(round(0.05 * k, 2) for k in range(20))
"""0%, 5%, ... 95% fewer harm-weighted offences in the programme arm."""
TARGET_POWER = 0.8
ALPHA = 0.05


@dataclass(frozen=True)
class PowerCurve:
    """Power at each reduction, and the minimum detectable effect."""

    capacity: int
    simulations: int
    permutations: int
    seed: int
    pool_rows: int
    with_replacement: bool
    control_mean: float
    share_without_harm: float
    curve: tuple[tuple[float, float], ...]  # (reduction, power)
    mde: float | None
    rank_curve: tuple[tuple[float, float], ...]  # the same for the midrank test (secondary)

    def as_json(self) -> dict[str, Any]:
        """The curve as a document with stable keys."""
        return {
            "capacity_per_arm": self.capacity,
            "simulations": self.simulations,
            "permutations": self.permutations,
            "seed": self.seed,
            "alpha": ALPHA,
            "target_power": TARGET_POWER,
            "pool_rows": self.pool_rows,
            "sampled_with_replacement": self.with_replacement,
            "pool_mean_harm": self.control_mean,
            "pool_share_without_harm": self.share_without_harm,
            "curve": [{"reduction": r, "power": p} for r, p in self.curve],
            "minimum_detectable_reduction": self.mde,
            "minimum_detectable_ratio": None if self.mde is None else round(1 - self.mde, 4),
            "secondary_rank_test": {
                "test": "randomisation-inference p-value of the difference in mean midranks (the "
                "probability of superiority's statistic): whether harm is lower, not by how much",
                "curve": [{"reduction": r, "power": p} for r, p in self.rank_curve],
                "minimum_detectable_reduction": minimum_detectable(self.rank_curve),
            },
        }


def padded(weights: Sequence[Sequence[float]]) -> np.ndarray:
    """Each pool row's offence weights, as a (rows, most offences) array padded with zeros."""
    widest = max((len(w) for w in weights), default=0)
    out = np.zeros((len(weights), max(widest, 1)))
    for row, values in enumerate(weights):
        out[row, : len(values)] = values
    return out


def simulate_power(
    weights: Sequence[Sequence[float]],
    *,
    capacity: int,
    simulations: int = 1000,
    permutations: int = 2000,
    seed: int = 0,
    reductions: Sequence[float] = REDUCTIONS,
) -> PowerCurve:
    """Power at each reduction for ``capacity`` people per arm, and the MDE.

    Args:
        weights: per pool row, the Crime Harm Index weight of each offence as suspect in the follow-up.
        capacity: people per arm.
        simulations: simulated trials (the same ones at every reduction).
        permutations: re-randomisations per test.
        seed: seeds everything.
        reductions: the grid, ascending.

    Raises:
        ValueError: the pool is empty or capacity is below 2.
    """
    if not weights:
        raise ValueError("the pool is empty: nobody would have been in the trial at the dates given")
    if capacity < 2:
        raise ValueError(f"capacity {capacity}: give at least 2 people per arm")
    rng = np.random.default_rng(seed)
    events = padded(weights)
    replace = len(weights) < 2 * capacity
    people = np.stack([rng.choice(len(weights), 2 * capacity, replace=replace) for _ in range(simulations)])
    offences = events[people]  # (simulations, 2 capacity, most offences)
    uniforms = rng.random(offences.shape)
    treated = np.arange(2 * capacity) < capacity
    arms = permuted_arms(np.zeros(2 * capacity), treated, permutations, rng)
    curve, rank_curve = [], []
    for reduction in reductions:
        kept = np.where(treated[None, :, None], uniforms < 1 - reduction, True)
        harm = (offences * kept).sum(axis=2)
        curve.append((float(reduction), _power(harm, treated, arms)))
        rank_curve.append((float(reduction), _power(rankdata(harm, axis=1), treated, arms)))
    totals = events.sum(axis=1)
    return PowerCurve(
        capacity, simulations, permutations, seed, len(weights), replace, round(float(totals.mean()), 3),
        round(float((totals == 0).mean()), 4), tuple(curve), minimum_detectable(curve), tuple(rank_curve),
    )  # fmt: skip


def _power(values: np.ndarray, treated: np.ndarray, arms: np.ndarray) -> float:
    """The share of simulated trials (rows of ``values``) the randomisation test finds significant."""
    significant = p_values(mean_difference(values, treated), mean_difference(values, arms)) < ALPHA
    return round(float(significant.mean()), 4)


def minimum_detectable(curve: Sequence[tuple[float, float]], target: float = TARGET_POWER) -> float | None:
    """The smallest reduction with ``target`` power, interpolated between the grid points either side
    of where power first reaches it; None if it never does."""
    for (r0, p0), (r1, p1) in zip(curve, curve[1:], strict=False):
        if p0 < target <= p1:
            return round(r0 + (target - p0) * (r1 - r0) / (p1 - p0), 4)
    if curve and curve[0][1] >= target:
        return curve[0][0]
    return None
