"""The oracle: sane, calibrated against what happened, and unbiased."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl

from synth.calibration import oracle_auc
from synth.history import run_history
from synth.model import SERIOUS, Kind
from synth.oracle import future_months, simulate_risk
from synth.params import WorldParams
from synth.population import build_population
from synth.step import step
from synth.timeline import Timeline

World = tuple[Path, dict[str, object]]


def test_oracle_covers_14_to_25s_at_monthly_dates_and_the_end(small_world: World) -> None:
    root = small_world[0]
    oracle = pl.read_parquet(root / "ground_truth" / "oracle_risk.parquet")
    people = pl.read_parquet(root / "ground_truth" / "people.parquet")
    dates = sorted(oracle["as_of"].unique().to_list())
    complete = oracle.filter(pl.col("outcome").is_not_null())["as_of"].unique()
    assert complete.len() >= 12
    assert (
        oracle.filter(pl.col("as_of") == dates[-1])["outcome"].null_count()
        == oracle.filter(pl.col("as_of") == dates[-1]).height
    )
    ages = oracle.join(people, on="true_person_id").select(
        ((pl.col("as_of") - pl.col("date_of_birth")).dt.total_days() / 365.25).alias("age")
    )["age"]
    assert ages.min() >= 14 and ages.max() < 26


def test_oracle_probabilities_are_calibrated_and_discriminate(small_world: World) -> None:
    oracle = pl.read_parquet(small_world[0] / "ground_truth" / "oracle_risk.parquet").filter(
        pl.col("outcome").is_not_null()
    )
    p, y = oracle["p_true"].to_numpy(), oracle["outcome"].to_numpy()
    assert ((p >= 0) & (p <= 1)).all()
    # Expected events match observed ones. The monthly windows overlap, so the world holds
    # about one independent window: allow three standard errors of a single window.
    per_window = oracle.height / oracle["as_of"].n_unique()
    standard_error = float(np.sqrt(p.mean() * (1 - p.mean()) / per_window))
    assert abs(p.mean() - y.mean()) < 3 * standard_error
    assert 0.01 < y.mean() < 0.08
    assert oracle_auc(oracle) > 0.7


def test_compensator_estimate_matches_plain_monte_carlo() -> None:
    """The oracle's low-variance estimator and the bare event indicator agree."""
    params = WorldParams(residents=3_000, seed=11, oracle_replicates=400)
    timeline = Timeline(params.end_date, params.history_years * 12)
    population = build_population(np.random.default_rng(1), params, timeline)
    history = run_history(population, params, timeline, np.random.default_rng(2))
    snapshot = history.snapshots[0]
    months = future_months(timeline)[snapshot.index : snapshot.index + 12]
    estimated = simulate_risk(snapshot, months, params, np.random.default_rng(3))

    from synth.oracle import _replicate

    cohort = _replicate(snapshot.cohort, params.oracle_replicates)
    state = snapshot.state.tile(params.oracle_replicates)
    hit = np.zeros(cohort.person.size, dtype=bool)
    rng = np.random.default_rng(4)
    for m in months:
        e = step(rng, params.hazards, cohort, state, m, observe=False).events
        involved = (
            ((e.kind == Kind.OFFENCE) | (e.kind == Kind.VICTIMISATION))
            & e.recorded
            & SERIOUS[np.maximum(e.category, 0)]
        )
        hit[e.row[involved]] = True
    plain = hit.reshape(params.oracle_replicates, -1).mean(axis=0)
    where = np.searchsorted(snapshot.cohort.person, snapshot.sample)
    # averaged over people the two estimates agree to within Monte Carlo error
    assert abs(estimated.mean() - plain[where].mean()) < 0.1 * plain[where].mean() + 0.002
    assert np.corrcoef(estimated, plain[where])[0, 1] > 0.8


def test_replicates_do_not_share_groups() -> None:
    from synth.oracle import _replicate

    params = WorldParams(residents=3_000, seed=5)
    timeline = Timeline(params.end_date, params.history_years * 12)
    population = build_population(np.random.default_rng(1), params, timeline)
    history = run_history(population, params, timeline, np.random.default_rng(2))
    cohort = history.snapshots[0].cohort
    tiled = _replicate(replace(cohort), 3)
    n = cohort.person.size
    first, second = tiled.group[:n], tiled.group[n : 2 * n]
    members = first >= 0
    assert (second[members] - first[members] == cohort.n_groups).all()
