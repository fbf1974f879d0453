"""The fairness audit of a list drawn up on a date: each group's share of the list against its share
of the population aged 14-25 and of the people with recorded serious violence."""

from __future__ import annotations

from typing import Any

import polars as pl

from governance.fairness import (
    NOT_RECORDED,
    breach,
    ordered_groups,
    rate,
    ratio,
    settings_document,
    split_beyond,
)
from governance.fairness_settings import FairnessSettings

LIST_SCHEMA = "cohort.fairness.list/1"


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
        for label in ordered_groups(list(by_label), attribute, settings):
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
                        "listed_to_serious_violence_ratio": ratio(listed_share["value"], sv_share["value"]),
                        "listed_to_population_ratio": ratio(listed_share["value"], population_share["value"]),
                    },
                }
            )
        attributes.append({"attribute": attribute, "groups": rows})
    return {
        "schema": LIST_SCHEMA,
        "settings": settings_document(settings),
        "totals": totals,
        "attributes": attributes,
    } | dict(
        zip(
            ("breaches", "watch"),
            split_beyond(_list_breaches(attributes, totals, settings), settings),
            strict=True,
        )
    )


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
                    breach(attribute["attribute"], group["group"], limit_name, value, limit, clear, message)
                )
    return breaches
