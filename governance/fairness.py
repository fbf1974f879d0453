"""The fairness audit: how scores and lists treat each group of people.

Two audits, both pure (arrays and frames in, a JSON-ready document out; see
governance/fairness_audit.schema.json for the documents' shape):

- :func:`audit_scores`, for scores with observed outcomes (a model's test window, or any file given to
  `cohort audit-scores`): within each group, the selection rate, false positive and false negative
  rates, positive predictive value and calibration (mean predicted probability against the observed
  rate), each with its counts and a Wilson confidence interval. Groups are split with fairlearn's
  MetricFrame.
- :func:`audit_list`, for a list drawn up on a date: each group's share of the list against its share
  of the population aged 14-25 and of the people with recorded serious violence.

A group is beyond a limit of governance/fairness.yaml when its value falls outside it and the measure's
denominator is large enough to judge (``min_group_size``). It is "clear" when even the end of the
group's confidence interval nearest the limit lies beyond it: chance alone is then an unlikely
explanation. With ``breach_when: clear`` (the default) only clear ones are breaches and the rest are
listed "to watch"; with ``beyond`` every one is a breach.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from fairlearn.metrics import MetricFrame, false_negative_rate, false_positive_rate, selection_rate

from data_contracts.reference import reference_table
from governance.fairness_settings import FairnessSettings, Limit
from models.metrics import expected_calibration_error

SCORES_SCHEMA = "cohort.fairness.scores/1"
LIST_SCHEMA = "cohort.fairness.list/1"
NOT_RECORDED = "not recorded"
ATTRIBUTES = ("ethnicity", "sex", "age band", "deprivation decile")
"""The characteristics every audit of the pipeline's own data reports by."""
SEXES = {"F": "female", "M": "male"}
GROUP_ECE_BINS = 5
RATES = {
    "selection_rate": "selection rate",
    "false_positive_rate": "false positive rate",
    "false_negative_rate": "false negative rate",
    "positive_predictive_value": "positive predictive value",
    "observed_rate": "observed rate",
}
RATIOS = {  # limit -> the rate it compares with everyone's, as a ratio
    "selection_rate_ratio": "selection_rate",
    "false_positive_rate_ratio": "false_positive_rate",
    "false_negative_rate_ratio": "false_negative_rate",
}


def audit_groups(frame: pl.DataFrame, settings: FairnessSettings) -> pl.DataFrame:
    """The four audit characteristics as text groups, from the registry's protected features.

    Args:
        frame: person_ethnicity (ONS 2021 code), person_sex (M, F, U), person_age (years) and
            person_deprivation_decile (1 most deprived), any of them null.

    Returns:
        ethnicity (the ONS broad group), sex, age band (governance/fairness.yaml) and deprivation
        decile, "not recorded" where unknown, one row per row of ``frame``.
    """
    codes = reference_table("ethnicity_codes").select("code", "group")
    ethnicity = (
        frame.select(pl.col("person_ethnicity").alias("code"))
        .join(codes, on="code", how="left", maintain_order="left")["group"]
        .fill_null(NOT_RECORDED)
        .alias("ethnicity")
    )
    age = pl.col("person_age")
    band = pl.lit(None, pl.String)
    for b in reversed(settings.age_bands):
        band = pl.when(age.is_between(b.low, b.high)).then(pl.lit(b.label)).otherwise(band)
    decile = pl.col("person_deprivation_decile").cast(pl.Int64)
    return frame.select(
        pl.col("person_sex").replace_strict(SEXES, default=NOT_RECORDED).alias("sex"),
        band.fill_null("other ages").alias("age band"),
        pl.when(decile == 1)
        .then(pl.lit("1 (most deprived)"))
        .when(decile == 10)
        .then(pl.lit("10 (least deprived)"))
        .otherwise(decile.cast(pl.String))
        .fill_null(NOT_RECORDED)
        .alias("deprivation decile"),
    ).insert_column(0, ethnicity)


def wilson(numerator: int, denominator: int, confidence: float) -> tuple[float | None, float | None]:
    """The Wilson score interval of a proportion (None, None when the denominator is 0)."""
    if denominator == 0:
        return None, None
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p, n = numerator / denominator, denominator
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(numerator: int, denominator: int, confidence: float) -> dict[str, Any]:
    """A proportion with its counts and confidence interval (value None when nothing to divide by)."""
    low, high = wilson(numerator, denominator, confidence)
    return {
        "value": numerator / denominator if denominator else None,
        "low": low,
        "high": high,
        "numerator": int(numerator),
        "denominator": int(denominator),
    }


def audit_scores(
    outcome: npt.ArrayLike,
    score: npt.ArrayLike,
    selected: npt.ArrayLike,
    groups: pl.DataFrame,
    settings: FairnessSettings,
    *,
    describe: Mapping[str, Any],
    probability: bool = True,
) -> dict[str, Any]:
    """The audit of scores against the outcomes that followed, overall and within each group.

    Args:
        outcome: 1 where the outcome was observed, else 0.
        score: each row's score (a calibrated probability when ``probability``).
        selected: True where the score put the row forward (above the threshold, in the top K...).
        groups: one text column per characteristic, aligned with the rows (nulls read "not recorded").
        describe: what was audited: outcome, score, threshold, selection (text) and rows (read, used,
            excluded), copied into the document.
        probability: the scores are probabilities, so calibration within each group is measured.

    Returns:
        A "cohort.fairness.scores/1" document.
    """
    y = np.asarray(outcome, dtype=np.int8)
    s = np.asarray(score, dtype=np.float64)
    chosen = np.asarray(selected, dtype=bool)
    if not (y.shape == s.shape == chosen.shape and y.shape[0] == groups.height):
        raise ValueError("outcome, score, selected and groups must have one entry per row")
    overall = _score_group("everyone", y, s, chosen, settings, probability)
    attributes = []
    for attribute in groups.columns:
        labels = groups[attribute].cast(pl.String).fill_null(NOT_RECORDED)
        fairlearn_rates = _fairlearn_rates(y, chosen, labels)
        members = labels.to_numpy()
        rows = []
        for label in _ordered(labels.unique().to_list(), attribute, settings):
            at = members == label
            group = _score_group(label, y[at], s[at], chosen[at], settings, probability)
            for measure, value in fairlearn_rates[label].items():
                if group["metrics"][measure]["denominator"]:  # fairlearn reads 0 where nothing divides
                    group["metrics"][measure]["value"] = value
            group["disparity"] = _score_disparity(group, overall)
            rows.append(group)
        attributes.append({"attribute": attribute, "groups": rows})
    document: dict[str, Any] = {"schema": SCORES_SCHEMA, **describe, "settings": _settings(settings)}
    document |= {"overall": overall, "attributes": attributes}
    document["breaches"], document["watch"] = _split(_score_breaches(attributes, overall, settings), settings)
    return document


def _fairlearn_rates(y: np.ndarray, chosen: np.ndarray, labels: pl.Series) -> dict[str, dict[str, float]]:
    """Selection, false positive and false negative rates by group from fairlearn's MetricFrame.

    The rows are first counted by (outcome, selected, group) and the counts passed as sample weights,
    which gives the same rates as the rows themselves at a tiny fraction of the cost (MetricFrame
    calls its metrics row by row inside pandas, too slow for a force's test window).
    """
    cells = (
        pl.DataFrame({"y": y, "selected": chosen.astype(np.int8), "group": labels})
        .group_by("y", "selected", "group")
        .agg(pl.len().alias("rows"))
    )
    metrics = {
        "selection_rate": selection_rate,
        "false_positive_rate": false_positive_rate,
        "false_negative_rate": false_negative_rate,
    }
    weights = cells["rows"].to_numpy()
    frame = MetricFrame(
        metrics=metrics,
        y_true=cells["y"].to_numpy(),
        y_pred=cells["selected"].to_numpy(),
        sensitive_features=cells["group"].to_numpy(),
        sample_params={name: {"sample_weight": weights} for name in metrics},
    )
    by_group = frame.by_group
    return {str(label): {m: float(by_group.loc[label, m]) for m in metrics} for label in by_group.index}


def _score_group(
    label: str,
    y: np.ndarray,
    s: np.ndarray,
    chosen: np.ndarray,
    settings: FairnessSettings,
    probability: bool,
) -> dict[str, Any]:
    n, outcomes, picked = int(y.size), int(y.sum()), int(chosen.sum())
    hits = int((chosen & (y == 1)).sum())
    c = settings.confidence
    metrics: dict[str, Any] = {
        "selection_rate": rate(picked, n, c),
        "false_positive_rate": rate(picked - hits, n - outcomes, c),
        "false_negative_rate": rate(outcomes - hits, outcomes, c),
        "positive_predictive_value": rate(hits, picked, c),
        "observed_rate": rate(outcomes, n, c),
        "mean_score": float(s.mean()) if n else None,
        "calibration_gap": None,
        "calibration_error": None,
    }
    if probability and n:
        metrics["calibration_gap"] = float(s.mean()) - outcomes / n
        metrics["calibration_error"] = expected_calibration_error(y, s, bins=GROUP_ECE_BINS)
    return {"group": label, "count": n, "outcomes": outcomes, "selected": picked, "metrics": metrics}


def _score_disparity(group: dict[str, Any], overall: dict[str, Any]) -> dict[str, float | None]:
    mine, everyone = group["metrics"], overall["metrics"]
    disparity: dict[str, float | None] = {
        limit: _ratio(mine[measure]["value"], everyone[measure]["value"]) for limit, measure in RATIOS.items()
    }
    ppv, ppv_all = mine["positive_predictive_value"]["value"], everyone["positive_predictive_value"]["value"]
    disparity["positive_predictive_value_difference"] = (
        None if ppv is None or ppv_all is None else ppv - ppv_all
    )
    disparity["calibration_gap"] = mine["calibration_gap"]
    return disparity


def _ratio(value: float | None, reference: float | None) -> float | None:
    return None if value is None or not reference else value / reference


def _score_breaches(
    attributes: list[dict[str, Any]], overall: dict[str, Any], settings: FairnessSettings
) -> list[dict[str, Any]]:
    """Every group beyond a limit, where its denominator is large enough to judge."""
    breaches = []
    everyone = overall["metrics"]
    for attribute in attributes:
        for group in attribute["groups"]:
            metrics = group["metrics"]
            for limit_name, value in group["disparity"].items():
                limit = settings.limits.get(limit_name)
                if limit is None or value is None or limit.holds(value):
                    continue
                measure = RATIOS.get(limit_name) or (
                    "positive_predictive_value"
                    if limit_name == "positive_predictive_value_difference"
                    else "observed_rate"
                )
                measured = metrics[measure]
                if measured["denominator"] < settings.min_group_size:
                    continue
                low, high = _bounds(limit_name, limit, everyone, metrics)
                clear = measured["high"] < low or measured["low"] > high
                breaches.append(
                    _breach(attribute["attribute"], group["group"], limit_name, value, limit, clear,
                            _score_message(limit_name, group, value, everyone, settings))
                )  # fmt: skip
    return breaches


def _bounds(
    limit_name: str, limit: Limit, everyone: dict[str, Any], metrics: dict[str, Any]
) -> tuple[float, float]:
    """The limit as a range of the group's own rate, to compare with its confidence interval."""
    if limit_name in RATIOS:
        reference = everyone[RATIOS[limit_name]]["value"]
        return limit.low * reference, limit.high * reference
    if limit_name == "positive_predictive_value_difference":
        reference = everyone["positive_predictive_value"]["value"]
        return reference + limit.low, reference + limit.high
    # calibration gap = mean score - observed rate: the observed rate's range that keeps it within
    mean = metrics["mean_score"]
    return mean - limit.high, mean - limit.low


def _score_message(
    limit_name: str, group: dict[str, Any], value: float, everyone: dict[str, Any], settings: FairnessSettings
) -> str:
    metrics = group["metrics"]
    level = f"{settings.confidence:.0%}"
    if limit_name == "calibration_gap":
        observed = metrics["observed_rate"]
        return (
            f"predicted {metrics['mean_score']:.1%} on average but {observed['value']:.1%} had the outcome "
            f"({level} interval {observed['low']:.1%} to {observed['high']:.1%})"
        )
    measure = RATIOS.get(limit_name, "positive_predictive_value")
    mine, theirs = metrics[measure], everyone[measure]
    compared = (
        f"{value:.2f} times everyone's {theirs['value']:.1%}"
        if limit_name in RATIOS
        else f"{value:+.1%} against everyone's {theirs['value']:.1%}"
    )
    return (
        f"{RATES[measure]} {mine['value']:.1%} ({level} interval {mine['low']:.1%} to {mine['high']:.1%}; "
        f"{mine['numerator']:,} of {mine['denominator']:,}), {compared}"
    )


def _breach(
    attribute: str, group: str, measure: str, value: float, limit: Limit, clear: bool, message: str
) -> dict[str, Any]:
    return {
        "attribute": attribute,
        "group": group,
        "measure": measure,
        "value": value,
        "limit": {"min": limit.low, "max": limit.high},
        "clear": clear,
        "message": f"{attribute} '{group}': {message}; limit {limit.text()}"
        + ("" if clear else " (within what chance could give)"),
    }


def audit_list(frame: pl.DataFrame, groups: pl.DataFrame, settings: FairnessSettings) -> dict[str, Any]:
    """Who is listed by group, against the population and the people with recorded serious violence.

    Args:
        frame: one row per person in the population aged 14-25, with ``listed`` and ``serious_violence``
            (recorded as suspect or victim: settings.serious_violence).
        groups: one text column per characteristic, aligned with ``frame``.

    Returns:
        A "cohort.fairness.list/1" document.
    """
    if frame.height != groups.height:
        raise ValueError("frame and groups must have one row per person")
    base = frame.select(pl.col("listed").cast(pl.Boolean), pl.col("serious_violence").cast(pl.Boolean))
    totals = {
        "population": base.height,
        "serious_violence": int(base["serious_violence"].sum()),
        "listed": int(base["listed"].sum()),
        "listed_with_serious_violence": int((base["listed"] & base["serious_violence"]).sum()),
    }
    c = settings.confidence
    attributes = []
    for attribute in groups.columns:
        counted = (
            base.with_columns(groups[attribute].cast(pl.String).fill_null(NOT_RECORDED).alias("group"))
            .group_by("group")
            .agg(
                pl.len().alias("population"),
                pl.col("serious_violence").sum().alias("serious_violence"),
                pl.col("listed").sum().alias("listed"),
            )
        )
        by_label = {row["group"]: row for row in counted.iter_rows(named=True)}
        rows = []
        for label in _ordered(list(by_label), attribute, settings):
            row = by_label[label]
            listed_share = rate(row["listed"], totals["listed"], c)
            population_share = rate(row["population"], totals["population"], c)
            sv_share = rate(row["serious_violence"], totals["serious_violence"], c)
            rows.append(
                {
                    "group": label,
                    "population": row["population"],
                    "serious_violence": row["serious_violence"],
                    "listed": row["listed"],
                    "listed_share": listed_share,
                    "population_share": population_share,
                    "serious_violence_share": sv_share,
                    "listing_rate": rate(row["listed"], row["population"], c),
                    "disparity": {
                        "listed_to_serious_violence_ratio": _ratio(listed_share["value"], sv_share["value"]),
                        "listed_to_population_ratio": _ratio(
                            listed_share["value"], population_share["value"]
                        ),
                    },
                }
            )
        attributes.append({"attribute": attribute, "groups": rows})
    return {
        "schema": LIST_SCHEMA,
        "settings": _settings(settings),
        "totals": totals,
        "attributes": attributes,
    } | dict(
        zip(
            ("breaches", "watch"), _split(_list_breaches(attributes, totals, settings), settings), strict=True
        )
    )


def _split(
    beyond: list[dict[str, Any]], settings: FairnessSettings
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The groups beyond a limit, as (breaches, to watch) under ``settings.breach_when``."""
    if settings.breach_when == "beyond":
        return beyond, []
    return [b for b in beyond if b["clear"]], [b for b in beyond if not b["clear"]]


def _list_breaches(
    attributes: list[dict[str, Any]], totals: dict[str, int], settings: FairnessSettings
) -> list[dict[str, Any]]:
    breaches = []
    benchmarks = {
        "listed_to_serious_violence_ratio": ("serious_violence", "people with recorded serious violence"),
        "listed_to_population_ratio": ("population", "the population aged 14-25"),
    }
    level = f"{settings.confidence:.0%}"
    for attribute in attributes:
        for group in attribute["groups"]:
            for limit_name, (benchmark, described) in benchmarks.items():
                limit, value = settings.limits.get(limit_name), group["disparity"][limit_name]
                if limit is None or value is None or limit.holds(value):
                    continue
                if totals["listed"] < settings.min_group_size or group[benchmark] < settings.min_group_size:
                    continue
                share, reference = group["listed_share"], group[f"{benchmark}_share"]["value"]
                clear = share["high"] < limit.low * reference or share["low"] > limit.high * reference
                message = (
                    f"{share['value']:.1%} of the list ({level} interval {share['low']:.1%} to "
                    f"{share['high']:.1%}; {share['numerator']:,} of {share['denominator']:,}) against "
                    f"{reference:.1%} of {described}: {value:.2f} times"
                )
                breaches.append(
                    _breach(attribute["attribute"], group["group"], limit_name, value, limit, clear, message)
                )
    return breaches


def _ordered(labels: Sequence[Any], attribute: str, settings: FairnessSettings) -> list[str]:
    """Groups in a reader's order: age bands as configured, deciles 1 to 10, others alphabetically;
    unknowns last."""
    bands = [b.label for b in settings.age_bands]

    def key(label: Any) -> tuple[int, float, str]:
        text = str(label)
        if text in (NOT_RECORDED, "other ages"):
            return (2, 0.0, text)
        if attribute == "age band" and text in bands:
            return (0, float(bands.index(text)), text)
        number = text.split(" ")[0]
        return (0, float(number), text) if number.isdigit() else (1, 0.0, text)

    return [str(label) for label in sorted(labels, key=key)]


def _settings(settings: FairnessSettings) -> dict[str, Any]:
    """The settings the audit used, for the document (limits as min/max, or null: not judged)."""
    return {
        "confidence": settings.confidence,
        "min_group_size": settings.min_group_size,
        "breach_when": settings.breach_when,
        "limits": {
            name: None if limit is None else {"min": limit.low, "max": limit.high}
            for name, limit in settings.limits.items()
        },
    }
