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
MEMORY_LIMIT = "8GB"
"""DuckDB's memory for Splink's working tables; beyond it, they spill to the run's spill folder."""
EXACT_ANALYSIS_ROWS = 200_000
"""Blocking analysis counts exactly up to this many registrations, and from a sample beyond."""
PAIR_SCHEMA = pl.Schema(
    {
        "registration_l": pl.String(),
        "registration_r": pl.String(),
        "match_probability": pl.Float64(),
        "match_weight": pl.Float64(),
    }
)


def arrow_frame(table: Any) -> pl.DataFrame:
    """A Polars frame from an Arrow table (a relation's result)."""
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame


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
            pl.col("forename").str.slice(0, 1).alias("forename_initial"),
            pl.col("surname").str.slice(0, 1).alias("surname_initial"),
            pl.col("postcode").str.split(" ").list.first().alias("postcode_district"),
        )
        .select(
            UNIQUE_ID,
            "forename",
            "forename_formal",
            "forename_initial",
            "surname",
            "surname_initial",
            "dob",
            "dob_day",
            "dob_month",
            "dob_year",
            "sex",
            "postcode",
            "postcode_district",
            "postcodes",
            "identifier_kind",
        )  # fmt: skip
    )


def comparisons(settings: LinkSettings) -> list[Any]:
    """How two registrations are compared, field by field, most specific level first."""

    def all_other(field: str) -> Any:
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
            cll.AbsoluteDateDifferenceLevel(
                "dob", threshold=1, metric="day", input_is_string=False
            ).configure(label_for_charts="A day apart"),
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


def choose_blocking(table: Any, size: int, settings: LinkSettings) -> BlockingChoice:
    """Count each candidate blocking rule's comparisons and keep the affordable ones that add pairs.

    Counts are exact up to EXACT_ANALYSIS_ROWS registrations and estimated from a sample of
    that many beyond (Splink scales them up).
    """
    sample = min(1.0, EXACT_ANALYSIS_ROWS / max(size, 1))

    def count(rules: list[tuple[str, ...]]) -> list[Any]:
        return blocking_analysis.count_comparisons_from_blocking_rules(
            table, blocking_rules=[block_on(*c) for c in rules], link_type="dedupe_only",
            unique_id_column_name=UNIQUE_ID, record_sample_proportion=sample,
        )  # fmt: skip

    rows: list[dict[str, Any]] = []
    for columns in settings.blocking_candidates:
        alone = count([columns])[0]["cumulative_comparison_count"]
        rows.append({"columns": list(columns), "comparisons": int(alone), "estimated": sample < 1.0,
                     "affordable": alone <= settings.max_comparisons_per_rule})  # fmt: skip
    affordable = [tuple(r["columns"]) for r in rows if r["affordable"]]
    marginal = count(affordable) if affordable else []
    added = {tuple(c): int(m["marginal_comparison_count"]) for c, m in zip(affordable, marginal, strict=True)}
    for row in rows:
        row["adds"] = added.get(tuple(row["columns"]), 0)
        row["used"] = row["affordable"] and row["adds"] > 0
    if not any(row["used"] for row in rows):
        raise ValueError(
            "no blocking rule is affordable: raise blocking.max_comparisons_per_rule in linkage/settings.yaml"
        )
    return BlockingChoice(rows)


def new_linker(
    frame: pl.DataFrame, settings: LinkSettings, model: dict[str, Any] | None, spill: Path
) -> tuple[Linker, DuckDBAPI, BlockingChoice | None]:
    """A linker over the registrations: from a stored model, or a fresh one with blocking chosen now.

    Its working tables spill to ``spill``, a folder of this linker's own that the caller removes.
    """
    db_api = DuckDBAPI(connection=_working_database(spill))
    table = db_api.register(frame.to_arrow(), dataset_display_name="registrations")
    if model is not None:
        return Linker(table, model, log_level=logging.WARNING), db_api, None
    choice = choose_blocking(table, frame.height, settings)
    creator = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name=UNIQUE_ID,
        comparisons=comparisons(settings),
        blocking_rules_to_generate_predictions=[block_on(*c) for c in choice.chosen],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    return Linker(table, creator, log_level=logging.WARNING), db_api, choice


def _working_database(spill: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for Splink, with bounded memory, spilling to ``spill`` (made only if needed)."""
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    # never DuckDB's default (.tmp in the working directory): the caller's folder, which it removes
    con.execute("SET temp_directory = ?", [str(spill)])
    con.execute("SET preserve_insertion_order = false")
    return con


def train(linker: Linker, settings: LinkSettings) -> None:
    """Estimate the prior, u by random sampling and m by expectation maximisation (seeded)."""
    linker.training.estimate_probability_two_random_records_match(
        [block_on(*settings.prior_columns)], recall=settings.prior_recall
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=settings.u_max_pairs, seed=settings.seed)
    for columns in settings.em_blocking:
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(*columns), max_pairs=settings.em_max_pairs
        )


def score_pairs(linker: Linker, threshold: float) -> pl.DataFrame:
    """Every blocked pair scoring at least ``threshold``: the two registrations, probability and weight."""
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    pairs = predictions.as_duckdbpyrelation().select(
        f"{UNIQUE_ID}_l, {UNIQUE_ID}_r, match_probability, match_weight"
    )
    return arrow_frame(pairs.to_arrow_table()).cast(PAIR_SCHEMA)


def clusters(registrations: pl.Series, edges: pl.DataFrame, threshold: float, spill: Path) -> pl.DataFrame:
    """Connected components of the edges at or above ``threshold`` (Splink's clustering).

    Its working tables spill to ``spill``, a folder of its own that the caller removes.

    Returns:
        registration, cluster (a member registration naming the cluster).
    """
    db_api = DuckDBAPI(connection=_working_database(spill))
    nodes = registrations.to_frame(UNIQUE_ID).to_arrow()
    result = cluster_pairwise_predictions_at_threshold(
        nodes, edges.select("registration_l", "registration_r", "match_probability").to_arrow(), db_api,
        node_id_column_name=UNIQUE_ID, threshold_match_probability=threshold,
    )  # fmt: skip
    out = result.as_duckdbpyrelation().select(f"{UNIQUE_ID}, cluster_id AS cluster")
    return arrow_frame(out.to_arrow_table())


def chart_pages(linker: Linker) -> dict[str, str]:
    """The run's match-weight and m/u charts as self-contained HTML pages (no network needed), by file name.

    Returned as text, so the caller writes them owner-only.
    """
    charts: dict[str, Any] = {
        "match_weights.html": linker.visualisations.match_weights_chart(),
        "m_u_parameters.html": linker.visualisations.m_u_parameters_chart(),
    }
    return {name: chart.to_html(inline=True) for name, chart in charts.items()}
