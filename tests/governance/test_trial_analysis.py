"""The analysis by intention to treat: only the randomised people whose window has closed are compared
(the tie-breaker's are described apart), the primary interval and p-value agree, the same seed gives the
same numbers, and a trial with nobody to analyse yet gives notes rather than errors."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from governance.trial_evaluation.analysis import analyse, estimates_table
from governance.trial_evaluation.outcomes import OUTCOME_SCHEMA


def outcomes(seed: int, n: int = 40, ratio: float = 0.5) -> pl.DataFrame:
    """n per arm in four draws of two strata, harm thinned by ``ratio`` in the programme arm."""
    rng = np.random.default_rng(seed)
    arm = np.tile(["programme", "control"], n)
    offences = rng.poisson(rng.gamma(0.7, 1.3, 2 * n))
    kept = rng.binomial(offences, np.where(arm == "programme", ratio, 1.0))
    harm = np.array([rng.choice([10.0, 365.0, 273.75, 3.0], size=k).sum() for k in kept])
    rows = {
        "allocation_id": np.arange(2 * n), "person_id": np.arange(2 * n) + 1000,
        "draw_id": np.arange(2 * n) // 20, "stratum": np.where((np.arange(2 * n) // 2) % 2, "a", "b"),
        "arm": arm, "randomised": np.ones(2 * n, bool), "allocated_on": [date(2025, 1, 6)] * (2 * n),
        "withdrawn_on": [None] * (2 * n), "window_end": [date(2026, 1, 6)] * (2 * n),
        "followed_up": np.ones(2 * n, bool), "followup_days": np.full(2 * n, 365),
        "exposure_days": rng.integers(250, 366, 2 * n), "withdrawn": np.zeros(2 * n, bool),
        "custody_days": np.zeros(2 * n, int), "moved": np.zeros(2 * n, bool), "died": np.zeros(2 * n, bool),
        "cchi": harm, "knife_suspect": rng.binomial(kept, 0.3), "knife_victim": rng.poisson(0.2, 2 * n),
        "serious_violence": rng.binomial(kept, 0.6),
    }  # fmt: skip
    return pl.DataFrame(rows).cast(OUTCOME_SCHEMA).select(OUTCOME_SCHEMA.names())


def test_the_primary_interval_leaves_out_1_exactly_when_the_test_is_significant() -> None:
    agreed = 0
    for seed in range(12):
        primary = analyse(outcomes(seed), permutations=999, seed=seed).primary
        assert primary.lower is not None and primary.upper is not None and primary.p_value is not None
        assert primary.lower <= (primary.estimate or 0) <= primary.upper
        agreed += (primary.p_value < 0.05) == (not primary.lower <= 1 <= primary.upper)
    assert agreed >= 11  # a p-value right at 0.05 may fall either side of a bound found to 1e-6


def test_only_the_randomised_and_followed_up_are_compared() -> None:
    base = outcomes(1)
    extra = base.head(2).with_columns(
        pl.Series("allocation_id", [500, 501]),
        pl.Series("randomised", [False, True]),  # one always treated; one whose window is open
        pl.Series("followed_up", [True, False]),
        pl.Series("cchi", [50_000.0, 50_000.0]),
    )
    plain, more = analyse(base, seed=3), analyse(pl.concat([base, extra]), seed=3)
    assert estimates_table(plain) == estimates_table(more)
    assert more.tie_breaker["analysed"] == 1 and more.tie_breaker["outcomes"]["cchi"]["total"] == 50_000
    assert more.arms[extra["arm"][1]]["not_yet_followed_up"] == 1


def test_the_same_seed_gives_the_same_numbers() -> None:
    frame = outcomes(2)
    assert analyse(frame, seed=7).as_json() == analyse(frame, seed=7).as_json()
    assert analyse(frame, seed=7).as_json() != analyse(frame, seed=8).as_json()


def test_nobody_to_analyse_gives_notes_not_errors() -> None:
    frame = outcomes(4).with_columns(pl.lit(False).alias("followed_up"))
    found = analyse(frame, permutations=200)
    assert found.analysed() == {"programme": 0, "control": 0}
    for estimates in found.estimates.values():
        for estimate in estimates.values():
            assert estimate.estimate is None and estimate.note is not None
