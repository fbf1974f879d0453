"""Randomisation inference: the arms permuted within the blocks they were randomised in, p-values, and
the interval for a ratio of means found by inverting the randomisation test.

Allocation is complete randomisation within each block (a draw's stratum): the number given the
programme in each block is fixed by the design, so permuting the arms among a block's members draws
from the randomisation distribution itself. A p-value is ``(1 + #{|T*| >= |T|}) / (1 + B)`` over
``B`` permutations (the observed assignment counts once), which is never below its nominal level.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.optimize import brentq

RELATIVE_TIE = 1e-9
"""Permuted statistics this close to the observed one (relatively) count as ties, not as smaller."""
WIDEST = math.log(1e4)
"""An interval's bound is searched for up to 10,000 times (or a ten-thousandth of) the estimate."""


def permuted_arms(
    blocks: np.ndarray, treated: np.ndarray, permutations: int, rng: np.random.Generator
) -> np.ndarray:
    """Re-randomisations of the arms: each row permutes ``treated`` among the members of each block.

    Args:
        blocks: each person's block (any hashable labels, e.g. "3 | under 18 | rule").
        treated: each person's arm, True for the programme.
        permutations: how many rows.
        rng: the seeded generator.

    Returns:
        A (permutations, people) boolean array; every row keeps each block's number treated.
    """
    codes = np.unique(blocks, return_inverse=True)[1].astype(float)
    order = np.argsort(codes, kind="stable")
    # each row lists the people block by block, in random order within the block
    shuffled = np.argsort(codes[None, :] + rng.random((permutations, codes.size)), axis=1)
    arms = np.empty((permutations, codes.size), dtype=bool)
    arms[np.arange(permutations)[:, None], shuffled] = np.asarray(treated, dtype=bool)[order][None, :]
    return arms


def mean_difference(values: np.ndarray, arms: np.ndarray) -> np.ndarray:
    """Mean among the treated less mean among the controls, for one assignment or a row per assignment.

    Args:
        values: (people,) or (cases, people): one outcome per person.
        arms: (people,) or (assignments, people) booleans.

    Returns:
        The differences, shaped by the leading axes of ``values`` and ``arms``.
    """
    arms = np.asarray(arms, dtype=float)
    treated = values @ arms.T / arms.sum(axis=-1)
    control = values @ (1.0 - arms).T / (1.0 - arms).sum(axis=-1)
    return np.asarray(treated - control)


def rate_difference(counts: np.ndarray, exposure: np.ndarray, arms: np.ndarray) -> np.ndarray:
    """Events per unit of exposure among the treated less among the controls (arm totals, so a person
    with no exposure adds only their events); nan where an arm has no exposure."""
    arms = np.asarray(arms, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        treated = (arms @ counts) / (arms @ exposure)
        control = ((1.0 - arms) @ counts) / ((1.0 - arms) @ exposure)
    return np.asarray(treated - control)


def p_value(observed: float, permuted: np.ndarray) -> float:
    """The two-sided randomisation p-value of ``observed`` against the permuted statistics (nan ones,
    where a statistic has no value, are left out)."""
    permuted = permuted[np.isfinite(permuted)]
    if not math.isfinite(observed) or permuted.size == 0:
        return 1.0
    return float(p_values(np.array([observed]), permuted[None, :])[0])


def p_values(observed: np.ndarray, permuted: np.ndarray) -> np.ndarray:
    """:func:`p_value` for many cases at once: ``observed`` (cases,), ``permuted`` (cases, permutations),
    every value finite."""
    threshold = np.abs(observed) * (1 - RELATIVE_TIE) - 1e-12
    extreme = np.count_nonzero(np.abs(permuted) >= threshold[:, None], axis=1)
    return np.asarray((1 + extreme) / (1 + permuted.shape[1]))


def ratio_interval(
    values: np.ndarray, treated: np.ndarray, arms: np.ndarray, alpha: float = 0.05
) -> tuple[float | None, float | None]:
    """The ratio of means (treated over control) the randomisation test does not reject at ``alpha``.

    Under a multiplicative effect ``r`` the treated values divided by ``r`` are what they would have
    been under control, so the difference in means of the adjusted values, permuted within blocks,
    tests ``r``; the interval holds every ``r`` with p >= alpha (its bounds found with Brent's method
    on the log scale, from the estimate outward). With equal arms the test stays valid for a
    difference in means even when the effect is not exactly multiplicative (the permutation
    distribution's variance matches the statistic's), which is why its coverage holds on harm that is
    thinned rather than scaled.

    Args:
        values: each person's outcome (>= 0).
        treated: each person's arm.
        arms: the permuted assignments (:func:`permuted_arms`).

    Returns:
        (lower, upper): the lower bound is 0 and the upper None (unbounded) when no ratio within
        10,000-fold of the estimate is rejected on that side; both are None when an arm's mean is zero
        (no ratio then scales one arm onto the other).
    """
    treated = np.asarray(treated, dtype=bool)
    mean_t, mean_c = float(values[treated].mean()), float(values[~treated].mean())
    if mean_t <= 0 or mean_c <= 0:
        return None, None

    def excess(log_ratio: float) -> float:
        adjusted = np.where(treated, values / math.exp(log_ratio), values)
        observed = float(mean_difference(adjusted, treated))
        return p_value(observed, mean_difference(adjusted, arms)) - alpha

    centre = math.log(mean_t / mean_c)
    lower = _bound(excess, centre, -1.0)
    return 0.0 if lower is None else lower, _bound(excess, centre, 1.0)


def _bound(excess: Callable[[float], float], centre: float, side: float) -> float | None:
    """Where the p-value first falls below alpha, stepping from ``centre`` on ``side`` (log scale) by
    doubling steps up to ``WIDEST``."""
    inner, step = centre, 0.05
    while True:
        outer = centre + side * min(step, WIDEST)
        if excess(outer) < 0:
            found = brentq(excess, min(inner, outer), max(inner, outer), xtol=1e-6)
            return math.exp(float(found))
        if step >= WIDEST:
            return None
        inner, step = outer, step * 2
