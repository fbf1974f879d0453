"""The Splink model: comparisons, blocking chosen from a blocking analysis, training, scoring, charts.

Splink compares registrations (see linkage.records) on the DuckDB backend, in an in-memory
database of its own so the warehouse is never locked by its working tables.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import splink.blocking_analysis as blocking_analysis
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import ColumnExpression, Linker, SettingsCreator, block_on
from splink.backends.duckdb import DuckDBAPI
from splink.clustering import cluster_pairwise_predictions_at_threshold

from linkage.config import LinkSettings

UNIQUE_ID = "registration"
PAIR_SCHEMA = {
    "registration_l": pl.String,
    "registration_r": pl.String,
    "match_probability": pl.Float64,
    "match_weight": pl.Float64,
}


def forename_variants() -> pl.DataFrame:
    """Each known forename (formal or variant) and the formal names it stands for."""
    path = resources.files("linkage").joinpath("reference", "forename_variants.csv")
    with resources.as_file(path) as file:
        table = pl.read_csv(file, comment_prefix="#")
    return pl.concat(
        [
            table.select(pl.col("name").alias("forename"), pl.col("name").alias("formal")),
            table.select(pl.col("variant").alias("forename"), pl.col("name").alias("formal")),
        ]
    ).unique()


def comparison_frame(registrations: pl.DataFrame) -> pl.DataFrame:
    """Registrations with the derived columns the comparisons and blocking rules read."""
    formal = (
        registrations.select(UNIQUE_ID, "forename")
        .join(forename_variants(), on="forename", how="inner")
        .group_by(UNIQUE_ID)
        .agg(pl.col("formal").unique().sort().alias("forename_formal"))
    )
    return (
        registrations.join(formal, on=UNIQUE_ID, how="left")
        .with_columns(
            pl.col("forename_formal").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            pl.col(UNIQUE_ID).str.extract(r"^(pnc|upn|nhs):").alias("identifier_kind"),
            pl.col("dob").dt.day().alias("dob_day"),
            pl.col("dob").dt.month().alias("dob_month"),
            pl.col("dob").dt.year().alias("dob_year"),
        )
        .select(
            UNIQUE_ID, "forename", "forename_formal", "surname", "dob", "dob_day", "dob_month", "dob_year",
            "sex", "postcode", "postcodes", "identifier_kind",
        )  # fmt: skip
    )


def comparisons(settings: LinkSettings) -> list[cl.CustomComparison | cl.ComparisonCreator]:
    """How two registrations are compared, field by field, most specific level first."""

    def all_other(field: str) -> cll.ElseLevel:
        fixed = settings.fixed_m_all_other.get(field)
        level = cll.ElseLevel()
        return level.configure(m_probability=fixed, fix_m_probability=True) if fixed else level

    forename = cl.CustomComparison(
        output_column_name="forename",
        comparison_levels=[
            cll.NullLevel("forename"),
            cll.ExactMatchLevel("forename").configure(tf_adjustment_column="forename"),
            cll.JaroWinklerLevel("forename", 0.92),
            cll.ArrayIntersectLevel("forename_formal", 1).configure(
                label_for_charts="Known variants of one name (BILL, WILLIAM)"
            ),
            cll.JaroWinklerLevel("forename", 0.88),
            all_other("forename"),
        ],
    )
    dob = cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            cll.CustomLevel(
                "dob_day_l = dob_month_r AND dob_month_l = dob_day_r AND dob_year_l = dob_year_r",
                label_for_charts="Day and month swapped",
            ),
            cll.CustomLevel(
                "dob_day_l = dob_day_r AND dob_month_l = dob_month_r AND abs(dob_year_l - dob_year_r) = 1",
                label_for_charts="Year one out",
            ),
            cll.AbsoluteDateDifferenceLevel("dob", threshold=1, metric="day", input_is_string=False).configure(
                label_for_charts="A day apart"
            ),
            cll.LevenshteinLevel(ColumnExpression("dob").cast_to_string(), 1).configure(
                label_for_charts="One digit different"
            ),
            all_other("dob"),
        ],
    )
    postcode = cl.CustomComparison(
        output_column_name="postcode",
        comparison_levels=[
            cll.NullLevel("postcode"),
            cll.ExactMatchLevel("postcode").configure(tf_adjustment_column="postcode"),
            cll.ArrayIntersectLevel("postcodes", 1).configure(label_for_charts="An earlier postcode shared"),
            cll.CustomLevel(
                "split_part(postcode_l, ' ', 1) = split_part(postcode_r, ' ', 1)",
                label_for_charts="Same postcode district",
            ),
            cll.ElseLevel(),
        ],
    )
    identifier = cl.CustomComparison(
        output_column_name="identifier",
        comparison_levels=[
            cll.CustomLevel(
                "identifier_kind_l IS NULL OR identifier_kind_r IS NULL", label_for_charts="No identifier"
            ).configure(is_null_level=True),
            cll.CustomLevel(
                "identifier_kind_l = identifier_kind_r",
                label_for_charts="Two different identifiers from one agency",
            ),
            cll.ElseLevel().configure(label_for_charts="Identifiers from different agencies"),
        ],
    )
    surname = cl.NameComparison("surname").configure(term_frequency_adjustments=True)
    return [forename, surname, dob, cl.ExactMatch("sex"), postcode, identifier]


@dataclass(frozen=True)
class BlockingChoice:
    """The blocking analysis of one run: every candidate's counts and whether it is used."""

    rows: list[dict[str, Any]]

    @property
    def chosen(self) -> list[tuple[str, ...]]:
        return [tuple(row["columns"]) for row in self.rows if row["used"]]


def choose_blocking(db_api: DuckDBAPI, table: Any, settings: LinkSettings) -> BlockingChoice:
    """Count each candidate blocking rule's comparisons and keep the affordable ones that add pairs."""
    rows: list[dict[str, Any]] = []
    for columns in settings.blocking_candidates:
        alone = blocking_analysis.count_comparisons_from_blocking_rules(
            table, blocking_rules=block_on(*columns), link_type="dedupe_only",
            unique_id_column_name=UNIQUE_ID, record_sample_proportion=1.0,
        )[0]["cumulative_comparison_count"]  # fmt: skip
        rows.append({"columns": list(columns), "comparisons": int(alone),
                     "affordable": alone <= settings.max_comparisons_per_rule})  # fmt: skip
    affordable = [tuple(r["columns"]) for r in rows if r["affordable"]]
    marginal = blocking_analysis.count_comparisons_from_blocking_rules(
        table, blocking_rules=[block_on(*c) for c in affordable], link_type="dedupe_only",
        unique_id_column_name=UNIQUE_ID, record_sample_proportion=1.0,
    )  # fmt: skip
    added = {tuple(c): int(m["marginal_comparison_count"]) for c, m in zip(affordable, marginal, strict=True)}
    for row in rows:
        row["adds"] = added.get(tuple(row["columns"]), 0)
        row["used"] = row["affordable"] and row["adds"] > 0
    if not any(row["used"] for row in rows):
        raise ValueError(
            "no blocking rule is affordable: raise blocking.max_comparisons_per_rule in linkage/settings.yaml"
        )
    return BlockingChoice(rows)


def new_linker(frame: pl.DataFrame, settings: LinkSettings, model: dict[str, Any] | None) -> tuple[
    Linker, DuckDBAPI, BlockingChoice | None
]:  # fmt: skip
    """A linker over the registrations: from a stored model, or a fresh one with blocking chosen now."""
    db_api = DuckDBAPI(connection=duckdb.connect())
    table = db_api.register(frame.to_arrow(), dataset_display_name="registrations")
    if model is not None:
        return Linker(table, model, log_level=logging.WARNING), db_api, None
    choice = choose_blocking(db_api, table, settings)
    creator = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name=UNIQUE_ID,
        comparisons=comparisons(settings),
        blocking_rules_to_generate_predictions=[block_on(*c) for c in choice.chosen],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    return Linker(table, creator, log_level=logging.WARNING), db_api, choice


def train(linker: Linker, settings: LinkSettings) -> None:
    """Estimate the prior, u by random sampling and m by expectation maximisation (seeded)."""
    linker.training.estimate_probability_two_random_records_match(
        [block_on(*settings.prior_columns)], recall=settings.prior_recall
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=settings.u_max_pairs, seed=settings.seed)
    for columns in settings.em_blocking:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(*columns))


def score_pairs(linker: Linker, threshold: float) -> pl.DataFrame:
    """Every blocked pair scoring at least ``threshold``: the two registrations, probability and weight."""
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    pairs = predictions.as_duckdbpyrelation().select(
        f"{UNIQUE_ID}_l, {UNIQUE_ID}_r, match_probability, match_weight"
    )
    return pl.from_arrow(pairs.to_arrow_table()).cast(PAIR_SCHEMA)  # type: ignore[return-value]


def clusters(registrations: pl.Series, edges: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """Connected components of the edges at or above ``threshold`` (Splink's clustering).

    Returns:
        registration, cluster (a member registration naming the cluster).
    """
    db_api = DuckDBAPI(connection=duckdb.connect())
    nodes = registrations.to_frame(UNIQUE_ID).to_arrow()
    result = cluster_pairwise_predictions_at_threshold(
        nodes, edges.select("registration_l", "registration_r", "match_probability").to_arrow(), db_api,
        node_id_column_name=UNIQUE_ID, threshold_match_probability=threshold,
    )  # fmt: skip
    out = result.as_duckdbpyrelation().select(f"{UNIQUE_ID}, cluster_id AS cluster")
    return pl.from_arrow(out.to_arrow_table())  # type: ignore[return-value]


def save_charts(linker: Linker, folder: Path) -> list[Path]:
    """The run's match-weight and m/u charts as self-contained HTML files (no network needed)."""
    charts = {
        "match_weights.html": linker.visualisations.match_weights_chart(),
        "m_u_parameters.html": linker.visualisations.m_u_parameters_chart(),
    }
    written = []
    for name, chart in charts.items():
        path = folder / name
        path.write_text(chart.to_html(inline=True), encoding="utf-8")
        written.append(path)
    return written
