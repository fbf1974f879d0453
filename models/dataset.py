"""Snapshot rows for the model: the people the list could consider at each as_of, their model
features as a matrix, the outcome that followed, and the baselines' scores.

A row is a person in the rulebook's population (aged 14-25, resident) and not excluded by it
(in custody, deceased, already in the cohort...) at a monthly as_of: exactly the people a list
on that date could have put forward.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from features.build import build_snapshots
from features.counting import KEY
from features.events import Events
from features.police import offences_with_codes
from models.split import add_months
from rules.engine import summarise
from rules.rulebook import Rulebook

AGES = (14, 25)
SNAPSHOTS_PER_BUILD = 4  # features for a few dates at a time keep memory flat at force scale
PRIOR_OFFENCES = "police_offences_ever"
"""The count-of-prior-offences heuristic ranks by this feature."""
AUDIT_COLUMNS = ("person_age", "person_sex", "person_ethnicity", "person_deprivation_decile")
"""What the fairness audit groups rows by (governance.fairness.audit_groups)."""


@dataclass(frozen=True)
class Rows:
    """Snapshot rows: ``keys`` has person_id, as_of, outcome (null while the window is open),
    weight, rules_score (eligibility rules met, 0 if none) and prior_offences; ``matrix`` has
    the model features in ``features`` order (float32, NaN where unknown); ``audit`` has each row's
    age and protected characteristics (AUDIT_COLUMNS), for the fairness audit alone: they never
    reach the matrix unless the registry allows a feature as a model input (age)."""

    keys: pl.DataFrame
    matrix: np.ndarray
    features: tuple[str, ...]
    audit: pl.DataFrame | None = None

    @property
    def outcome(self) -> np.ndarray:
        return self.keys["outcome"].to_numpy().astype(np.int8)

    @property
    def weight(self) -> np.ndarray:
        return self.keys["weight"].to_numpy()

    def frame(self) -> pl.DataFrame:
        """The keys with the features as columns (for tables others can read)."""
        return self.keys.hstack(pl.DataFrame(self.matrix, schema=list(self.features), orient="row"))


def outcomes(
    occurrences: pl.DataFrame, rows: pl.DataFrame, roles: Sequence[str], horizon_months: int
) -> pl.Series:
    """Whether each row's person was recorded in a serious-violence offence in the window.

    Args:
        occurrences: offences with ``serious_violence`` (features.police.offences_with_codes).
        rows: person_id, as_of.
        roles: the roles that count (suspect, victim).
        horizon_months: the window runs from as_of (inclusive) for this many months.

    Returns:
        A boolean series aligned with ``rows``.
    """
    windows = pl.DataFrame({"as_of": rows["as_of"].unique().sort()}).with_columns(
        pl.col("as_of").map_elements(lambda d: add_months(d, horizon_months), pl.Date).alias("until")
    )
    serious = occurrences.filter(pl.col("serious_violence") & pl.col("role").is_in(list(roles))).select(
        "person_id", "event_date"
    )
    involved = (
        serious.join(windows, how="cross")
        .filter((pl.col("event_date") >= pl.col("as_of")) & (pl.col("event_date") < pl.col("until")))
        .select(*KEY)
        .unique()
        .with_columns(pl.lit(True).alias("outcome"))
    )
    labelled = rows.select(*KEY).join(involved, on=KEY, how="left", maintain_order="left")
    return labelled["outcome"].fill_null(False)


def snapshot_rows(
    events: Events,
    people: pl.DataFrame,
    as_ofs: Sequence[date],
    rulebook: Rulebook,
    features: Sequence[str],
    *,
    roles: Sequence[str],
    horizon_months: int,
    labelled: bool = True,
    negative_share: float = 1.0,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> Rows:
    """The rows the list could consider at each of ``as_ofs``, with their features and outcome.

    Args:
        events, people: from the warehouse (pipelines.warehouse.event_frames).
        as_ofs: snapshot dates.
        rulebook: decides who is in the population and who is excluded.
        features: the model features, in order.
        roles, horizon_months: the outcome (models/settings.yaml).
        labelled: label the outcome (False for scoring today, whose window is open).
        negative_share: keep this share of rows without the outcome, chosen at random (seeded
            by ``seed`` and the as_of), and weight them 1 / share.
        progress: called with the number of dates done after each build.
    """
    occurrences = offences_with_codes(events)
    keys, matrices, audit = [], [], []
    dates = sorted(as_ofs)
    for start in range(0, len(dates), SNAPSHOTS_PER_BUILD):
        chunk = dates[start : start + SNAPSHOTS_PER_BUILD]
        built = build_snapshots(events, people, chunk, ages=AGES)
        decided = summarise(built, rulebook)
        built = built.join(decided, on=KEY).filter(pl.col("in_population") & ~pl.col("excluded"))
        outcome = (
            outcomes(occurrences, built, roles, horizon_months)
            if labelled
            else pl.Series("outcome", [None] * built.height, pl.Boolean)
        )
        built = built.with_columns(outcome.alias("outcome"), pl.lit(1.0).alias("weight"))
        if negative_share < 1.0:
            built = _sample_negatives(built, negative_share, seed)
        keys.append(
            built.select(
                *KEY,
                "outcome",
                "weight",
                pl.when("eligible").then("eligibility_count").otherwise(0).alias("rules_score"),
                pl.col(PRIOR_OFFENCES).alias("prior_offences"),
            )
        )
        matrices.append(feature_matrix(built, features))
        audit.append(built.select(AUDIT_COLUMNS))
        if progress:
            progress(len(chunk))
    if not keys:
        return Rows(pl.DataFrame(), np.empty((0, len(features)), np.float32), tuple(features))
    return Rows(pl.concat(keys), np.concatenate(matrices), tuple(features), pl.concat(audit))


def feature_matrix(frame: pl.DataFrame, features: Sequence[str]) -> np.ndarray:
    """The features as a float32 matrix, NaN where a value is unknown (LightGBM's missing)."""
    return (
        frame.select([pl.col(name).cast(pl.Float32) for name in features])
        .to_numpy(order="c")
        .astype(np.float32, copy=False)
    )


def _sample_negatives(frame: pl.DataFrame, share: float, seed: int) -> pl.DataFrame:
    parts = []
    for (as_of,), rows in frame.group_by(["as_of"], maintain_order=True):
        assert isinstance(as_of, date)
        draw = np.random.default_rng([seed, as_of.toordinal()]).random(rows.height)
        keep = rows["outcome"].to_numpy() | (draw < share)
        parts.append(
            rows.filter(pl.Series(keep)).with_columns(
                pl.when("outcome").then(1.0).otherwise(1.0 / share).alias("weight")
            )
        )
    return pl.concat(parts)
