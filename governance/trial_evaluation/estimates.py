"""Treated against control, each estimate with its 95% interval, from scipy and statsmodels.

Harm (the Crime Harm Index) is zero for most people and very large for a few, so it gets three
estimates: the difference in means (bootstrap BCa interval), the ratio of means and the probability of
superiority (Brunner-Munzel). Counts get a negative binomial rate ratio with the days at liberty as
exposure. An estimate that cannot be made (an arm with no events, every value the same, too few
people) comes back with no value or no interval and a note saying why, never an error.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import statsmodels.api as sm
from scipy import stats
from statsmodels.discrete.discrete_model import NegativeBinomial
from statsmodels.stats.nonparametric import rank_compare_2indep

CONFIDENCE = 0.95
RESAMPLES = 9_999


@dataclass(frozen=True)
class Estimate:
    """One estimate of treated against control, with its 95% interval and how it was made."""

    estimate: float | None
    lower: float | None
    upper: float | None
    method: str
    p_value: float | None = None  # the randomisation-inference p-value, where there is one
    note: str | None = None  # why a value or bound is missing

    def as_json(self) -> dict[str, Any]:
        """The fields, in a stable order."""
        return asdict(self)

    def covers(self, value: float) -> bool:
        """Whether the interval holds ``value`` (a missing bound is open on its side)."""
        return (self.lower is None or self.lower <= value) and (self.upper is None or value <= self.upper)


def _finite(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _bootstrap(treated: np.ndarray, control: np.ndarray, statistic: Any, seed: int) -> tuple[Any, str | None]:
    """scipy.stats.bootstrap's BCa interval on two independent samples, or (None, why)."""
    if treated.size < 2 or control.size < 2:
        return None, "an arm has fewer than 2 people: no bootstrap interval"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degenerate data: reported as a note below
        result = stats.bootstrap(
            (treated, control), statistic, method="BCa", n_resamples=RESAMPLES,
            confidence_level=CONFIDENCE, vectorized=True, rng=np.random.default_rng(seed),
        )  # fmt: skip
    interval = result.confidence_interval
    if not (math.isfinite(interval.low) and math.isfinite(interval.high)):
        return None, "the bootstrap interval cannot be computed (the values barely vary)"
    return interval, None


def _mean_difference(treated: np.ndarray, control: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.asarray(np.mean(treated, axis=axis) - np.mean(control, axis=axis))


def _log_ratio(treated: np.ndarray, control: np.ndarray, axis: int = -1) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.log(np.mean(treated, axis=axis)) - np.log(np.mean(control, axis=axis)))


def difference_in_means(treated: np.ndarray, control: np.ndarray, *, seed: int) -> Estimate:
    """Mean treated less mean control, with a bootstrap BCa 95% interval (9,999 resamples, seeded)."""
    method = "difference in means, bootstrap BCa interval (scipy.stats.bootstrap, two samples)"
    if treated.size == 0 or control.size == 0:
        return Estimate(None, None, None, method, note="an arm has nobody to analyse")
    estimate = float(treated.mean() - control.mean())
    interval, why = _bootstrap(treated, control, _mean_difference, seed)
    if interval is None:
        return Estimate(estimate, None, None, method, note=why)
    return Estimate(estimate, float(interval.low), float(interval.high), method)


def ratio_of_means_bootstrap(treated: np.ndarray, control: np.ndarray, *, seed: int) -> Estimate:
    """Mean treated over mean control, with a bootstrap BCa 95% interval of its logarithm."""
    method = "ratio of means, bootstrap BCa interval of the log ratio (scipy.stats.bootstrap)"
    zero = _zero_mean(treated, control)
    if zero is not None:
        return Estimate(_ratio(treated, control), None, None, method, note=zero)
    interval, why = _bootstrap(treated, control, _log_ratio, seed)
    if interval is None:
        return Estimate(_ratio(treated, control), None, None, method, note=why)
    lower, upper = _finite(math.exp(interval.low)), _finite(math.exp(interval.high))
    return Estimate(_ratio(treated, control), lower, upper, method)


def _ratio(treated: np.ndarray, control: np.ndarray) -> float | None:
    if treated.size == 0 or control.size == 0 or control.mean() <= 0:
        return None
    return float(treated.mean() / control.mean())


def _zero_mean(treated: np.ndarray, control: np.ndarray) -> str | None:
    """Why a ratio of means has no interval, or None when both arms have a positive mean."""
    if treated.size == 0 or control.size == 0:
        return "an arm has nobody to analyse"
    empty = [arm for arm, values in (("programme", treated), ("control", control)) if values.sum() <= 0]
    if empty:
        return f"no harm at all in the {' and '.join(empty)} arm{'s' if len(empty) > 1 else ''}: no interval"
    return None


def probability_of_superiority(treated: np.ndarray, control: np.ndarray) -> Estimate:
    """P(a treated person's value > a control's) + half P(equal), with the Brunner-Munzel 95% interval
    (statsmodels rank_compare_2indep, t distribution), clipped to [0, 1]. Below 0.5 favours the
    programme when less is better."""
    method = "probability of superiority, Brunner-Munzel interval (statsmodels rank_compare_2indep)"
    if treated.size == 0 or control.size == 0:
        return Estimate(None, None, None, method, note="an arm has nobody to analyse")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # every value tied: no variance, reported as a note
        result = rank_compare_2indep(treated, control, use_t=True)
        low, high = result.conf_int(alpha=1 - CONFIDENCE)
    estimate = float(result.prob1)
    if not (math.isfinite(low) and math.isfinite(high)):
        return Estimate(estimate, None, None, method, note="every value is tied: no interval")
    return Estimate(estimate, max(0.0, float(low)), min(1.0, float(high)), method)


def rate_ratio(counts: np.ndarray, exposure_days: np.ndarray, treated: np.ndarray) -> Estimate:
    """Events per day at liberty, treated over control: a negative binomial (NB2) model with the log of
    the exposure as offset (statsmodels), or a Poisson model with robust standard errors when the
    negative binomial cannot be fitted. People with no days at liberty are left out of the model.

    Args:
        counts: each person's events.
        exposure_days: each person's days at liberty in the window.
        treated: each person's arm.
    """
    method = "rate ratio, negative binomial with log exposure offset (statsmodels NegativeBinomial)"
    keep = exposure_days > 0
    y, e, arm = counts[keep].astype(float), exposure_days[keep].astype(float), treated[keep].astype(float)
    if arm.sum() == 0 or (1 - arm).sum() == 0:
        return Estimate(None, None, None, method, note="an arm has nobody with days at liberty")
    events_t, events_c = y[arm == 1].sum(), y[arm == 0].sum()
    if events_t == 0 or events_c == 0:
        empty = " and ".join(a for a, n in (("programme", events_t), ("control", events_c)) if n == 0)
        estimate = 0.0 if events_c > 0 else None
        return Estimate(estimate, None, None, method, note=f"no events in the {empty} arm: no rate ratio")
    exog = sm.add_constant(arm, has_constant="add")
    fitted = _fit(lambda: NegativeBinomial(y, exog, exposure=e).fit(disp=0, maxiter=300))
    if fitted is None:
        method = "rate ratio, Poisson with log exposure offset and robust (HC0) errors (statsmodels GLM)"
        poisson = sm.GLM(y, exog, family=sm.families.Poisson(), exposure=e)
        fitted = _fit(lambda: poisson.fit(cov_type="HC0"))
        if fitted is None:
            return Estimate(None, None, None, method, note="neither model could be fitted")
        note = "the negative binomial model did not converge"
    else:
        note = None
    low, high = fitted.conf_int(alpha=1 - CONFIDENCE)[1]
    return Estimate(
        _finite(math.exp(fitted.params[1])), _finite(math.exp(low)), _finite(math.exp(high)), method,
        note=note,
    )  # fmt: skip


def _fit(fit: Any) -> Any:
    """A fitted statsmodels result whose arm coefficient and interval are finite and which converged,
    or None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fit()
    except (ValueError, np.linalg.LinAlgError, FloatingPointError):
        return None
    converged = getattr(result, "mle_retvals", None) or {"converged": getattr(result, "converged", True)}
    interval = np.asarray(result.conf_int(alpha=1 - CONFIDENCE))
    if not converged.get("converged", True) or not np.all(np.isfinite(interval[1])):
        return None
    return result
