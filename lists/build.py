"""Draw up the weekly list: who is put forward and by which route, in what order, and each entry
with its reasons (the words come from lists.reasons; who left the list, from lists.departures).

Pure steps over frames the run reads (pipelines/weekly/run.py): features, the rules' verdicts, the
model's scores and explanations, the previous list and the review decisions. Nothing here reads the
clock or the warehouse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import polars as pl

from features.registry import Feature
from lists.entries import ENTRY_SCHEMA, RULE_MET
from lists.probability import Step
from lists.reasons import explain_rules, latest_decisions, probability_text, support
from lists.settings import ListSettings
from models.explain import FACTOR
from rules.rulebook import Rulebook

SELECTED_SCHEMA = pl.Schema(
    {
        "person_id": pl.Int64(),
        "route": pl.String(),
        "rank": pl.Int32(),
        "within_capacity": pl.Boolean(),
        "probability": pl.Float64(),
        "band": pl.String(),
    }
)
PREVIOUS_SCHEMA = pl.Schema(
    {"person_id": pl.Int64(), "rank": pl.Int32(), "route": pl.String(), "band": pl.String()}
)
DECISIONS_SCHEMA = pl.Schema(
    {
        "decision_id": pl.Int64(),
        "person_id": pl.Int64(),
        "decision": pl.String(),
        "reason": pl.String(),
        "reviewer": pl.String(),
        "decided_on": pl.Date(),
        "run_id": pl.Int32(),
    }
)


class ListError(ValueError):
    """The settings and the model disagree (for example a model route band the model lacks)."""


def model_selected(settings: ListSettings, bands: Sequence[str]) -> pl.Expr:
    """True for the scores (band, probability, score_rank) the model route puts forward (``bands`` is
    the model's, highest first)."""
    kind, value = settings.model_route
    if kind == "band":
        if value not in bands:
            raise ListError(
                f"lists/settings.yaml: model_route: band '{value}' is not one of the approved model's bands "
                f"({', '.join(bands)}); name one of them"
            )
        return pl.col("band").is_in(list(bands[: list(bands).index(str(value)) + 1]))
    if kind == "probability":
        return pl.col("probability") >= float(value)
    return pl.col("score_rank") <= int(value)


def select(
    decided: pl.DataFrame,
    scores: pl.DataFrame | None,
    settings: ListSettings,
    bands: Sequence[str] = (),
) -> pl.DataFrame:
    """Who is listed, by which route, in what order.

    Listed: in the population, not excluded, and eligible by a rule or put forward by the model.
    Ranked by risk (calibrated probability, then log-odds: ``scores``' rank); on the rules alone,
    by how many eligibility rules each person meets, then person id.

    Args:
        decided: rules.engine.decide's frame at one as_of.
        scores: person_id, probability, band and rank (models.score.score_rows) for everyone in
            the population and not excluded; None when no model is approved.
        settings: the list settings (capacity, model route).
        bands: the model's band names, highest first.

    Returns:
        SELECTED_SCHEMA, sorted by rank.
    """
    open_to = decided.filter(pl.col("in_population") & ~pl.col("excluded")).select(
        "person_id", "eligible", pl.col("eligibility_met").list.len().alias("rules_met")
    )
    if scores is None:
        ranked = open_to.filter("eligible").with_columns(
            pl.lit("rule").alias("route"),
            pl.lit(None, pl.Float64).alias("probability"),
            pl.lit(None, pl.String).alias("band"),
        )
        ranked = ranked.sort(["rules_met", "person_id"], descending=[True, False])
    else:
        scored = scores.select("person_id", "probability", "band", pl.col("rank").alias("score_rank"))
        joined = open_to.join(scored, on="person_id", how="left")
        by_model = model_selected(settings, bands).fill_null(False)
        ranked = (
            joined.with_columns(by_model.alias("by_model"))
            .filter(pl.col("eligible") | pl.col("by_model"))
            .with_columns(
                pl.when(pl.col("eligible") & pl.col("by_model"))
                .then(pl.lit("both"))
                .when("eligible")
                .then(pl.lit("rule"))
                .otherwise(pl.lit("model"))
                .alias("route")
            )
            .sort(["score_rank", "person_id"], nulls_last=True)
        )
    return ranked.with_row_index("rank", offset=1).select(
        "person_id",
        "route",
        pl.col("rank").cast(pl.Int32),
        (pl.col("rank") <= settings.capacity).alias("within_capacity"),
        "probability",
        "band",
    )


def entries(
    selected: pl.DataFrame,
    *,
    as_of: date,
    features: pl.DataFrame,
    verdicts: pl.DataFrame,
    rulebook: Rulebook,
    explained: pl.DataFrame | None,
    people: pl.DataFrame,
    previous: pl.DataFrame,
    decisions: pl.DataFrame,
    settings: ListSettings,
    registered: Mapping[str, Feature],
    steps: Sequence[Step] | None = None,
) -> pl.DataFrame:
    """The list's entries (lists.entries.ENTRY_SCHEMA), in rank order.

    Args:
        selected: :func:`select`'s frame.
        features: the features at as_of (dated), for the notes and pathways.
        verdicts: rules.engine.apply_rules' frame, for the rules met and their reasons.
        explained: person_id, raising, lowering (models.explain.explanation_frame) for the listed
            people; None on the rules alone.
        people: person_id, name, dob for the listed people.
        previous: the previous list's person_id, rank, route, band (PREVIOUS_SCHEMA).
        decisions: review decisions so far (DECISIONS_SCHEMA).
        steps: the model's calibration steps, which say how finely its probability is shown
            (lists.probability); None: whole per cent.
    """
    listed = selected["person_id"].implode()
    on_list = features.filter(pl.col("person_id").is_in(listed))
    no_factors = pl.lit([], pl.List(FACTOR))
    frame = (
        selected.join(people, on="person_id", how="left")
        .join(on_list.select("person_id", pl.col("person_age").alias("age")), on="person_id", how="left")
        .join(
            explain_rules(verdicts.filter(pl.col("person_id").is_in(listed)), rulebook),
            on="person_id",
            how="left",
        )
        .join(support(on_list, settings, registered), on="person_id", how="left")
        .join(previous.select("person_id", pl.col("rank").alias("previous_rank")), on="person_id", how="left")
        .join(
            latest_decisions(decisions.filter(pl.col("person_id").is_in(listed))), on="person_id", how="left"
        )
    )
    if explained is None:
        frame = frame.with_columns(no_factors.alias("raising"), no_factors.alias("lowering"))
    else:
        frame = frame.join(explained, on="person_id", how="left")
    return (
        frame.with_columns(
            probability_text(settings, steps).alias("probability_text"),
            pl.col("rules_met").fill_null(pl.lit([], pl.List(RULE_MET))),
            pl.col("raising").fill_null(no_factors),
            pl.col("lowering").fill_null(no_factors),
            pl.when(pl.col("previous_rank").is_null())
            .then(pl.lit("new"))
            .otherwise(pl.lit("continuing"))
            .alias("change"),
            pl.lit(as_of + timedelta(days=settings.review_within_days)).alias("review_by"),
        )  # fmt: skip
        .select(ENTRY_SCHEMA.names())
        .cast(ENTRY_SCHEMA)
        .sort("rank")
    )
