"""The list's fairness: who is listed by ethnicity, sex, age band and deprivation decile, against the
population aged 14-25 and the people in it with recorded serious violence (governance.list_audit)."""

from __future__ import annotations

from typing import Any

import polars as pl

from governance.fairness import audit_groups
from governance.fairness_settings import FairnessSettings
from governance.list_audit import audit_list
from models.dataset import AUDIT_COLUMNS


def list_fairness(
    features: pl.DataFrame, decided: pl.DataFrame, selected: pl.DataFrame, settings: FairnessSettings
) -> dict[str, Any]:
    """The "cohort.fairness.list/1" document of one list.

    Args:
        features: everyone's features at the list's as_of (features.build.build_snapshots).
        decided: rules.engine.decide's frame (in_population marks the population aged 14-25).
        selected: the people listed (person_id).
        settings: governance/fairness.yaml, as the run pinned it.
    """
    population = features.join(
        decided.filter(pl.col("in_population")).select("person_id"), on="person_id", how="semi"
    )
    frame = population.select(
        pl.col("person_id").is_in(selected["person_id"].implode()).alias("listed"),
        settings.serious_violence.expr.fill_null(False).alias("serious_violence"),
    )
    return audit_list(frame, audit_groups(population.select(AUDIT_COLUMNS), settings), settings)
