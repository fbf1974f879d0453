"""Draw up the weekly list: who is put forward and by which route, in what order, with the reasons,
and who left the list since the previous one and why.

Pure steps over frames the run reads (pipelines/weekly_run.py): features, the rules' verdicts, the
model's scores and explanations, the previous list and the review decisions. Nothing here reads the
clock or the warehouse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import polars as pl

from features.registry import Feature
from lists.entries import DEPARTURE_SCHEMA, ENTRY_SCHEMA, PATHWAY, RULE_MET
from lists.settings import ListSettings
from models.explain import FACTOR
from rules.engine import DATE_FORMAT, written_template
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


def probability_text(settings: ListSettings) -> pl.Expr:
    """The calibrated probability as shown: whole per cent, never a certainty ("95% or more")."""
    probability = pl.col("probability")
    percent = (probability * 100).round(0).cast(pl.Int64).cast(pl.String) + pl.lit("%")
    return (
        pl.when(probability.is_null())
        .then(pl.lit("no model"))
        .when(probability >= settings.ceiling)
        .then(pl.lit(f"{settings.ceiling:.0%} or more"))
        .when(probability < settings.floor)
        .then(pl.lit(f"under {settings.floor:.0%}"))
        .otherwise(percent)
    )


def rule_texts(rulebook: Rulebook) -> pl.DataFrame:
    """rule_id and the rule's text as a phrase (no closing full stop), to put before its reason."""
    return pl.DataFrame(
        {"rule_id": [r.id for r in rulebook.rules], "text": [r.text.rstrip(".") for r in rulebook.rules]},
        schema={"rule_id": pl.String(), "text": pl.String()},
    )


def explain_rules(verdicts: pl.DataFrame, rulebook: Rulebook) -> pl.DataFrame:
    """person_id and ``rules_met``: each eligibility rule met, its text and reason, in rulebook order."""
    order = {rule.id: i for i, rule in enumerate(rulebook.rules)}
    texts = rule_texts(rulebook)
    return (
        verdicts.filter(pl.col("met") & (pl.col("kind") == "eligibility"))
        .join(texts, on="rule_id")
        .with_columns(pl.col("rule_id").replace_strict(order, return_dtype=pl.Int32).alias("_order"))
        .sort("person_id", "_order")
        .group_by("person_id", maintain_order=True)
        .agg(pl.struct("rule_id", "text", "reason").alias("rules_met"))
    )


def support(
    features: pl.DataFrame, settings: ListSettings, registered: Mapping[str, Feature]
) -> pl.DataFrame:
    """person_id, ``safeguarding`` (notes) and ``pathways`` (suggestions) from each person's facts."""
    notes = [
        pl.when(n.when.expr.fill_null(False)).then(written_template(n.note, registered, features))
        for n in settings.safeguarding
    ]
    pathways = [
        pl.when(p.when.expr.fill_null(False)).then(
            pl.struct(
                pl.lit(p.id).alias("pathway"),
                pl.lit(f"{p.name}: {p.offer}").alias("name"),
                written_template(p.because, registered, features).alias("because"),
            )
        )
        for p in settings.pathways
        if p.when is not None
    ]
    return features.select(
        "person_id",
        (pl.concat_list(notes).list.drop_nulls() if notes else pl.lit([], pl.List(pl.String))).alias(
            "safeguarding"
        ),
        (pl.concat_list(pathways).list.drop_nulls() if pathways else pl.lit([], pl.List(PATHWAY))).alias(
            "pathways"
        ),
    )


def latest_decisions(decisions: pl.DataFrame) -> pl.DataFrame:
    """person_id and ``last_decision`` written out, from each person's latest review decision."""
    return (
        decisions.sort("decision_id")
        .group_by("person_id")
        .agg(pl.all().last())
        .select(
            "person_id",
            pl.format(
                "{} on {} by {}: {} (list run {})",
                "decision",
                pl.col("decided_on").dt.strftime(DATE_FORMAT),
                "reviewer",
                "reason",
                pl.col("run_id").cast(pl.String).fill_null("none"),
            ).alias("last_decision"),
        )
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
            probability_text(settings).alias("probability_text"),
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


def month_day(day: pl.Expr) -> pl.Expr:
    """A date's month and day as one comparable number (17 November: 1117); Int32, as the parts are Int8."""
    return day.dt.month().cast(pl.Int32) * 100 + day.dt.day().cast(pl.Int32)


def departures(
    previous: pl.DataFrame,
    selected: pl.DataFrame,
    *,
    as_of: date,
    decided: pl.DataFrame,
    verdicts: pl.DataFrame,
    scores: pl.DataFrame | None,
    people: pl.DataFrame,
    rulebook: Rulebook,
    settings: ListSettings,
) -> pl.DataFrame:
    """Who was on the previous list and is not on this one, and why (DEPARTURE_SCHEMA, by previous rank).

    The reasons, first that applies: their records now belong to another person id (linkage);
    aged out; no longer lives in the area; a decision (accepted into the cohort, declined); another
    exclusion (in custody, moved, deceased) with its facts; and otherwise no longer meeting a rule
    and/or the risk falling below the model route.

    Args:
        people: person_id, name, dob of everyone linked now (not just the listed).
    """
    gone = previous.join(selected.select("person_id"), on="person_id", how="anti")
    if gone.height == 0:
        return pl.DataFrame(schema=DEPARTURE_SCHEMA)
    texts = rule_texts(rulebook)
    theirs = verdicts.filter(pl.col("person_id").is_in(gone["person_id"].implode())).join(texts, on="rule_id")
    exclusion = (
        theirs.filter(pl.col("met") & (pl.col("kind") == "exclusion"))
        .sort("person_id", "rule_id")
        .group_by("person_id", maintain_order=True)
        .agg(pl.col("rule_id").first().alias("exclusion"), pl.col("reason").first().alias("exclusion_reason"))
    )
    outside = (
        theirs.filter(~pl.col("met") & (pl.col("kind") == "population"))
        .sort("person_id", "rule_id")
        .group_by("person_id", maintain_order=True)
        .agg(pl.col("text").str.join("; ").alias("population_failed"))
    )
    now = (
        scores.select("person_id", pl.col("band").alias("band_now"))
        if scores is not None
        else pl.DataFrame(schema={"person_id": pl.Int64(), "band_now": pl.String()})
    )
    frame = (
        gone.join(people, on="person_id", how="left")
        .join(
            decided.select("person_id", "in_population", "eligible", "excluded"), on="person_id", how="left"
        )
        .join(exclusion, on="person_id", how="left")
        .join(outside, on="person_id", how="left")
        .join(now, on="person_id", how="left")
        .with_columns(
            (
                as_of.year
                - pl.col("dob").dt.year().cast(pl.Int32)
                - (month_day(pl.col("dob")) > as_of.month * 100 + as_of.day).cast(pl.Int32)
            ).alias("_years"),
        )
    )
    was_model = pl.col("route").is_in(["model", "both"])
    was_rule = pl.col("route").is_in(["rule", "both"])
    if scores is None:
        risk: pl.Expr = pl.lit("no model is approved this week")
    else:
        kind, value = settings.model_route
        if kind == "band":
            below = f"below the model's '{value}' band"
        elif kind == "probability":
            below = f"below the model's threshold of {float(value):.0%}"
        else:
            below = f"out of the model's top {value}"
        risk = pl.format(
            "risk fell " + below + " (band {} -> {})", "band", pl.col("band_now").fill_null("not scored")
        )
    why = (
        pl.when(pl.col("dob").is_null())
        .then(pl.lit("their records now belong to another person id (linkage merged or split them)"))
        .when(pl.col("_years") > 25)
        .then(pl.lit("aged out (26 or over)"))
        .when(pl.col("in_population").is_null())
        .then(pl.lit("no longer in the population (aged 14 to 25)"))
        .when(~pl.col("in_population"))
        .then(pl.format("no longer in the population: {}", pl.col("population_failed").fill_null("")))
        .when(pl.col("exclusion").is_in(["already_in_cohort", "declined_recently"]))
        .then(pl.format("decision: {}", "exclusion_reason"))
        .when(pl.col("excluded"))
        .then(pl.format("excluded: {}", "exclusion_reason"))
        .when(was_rule & was_model)
        .then(pl.format("no longer meets a rule, and {}", risk))
        .when(was_model)
        .then(risk)
        .otherwise(pl.lit("no longer meets a rule (the events behind it are now outside its window)"))
    )
    return (
        frame.select("person_id", "name", pl.col("rank").alias("previous_rank"), why.alias("why"))
        .cast(DEPARTURE_SCHEMA)
        .sort("previous_rank")
    )
