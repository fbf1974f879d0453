"""Apply the rulebook to features: every person's verdict on every rule, with the facts behind it."""

from __future__ import annotations

import string
from collections.abc import Mapping

import polars as pl

from features.counting import KEY
from features.registry import NUMERIC, Feature, registry
from features.wording import agreement_problem, pieces
from rules.rulebook import DATES_SUFFIX, KINDS, Rule, Rulebook

DATE_FORMAT = "%d/%m/%Y"
VERDICT_SCHEMA = pl.Schema(
    {
        "person_id": pl.Int64(),
        "as_of": pl.Date(),
        "rule_id": pl.String(),
        "kind": pl.Enum(KINDS),
        "met": pl.Boolean(),
        "reason": pl.String(),  # the rule's reason with the person's facts, when met
        "facts": pl.String(),  # JSON: every feature the rule reads and its value (ISO dates)
    }
)


def apply_rules(
    features: pl.DataFrame, rulebook: Rulebook, registered: Mapping[str, Feature] | None = None
) -> pl.DataFrame:
    """Every person's verdict on every rule.

    Args:
        features: person_id, as_of and the features the rules read (features.build); a reason
            using ``{<feature>_dates}`` needs the dated build.
        rulebook: the checked rules (rules.rulebook.load_rulebook).
        registered: the feature registry (for how to write each value).

    Returns:
        One row per person, as_of and rule (VERDICT_SCHEMA); a condition that is unknown
        (a missing value) counts as not met.
    """
    registered = registry() if registered is None else registered
    needed = {column for rule in rulebook.rules for column in rule.facts}
    missing = sorted(needed - set(features.columns))
    if missing:
        raise ValueError(f"the features given lack {missing}, which the rulebook reads; build them first")
    frames = [
        features.lazy().select(
            *KEY,
            pl.lit(rule.id).alias("rule_id"),
            pl.lit(rule.kind).cast(VERDICT_SCHEMA["kind"]).alias("kind"),
            met.alias("met"),
            pl.when(met).then(written_template(rule.reason, registered, features)).alias("reason"),
            _facts(rule).alias("facts"),
        )
        for rule in rulebook.rules
        for met in [rule.when.expr.fill_null(False)]
    ]
    return pl.concat(frames).select(VERDICT_SCHEMA.names()).cast(VERDICT_SCHEMA).collect()


def decide(verdicts: pl.DataFrame) -> pl.DataFrame:
    """Per person and as_of: in the population, eligible, excluded, and the ids of the rules met.

    ``considered`` is in the population, eligible by a rule and not excluded; a population rule
    that is not met keeps a person out whatever else they meet.
    """

    def met_ids(kind: str) -> pl.Expr:
        return pl.col("rule_id").filter(pl.col("met") & (pl.col("kind") == kind)).sort()

    return (
        verdicts.group_by(KEY)
        .agg(
            pl.col("met").filter(pl.col("kind") == "population").all().alias("in_population"),
            pl.col("met").filter(pl.col("kind") == "eligibility").any().alias("eligible"),
            pl.col("met").filter(pl.col("kind") == "exclusion").any().alias("excluded"),
            met_ids("eligibility").alias("eligibility_met"),
            met_ids("exclusion").alias("exclusions_met"),
        )
        .with_columns(
            (pl.col("in_population") & pl.col("eligible") & ~pl.col("excluded")).alias("considered_by_rules")
        )
        .sort(KEY)
    )


def summarise(features: pl.DataFrame, rulebook: Rulebook) -> pl.DataFrame:
    """What :func:`decide` says of each person, straight from the features, without reasons.

    For many snapshots at once (model training), where reasons and facts are not needed.

    Returns:
        person_id, as_of, in_population, eligible, excluded, considered_by_rules and
        ``eligibility_count``, how many eligibility rules the person meets.
    """

    def met(kind: str) -> list[pl.Expr]:
        return [rule.when.expr.fill_null(False) for rule in rulebook.rules if rule.kind == kind]

    eligibility = met("eligibility")
    summary = features.select(
        *KEY,
        pl.all_horizontal(pl.lit(True), *met("population")).alias("in_population"),
        pl.any_horizontal(pl.lit(False), *eligibility).alias("eligible"),
        pl.any_horizontal(pl.lit(False), *met("exclusion")).alias("excluded"),
        pl.sum_horizontal(pl.lit(0), *[e.cast(pl.Int32) for e in eligibility]).alias("eligibility_count"),
    )
    return summary.with_columns(
        (pl.col("in_population") & pl.col("eligible") & ~pl.col("excluded")).alias("considered_by_rules")
    )


def written_template(template: str, registered: Mapping[str, Feature], features: pl.DataFrame) -> pl.Expr:
    """A reason template (rulebook.template_problem checks it) filled with each person's facts.

    ``[one|other]`` agrees with the number placeholder before it (features.wording): "1 arrest",
    "2 arrests"; codes read as their labels.

    Raises:
        ValueError: a ``[one|other]`` choice that follows no number placeholder.
    """
    numeric = {name for name, feature in registered.items() if feature.type in NUMERIC}
    problem = agreement_problem(template, numeric)
    if problem:
        raise ValueError(f"template {template!r}: {problem}")
    parts: list[pl.Expr] = []
    last: str | None = None
    for literal, name, _, _ in string.Formatter().parse(template):
        if last is not None and literal.startswith("%"):
            # "{x}%" is one value: a missing percentage reads "unknown", never "unknown%"
            parts[-1] = (_written(last, registered, features) + pl.lit("%")).fill_null("unknown")
            literal = literal[1:]
        for plain, choice in pieces(literal):
            if choice is not None and last is not None:
                one, other = choice
                parts.append(pl.when(pl.col(last) == 1).then(pl.lit(one)).otherwise(pl.lit(other)))
            elif plain:
                parts.append(pl.lit(plain))
        if name:
            parts.append(_written(name, registered, features).fill_null("unknown"))
            last = name
    return pl.concat_str(parts)


def _facts(rule: Rule) -> pl.Expr:
    return pl.struct(list(rule.facts)).struct.json_encode()


def _written(name: str, registered: Mapping[str, Feature], features: pl.DataFrame) -> pl.Expr:
    """A feature's value as an analyst reads it: whole counts, dd/mm/yyyy dates, yes/no flags, codes by
    their labels."""
    column = pl.col(name)
    if name.endswith(DATES_SUFFIX) and name not in registered:
        dates = column.list.eval(pl.element().dt.strftime(DATE_FORMAT)).list.join(", ")
        return pl.when(column.list.len() > 0).then(dates).otherwise(pl.lit("none"))
    kind = registered[name].type
    if kind == "flag":
        return pl.when(column).then(pl.lit("yes")).when(~column).then(pl.lit("no"))
    if kind == "date":
        return column.dt.strftime(DATE_FORMAT)
    if kind == "text" and registered[name].labels:
        return column.replace(dict(registered[name].labels))
    if kind in ("number", "percent") and features.schema[name].is_float():
        return column.round(1).cast(pl.String).str.replace(r"\.0$", "")
    return column.cast(pl.String)
