"""The fairness audit: how scores and lists treat each group of people. This module holds what both
audits share: the groups people are audited by, rates with confidence intervals, and breaches.

Two audits, both pure (arrays and frames in, a JSON-ready document out; see
governance/fairness_audit.schema.json for the documents' shape):

- :func:`audit_scores` (governance/score_audit.py), for scores with observed outcomes (a model's
  test window, or any file given to `cohort audit-scores`): within each group, the selection rate,
  false positive and false negative rates, positive predictive value and calibration (mean predicted
  probability against the observed rate), each with its counts and a Wilson confidence interval.
  Groups are split with fairlearn's MetricFrame.
- :func:`audit_list` (governance/list_audit.py), for a list drawn up on a date: each group's share
  of the list against its share of the population aged 14-25 and of the people with recorded
  serious violence.

A group is beyond a limit of governance/fairness.yaml when its value falls outside it and the measure's
denominator is large enough to judge (``min_group_size``). It is "clear" when even the end of the
group's confidence interval nearest the limit lies beyond it: chance alone is then an unlikely
explanation. With ``breach_when: clear`` (the default) only clear ones are breaches and the rest are
listed "to watch"; with ``beyond`` every one is a breach.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any

import polars as pl

from data_contracts.reference import reference_table
from governance.fairness_settings import FairnessSettings, Limit

NOT_RECORDED = "not recorded"
ATTRIBUTES = ("ethnicity", "sex", "age band", "deprivation decile")
"""The characteristics every audit of the pipeline's own data reports by."""
SEXES = {"F": "female", "M": "male"}


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


def ratio(value: float | None, reference: float | None) -> float | None:
    """``value`` as a multiple of ``reference`` (None when either is missing or the reference is 0)."""
    return None if value is None or not reference else value / reference


def split_beyond(
    beyond: list[dict[str, Any]], settings: FairnessSettings
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The groups beyond a limit, as (breaches, to watch) under ``settings.breach_when``."""
    if settings.breach_when == "beyond":
        return beyond, []
    return [b for b in beyond if b["clear"]], [b for b in beyond if not b["clear"]]


def breach(
    attribute: str, group: str, measure: str, value: float, limit: Limit, clear: bool, message: str
) -> dict[str, Any]:
    """A group beyond a limit, as the audit documents list it, with its message."""
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


def ordered_groups(labels: Sequence[Any], attribute: str, settings: FairnessSettings) -> list[str]:
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


def settings_document(settings: FairnessSettings) -> dict[str, Any]:
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
