"""Power before the trial against an answer worked out by hand: on a pool whose harm is Poisson, the
minimum detectable reduction is where a two-sample test of the means has 80% power."""

from __future__ import annotations

import numpy as np

from governance.trial_evaluation.power import minimum_detectable, padded, simulate_power


def poisson_pool(rows: int, mean: float, seed: int = 1) -> list[list[float]]:
    """Each row's offences, each weighing 1 (harm = the count)."""
    counts = np.random.default_rng(seed).poisson(mean, rows)
    return [[1.0] * int(k) for k in counts]


def test_the_minimum_detectable_reduction_matches_the_normal_approximation() -> None:
    # 45 per arm, Poisson(4) offences: 80% power at 4r = 2.80 * sqrt((4 (1 - r) + 4) / 45), r = 0.275
    curve = simulate_power(poisson_pool(5000, 4.0), capacity=45, simulations=400, permutations=999, seed=2)
    assert curve.mde is not None and 0.25 <= curve.mde <= 0.32  # 2,000 simulations: 0.283
    assert curve.curve[0][0] == 0.0 and curve.curve[0][1] <= 0.08  # no effect: significant about 5%
    powers = [p for _, p in curve.curve]
    assert all(b >= a - 0.03 for a, b in zip(powers, powers[1:], strict=False))  # rising
    assert curve.as_json()["minimum_detectable_ratio"] == round(1 - curve.mde, 4)


def test_more_places_detect_a_smaller_reduction() -> None:
    pool = poisson_pool(3000, 1.0)
    small = simulate_power(pool, capacity=20, simulations=200, permutations=499, seed=3)
    large = simulate_power(pool, capacity=90, simulations=200, permutations=499, seed=3)
    assert small.mde is not None and large.mde is not None and large.mde < small.mde


def test_a_small_pool_is_sampled_with_replacement() -> None:
    curve = simulate_power(poisson_pool(30, 2.0), capacity=45, simulations=20, permutations=99, seed=0)
    assert curve.with_replacement and curve.pool_rows == 30


def test_minimum_detectable_interpolates_between_grid_points() -> None:
    assert minimum_detectable([(0.0, 0.05), (0.1, 0.5), (0.2, 0.9)]) == 0.175
    assert minimum_detectable([(0.0, 0.05), (0.1, 0.5)]) is None


def test_padded_keeps_each_rows_offences() -> None:
    assert padded([[1.0, 2.0], [], [3.0]]).tolist() == [[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]
