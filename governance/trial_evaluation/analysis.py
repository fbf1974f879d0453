"""The trial's analysis: treated against control on every outcome, by intention to treat, with the
pre-specified primary estimate first.

**Primary (pre-specified).** The ratio of mean Crime Harm Index (programme over control) over the
follow-up, with the 95% interval found by inverting the randomisation test (a multiplicative effect,
arms permuted within each draw's strata), and the randomisation-inference p-value of the difference in
means for significance. The two agree: the interval leaves out 1 exactly when p < 0.05. Chosen over
the bootstrap BCa and delta-method intervals of the log ratio because, on zero-heavy, heavy-tailed harm
thinned by a planted ratio of 0.3 to 1 with 45 or 90 per arm, their coverage was 0.90-0.93 and
0.88-0.93 while the inverted test's was 0.92-0.97 (400 replications each; tests/governance/
test_trial_estimates.py checks it against a planted truth). The BCa interval is reported beside it.

Everyone randomised whose window has closed is analysed in the arm they were allocated to, whatever
happened afterwards (withdrawal, custody, a move, death): those are counted, never excluded. People
the tie-breaker always treats were not randomised and are described apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from scipy.stats import rankdata

from governance.trial_evaluation.estimates import (
    Estimate,
    difference_in_means,
    probability_of_superiority,
    rate_ratio,
    ratio_of_means_bootstrap,
)
from governance.trial_evaluation.randomisation import (
    mean_difference,
    p_value,
    permuted_arms,
    rate_difference,
    ratio_interval,
)

ARMS = ("programme", "control")
COUNTS = {
    "knife_suspect": "Knife or offensive-weapon offences as suspect",
    "knife_victim": "Knife or offensive-weapon offences as victim",
    "serious_violence": "Serious violence as suspect or victim (the model's outcome)",
}
LABELS = {"cchi": "Crime Harm Index as suspect (days)", **COUNTS}
PRIMARY_METHOD = (
    "ratio of means (programme over control), 95% interval by inverting the randomisation test "
    "(multiplicative effect; arms permuted within each draw's strata)"
)
PRIMARY_TEXT = (
    "Pre-specified primary estimate: the ratio of mean Crime Harm Index (programme over control) over "
    "the follow-up, by intention to treat, with its 95% interval from inverting the randomisation test; "
    "significance by the randomisation-inference p-value of the difference in means (arms permuted "
    "within each draw's strata)."
)
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Analysis:
    """Every estimate by outcome, the primary one, and each arm's numbers."""

    estimates: dict[str, dict[str, Estimate]]
    arms: dict[str, dict[str, Any]]
    tie_breaker: dict[str, Any]
    permutations: int
    seed: int

    @property
    def primary(self) -> Estimate:
        return self.estimates["cchi"]["ratio_of_means"]

    def analysed(self) -> dict[str, int]:
        """People analysed per arm."""
        return {arm: int(self.arms[arm]["analysed"]) for arm in ARMS}

    def as_json(self) -> dict[str, Any]:
        """The analysis as a document with stable keys."""
        return {
            "primary": {"outcome": "cchi", "estimate": "ratio_of_means", "text": PRIMARY_TEXT,
                        **self.primary.as_json()},
            "arms": self.arms,
            "tie_breaker": self.tie_breaker,
            "outcomes": {
                name: {"label": LABELS[name], **{k: e.as_json() for k, e in found.items()}}
                for name, found in self.estimates.items()
            },
            "randomisation": {"permutations": self.permutations, "seed": self.seed,
                              "blocks": "draw and stratum"},
        }  # fmt: skip


def analyse(outcomes: pl.DataFrame, *, permutations: int = 2000, seed: int = 0) -> Analysis:
    """Treated against control on every outcome, among the randomised people whose window has closed.

    Args:
        outcomes: governance.trial_evaluation.outcomes.OUTCOME_SCHEMA rows (every allocation).
        permutations: re-randomisations for the p-values and the primary interval.
        seed: seeds the permutations and the bootstrap.

    Returns:
        The analysis; an outcome whose estimate cannot be made carries a note instead.
    """
    analysed = outcomes.filter(pl.col("randomised") & pl.col("followed_up")).sort("allocation_id")
    treated = (analysed["arm"] == "programme").to_numpy()
    blocks = analysed.select(pl.format("{} | {}", "draw_id", "stratum")).to_series().to_numpy()
    rng = np.random.default_rng(seed)
    arms = permuted_arms(blocks, treated, permutations, rng)
    estimates = {"cchi": _harm(analysed["cchi"].to_numpy().astype(float), treated, arms, seed)}
    exposure = analysed["exposure_days"].to_numpy().astype(float)
    for name in COUNTS:
        counts = analysed[name].to_numpy().astype(float)
        observed = float(rate_difference(counts, exposure, treated))
        p = p_value(observed, rate_difference(counts, exposure, arms))
        estimates[name] = {"rate_ratio": _with_p(rate_ratio(counts, exposure, treated), p)}
    arm_numbers, tie_breaker = summarise_arms(outcomes)
    return Analysis(estimates, arm_numbers, tie_breaker, permutations, seed)


def _harm(values: np.ndarray, treated: np.ndarray, arms: np.ndarray, seed: int) -> dict[str, Estimate]:
    t, c = values[treated], values[~treated]
    p = None
    if t.size and c.size:
        p = p_value(float(mean_difference(values, treated)), mean_difference(values, arms))
    ratio = float(t.mean() / c.mean()) if t.size and c.size and c.mean() > 0 else None
    lower, upper = ratio_interval(values, treated, arms) if t.size and c.size else (None, None)
    note = None
    if t.size == 0 or c.size == 0:
        note = "an arm has nobody to analyse"
    elif t.sum() <= 0 or c.sum() <= 0:
        empty = " and ".join(a for a, v in (("programme", t), ("control", c)) if v.sum() <= 0)
        note = f"no harm at all in the {empty} arm: the interval cannot be found"
    elif upper is None:
        note = "no upper bound: no ratio up to 10,000 times the estimate is rejected (too few people)"
    elif lower == 0:
        note = "no lower bound above 0: no ratio down to a 10,000th of the estimate is rejected"
    return {
        "ratio_of_means": Estimate(ratio, lower, upper, PRIMARY_METHOD, p, note),
        "ratio_of_means_bootstrap": _with_p(ratio_of_means_bootstrap(t, c, seed=seed + 1), p),
        "difference_in_means": _with_p(difference_in_means(t, c, seed=seed + 2), p),
        "probability_of_superiority": _with_p(
            probability_of_superiority(t, c), _rank_p(values, treated, arms)
        ),
    }


def _rank_p(values: np.ndarray, treated: np.ndarray, arms: np.ndarray) -> float | None:
    """The randomisation p-value of the difference in mean midranks (the probability of superiority's
    own statistic)."""
    if treated.all() or not treated.any():
        return None
    ranks = rankdata(values)
    return p_value(float(mean_difference(ranks, treated)), mean_difference(ranks, arms))


def _with_p(estimate: Estimate, p: float | None) -> Estimate:
    return Estimate(estimate.estimate, estimate.lower, estimate.upper, estimate.method, p, estimate.note)


def _summary(rows: pl.DataFrame) -> dict[str, Any]:
    """n and what happened to them, with each outcome's total, mean and rate per person-year."""
    followed = rows.filter(pl.col("followed_up"))
    exposure = float(followed["exposure_days"].sum())
    out: dict[str, Any] = {
        "allocated": rows.height,
        "not_yet_followed_up": rows.height - followed.height,
        "analysed": followed.height,
        **{k: int(followed[k].sum()) for k in ("withdrawn", "moved", "died")},
        "custody": int((followed["custody_days"] > 0).sum()),
        "custody_days": int(followed["custody_days"].sum()),
        "exposure_years": round(exposure / DAYS_PER_YEAR, 3),
        "outcomes": {},
    }
    for name in LABELS:
        total = float(followed[name].sum())
        out["outcomes"][name] = {
            "total": total,
            "mean": total / followed.height if followed.height else None,
            "per_person_year": total / (exposure / DAYS_PER_YEAR) if exposure > 0 else None,
            "people_with_any": int((followed[name] > 0).sum()),
        }
    return out


def summarise_arms(outcomes: pl.DataFrame) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Each arm's numbers among the randomised, and the same for the people the tie-breaker always
    treated (described, never compared)."""
    randomised = outcomes.filter(pl.col("randomised"))
    arms = {arm: _summary(randomised.filter(pl.col("arm") == arm)) for arm in ARMS}
    return arms, _summary(outcomes.filter(~pl.col("randomised")))


def estimates_table(analysis: Analysis) -> list[Mapping[str, Any]]:
    """One row per estimate, the primary first: outcome, estimate's name and its fields (for reports)."""
    rows: list[Mapping[str, Any]] = []
    for outcome, found in analysis.estimates.items():
        for name, estimate in found.items():
            rows.append({"outcome": outcome, "label": LABELS[outcome], "name": name, **estimate.as_json()})
    return rows
