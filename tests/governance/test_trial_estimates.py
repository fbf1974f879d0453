"""The trial's estimators against planted truths: on zero-heavy, heavy-tailed harm and on negative
binomial counts with a known multiplicative effect and 45 per arm, the 95% intervals cover the truth
at close to 95%; with no effect the randomisation test is significant in about 5%; the edge cases
(an arm with no harm or no events, two people per arm, everyone tied) give notes, not errors.

Harm is simulated as the synthetic world makes it: each person's offences are negative binomial
(most have none), each weighted by the Crime Harm Index of an offence code drawn from the reference
table's codes (a homicide now and then), and the programme thins each treated person's offences
(keeps each with the planted ratio), as the world's reduced hazards do.
"""

from __future__ import annotations

import numpy as np
import pytest

from governance.trial_evaluation.estimates import (
    difference_in_means,
    probability_of_superiority,
    rate_ratio,
    ratio_of_means_bootstrap,
)
from governance.trial_evaluation.randomisation import (
    mean_difference,
    p_value,
    permuted_arms,
    ratio_interval,
)

N = 45
WEIGHTS = np.array([5475.0, 2555.0, 365.0, 273.75, 182.25, 10.0, 7.5, 3.0, 1.0])
SHARES = np.array([0.004, 0.02, 0.38, 0.12, 0.03, 0.3, 0.04, 0.08, 0.026])


def harm(rng: np.random.Generator, n: int, keep: float) -> np.ndarray:
    """Each person's harm over a year: NB offences (mean 0.9, 60% with none), thinned to ``keep``."""
    offences = rng.poisson(rng.gamma(0.6, 0.9 / 0.6, n))
    kept = rng.binomial(offences, keep)
    weights = rng.choice(WEIGHTS, size=int(kept.sum()), p=SHARES / SHARES.sum())
    return np.bincount(np.repeat(np.arange(n), kept), weights, minlength=n)


def trial(rng: np.random.Generator, ratio: float, n: int = N) -> tuple[np.ndarray, np.ndarray]:
    """Harm of n treated then n controls, and the arm of each."""
    values = np.concatenate([harm(rng, n, ratio), harm(rng, n, 1.0)])
    return values, np.arange(2 * n) < n


def test_primary_interval_covers_a_planted_harm_reduction_at_close_to_95_percent() -> None:
    rng = np.random.default_rng(20261121)
    blocks = np.repeat(np.arange(9), 10)  # nine draws of ten, five to each arm
    treated = np.tile(np.arange(10) < 5, 9)
    arms = permuted_arms(blocks, treated, 999, rng)
    covered = bootstrap_covered = tried = 0
    for _ in range(300):
        values = np.empty(90)
        values[treated], values[~treated] = harm(rng, N, 0.5), harm(rng, N, 1.0)
        if values[treated].sum() == 0:
            continue
        tried += 1
        lower, upper = ratio_interval(values, treated, arms)
        covered += (lower or 0.0) <= 0.5 <= (upper or np.inf)
        bootstrap_covered += ratio_of_means_bootstrap(values[treated], values[~treated], seed=tried).covers(
            0.5
        )
    # measured over 400 replications (ratios 0.3 to 1, 45 and 90 per arm): inverted test 0.92-0.97,
    # bootstrap BCa 0.90-0.93, delta method 0.88-0.93
    assert covered / tried >= 0.90
    assert covered >= bootstrap_covered


def test_with_no_effect_the_randomisation_test_is_significant_in_about_5_percent() -> None:
    rng = np.random.default_rng(7)
    blocks = np.repeat(np.arange(6), 15)  # unequal blocks: 8 and 7 to the programme by turns
    treated = np.concatenate([np.arange(15) < (8 if b % 2 else 7) for b in range(6)])
    arms = permuted_arms(blocks, treated, 999, rng)
    significant = 0
    for _ in range(500):
        values = np.concatenate([harm(rng, 15, 1.0) for _ in range(6)])
        significant += p_value(float(mean_difference(values, treated)), mean_difference(values, arms)) < 0.05
    assert significant / 500 <= 0.08


def test_a_large_planted_reduction_is_usually_found() -> None:
    rng = np.random.default_rng(3)
    found = 0
    for _ in range(100):
        values, treated = trial(rng, 0.1, n=90)
        arms = permuted_arms(np.zeros(180), treated, 999, rng)
        found += p_value(float(mean_difference(values, treated)), mean_difference(values, arms)) < 0.05
    assert found >= 80


def test_permuting_keeps_each_blocks_number_treated() -> None:
    blocks = np.array(["a", "a", "a", "b", "b", "c", "c", "c", "c"])
    treated = np.array([True, False, False, True, False, True, True, False, False])
    arms = permuted_arms(blocks, treated, 500, np.random.default_rng(1))
    for block in "abc":
        assert (arms[:, blocks == block].sum(axis=1) == treated[blocks == block].sum()).all()
    assert len({row.tobytes() for row in arms[:, blocks == "c"]}) == 6  # every arrangement of 2 in 4


def test_negative_binomial_rate_ratio_covers_a_planted_rate_ratio() -> None:
    rng = np.random.default_rng(11)
    covered = 0
    for _ in range(200):
        exposure = rng.integers(150, 366, 2 * N).astype(float)
        treated = np.arange(2 * N) < N
        mean = 1.2 * exposure / 365 * np.where(treated, 0.4, 1.0)
        counts = rng.poisson(rng.gamma(0.8, mean / 0.8)).astype(float)
        covered += rate_ratio(counts, exposure, treated).covers(0.4)
    assert covered / 200 >= 0.90


def test_difference_in_means_and_superiority_cover_their_truths() -> None:
    rng = np.random.default_rng(5)
    big_t, big_c = harm(rng, 200_000, 0.5), harm(rng, 200_000, 1.0)
    truth_difference = big_t.mean() - big_c.mean()
    truth_superiority = float(probability_of_superiority(big_t, big_c).estimate or 0)
    difference = superiority = 0
    for replication in range(200):
        values, treated = trial(rng, 0.5)
        t, c = values[treated], values[~treated]
        difference += difference_in_means(t, c, seed=replication).covers(truth_difference)
        superiority += probability_of_superiority(t, c).covers(truth_superiority)
    # the mean of so skewed a harm is hard for any bootstrap: measured 0.86 over 300 replications (why
    # the primary estimate is the ratio with the inverted test); Brunner-Munzel measured 0.94
    assert difference / 200 >= 0.80
    assert superiority / 200 >= 0.90


def test_an_arm_with_no_harm_gives_a_ratio_of_zero_and_a_note() -> None:
    treated = np.arange(8) < 4
    values = np.array([0, 0, 0, 0, 365, 10, 0, 273.75])
    assert ratio_interval(
        values, treated, permuted_arms(np.zeros(8), treated, 99, np.random.default_rng(0))
    ) == (
        None,
        None,
    )
    bootstrap = ratio_of_means_bootstrap(values[treated], values[~treated], seed=0)
    assert bootstrap.estimate == 0.0 and bootstrap.lower is None
    assert bootstrap.note is not None and "programme" in bootstrap.note


def test_an_arm_with_no_events_says_so_instead_of_failing() -> None:
    treated = np.arange(10) < 5
    counts = np.array([0, 0, 0, 0, 0, 1, 0, 2, 0, 1], dtype=float)
    found = rate_ratio(counts, np.full(10, 365.0), treated)
    assert found.estimate == 0.0 and found.lower is None and found.upper is None
    assert found.note == "no events in the programme arm: no rate ratio"
    none = rate_ratio(np.zeros(10), np.full(10, 365.0), treated)
    assert none.estimate is None and none.note is not None and "programme and control" in none.note


@pytest.mark.parametrize(
    "treated_values, control_values",
    [([0.0, 365.0], [10.0, 0.0]), ([0.0, 0.0], [0.0, 0.0]), ([5.0], [3.0, 4.0])],
)
def test_tiny_or_tied_arms_give_estimates_or_notes_never_errors(
    treated_values: list[float], control_values: list[float]
) -> None:
    t, c = np.array(treated_values), np.array(control_values)
    for estimate in (
        difference_in_means(t, c, seed=0),
        ratio_of_means_bootstrap(t, c, seed=0),
        probability_of_superiority(t, c),
    ):
        assert estimate.note is not None or (estimate.lower is not None and estimate.upper is not None)
        if estimate.lower is not None and estimate.upper is not None:
            assert estimate.lower <= estimate.upper
    counts = np.concatenate([t, c]) > 0
    exposure = np.full(counts.size, 100.0)
    assert rate_ratio(counts.astype(float), exposure, np.arange(counts.size) < t.size).method
