"""Where a person lives and their recorded ethnicity, from the postcodes and ethnicity on their records.

These are facts for eligibility (resident in the area, moved out of it) and for fairness audits
(ethnicity, deprivation); the registry never opens them to the model. Postcodes themselves are
identifiers and never become features.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from data_contracts.declarations import declaration_text, parse_yaml
from data_contracts.reference import reference_table
from data_contracts.schemas import best_schema_error, field_path
from features.counting import KEY
from features.events import Events

AREA_FILE = "features/area.yaml"


class AreaError(ValueError):
    """The area configuration breaks its schema."""


def parse_area(document: object, file_name: str = AREA_FILE) -> tuple[str, ...]:
    """The postcode areas of the area's residents, from the area document.

    Raises:
        AreaError: naming the file and what is wrong.
    """
    error = best_schema_error("features", "area.schema.json", document)
    if error is not None:
        raise AreaError(f"{file_name}: {field_path(error)}: {error.message}")
    assert isinstance(document, dict)
    return tuple(document["postcode_areas"])


@cache
def postcode_areas() -> tuple[str, ...]:
    """The configured postcode areas (features/area.yaml)."""
    text, where = declaration_text("features", "area.yaml")
    return parse_area(parse_yaml(text, where, AreaError))


def postcode_area(postcode: pl.Expr) -> pl.Expr:
    """The letters before the digits of a postcode in standard form ("B15 2TT" -> "B"); null if none."""
    return postcode.str.extract(r"^([A-Z]{1,2})[0-9]", 1)


def postcode_sector(postcode: pl.Expr) -> pl.Expr:
    """The sector of a postcode in standard form ("B15 2TT" -> "B15 2"); null if it is not one."""
    return postcode.str.extract(r"^([A-Z]{1,2}[0-9][A-Z0-9]? [0-9])[A-Z]{2}$", 1)


def latest_recorded(records: pl.DataFrame, grid: pl.DataFrame, column: str) -> pl.DataFrame:
    """Per person and as_of, the most recently recorded value of ``column`` among known records.

    A record is known at the as_of dates it happened and was recorded before (features.events.known).
    Records on the same latest date that disagree are settled by the value recorded most often
    (over every known record), then by the value's order, so the answer never depends on row order.

    Args:
        records: records with ``column`` (e.g. events.addresses).
        grid: the as_of dates, sorted (features.events.as_of_grid).
        column: the column, e.g. ``postcode``.

    Returns:
        person_id, as_of, ``column`` and ``recorded_date`` (when that value was recorded); only
        people and dates with a known non-null value.
    """
    dates = grid["as_of"]
    present = records.filter(pl.col(column).is_not_null())
    known_from = present.select(pl.max_horizontal("event_date", "recorded_date")).to_series()
    # A person has many records but few values, and only each value's latest date and count
    # matter. Records first known at the same as_of are collapsed to one row with their count
    # before being repeated at every later as_of, rather than repeating every record. Lazy, as
    # the query engine does this about a quarter faster at force scale than step by step.
    indexed = grid.lazy().select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_at"), "as_of")
    seen = (
        present.lazy()
        .with_columns(dates.search_sorted(known_from, side="right").alias("_from"))
        .group_by("person_id", column, "_from")
        .agg(pl.len().alias("_times"), pl.col("recorded_date").max())
        .with_columns(pl.int_ranges("_from", dates.len(), dtype=pl.UInt32).alias("_at"))
        .explode("_at")
        .drop_nulls("_at")
        .join(indexed, on="_at")
        .with_columns(pl.col("_times").sum().over(*KEY, column))
    )
    latest = seen.group_by(KEY).agg(
        pl.col(column).sort_by("recorded_date", "_times", column, descending=[True, True, False]).first(),
        pl.col("recorded_date").max(),
    )
    return latest.collect()


def residence_features(events: Events, grid: pl.DataFrame) -> pl.DataFrame:
    """Ethnicity, deprivation decile of the latest address, and whether it is in the area.

    Args:
        events: every kind of event; only ``addresses`` is read.
        grid: the as_of dates (features.events.as_of_grid).

    Returns:
        person_id, as_of, person_ethnicity, person_deprivation_decile, person_resident,
        person_moved_out and person_moved_out_date, for people with a known postcode or
        ethnicity (the builder fills the others).
    """
    ethnicity = latest_recorded(events.addresses, grid, "ethnicity").select(
        *KEY, pl.col("ethnicity").alias("person_ethnicity")
    )
    deciles = reference_table("postcode_sectors").select("postcode_sector", "deprivation_decile")
    # a postcode that names no postcode area says nothing about where the person lives
    away = ~postcode_area(pl.col("postcode")).is_in(list(postcode_areas())).fill_null(True)
    place = (
        latest_recorded(events.addresses, grid, "postcode")
        .with_columns(postcode_sector(pl.col("postcode")).alias("postcode_sector"), away.alias("away"))
        .join(deciles, on="postcode_sector", how="left")
        .select(
            *KEY,
            pl.col("deprivation_decile").alias("person_deprivation_decile"),
            (~pl.col("away")).alias("person_resident"),
            pl.col("away").alias("person_moved_out"),
            pl.when(pl.col("away")).then(pl.col("recorded_date")).alias("person_moved_out_date"),
        )
    )
    return ethnicity.join(place, on=KEY, how="full", coalesce=True)
