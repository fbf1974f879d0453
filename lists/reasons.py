"""The words beside each entry of the weekly list: the rules met with their reasons, safeguarding
notes and pathways, the latest review decision, and the probability as shown.

Pure steps over frames (see lists.build); nothing here reads the clock or the warehouse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from features.registry import Feature
from lists.entries import PATHWAY
from lists.probability import Step
from lists.probability import probability_text as shown_probability
from lists.settings import ListSettings
from rules.engine import DATE_FORMAT, written_template
from rules.rulebook import Rulebook


def probability_text(settings: ListSettings, steps: Sequence[Step] | None = None) -> pl.Expr:
    """The calibrated probability as shown: only as finely as the model's calibration steps vouch for,
    within the settings' floor and ceiling (lists.probability); "no model" when there is none.

    Args:
        settings: the list settings (``probability_shown``).
        steps: the model's calibration steps (lists.probability.calibration_steps); None: whole
            per cent (no calibration evidence).
    """
    return shown_probability(settings.floor, settings.ceiling, steps)


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
