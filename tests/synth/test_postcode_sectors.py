"""The postcode sectors reference table: as its script makes it, and the world's neighbourhoods in it."""

from __future__ import annotations

import numpy as np
import polars as pl

from data_contracts.reference import reference_table
from features.residence import postcode_areas
from synth.geography import AREAS, DECILE_WEIGHTS, build_neighbourhoods
from synth.postcode_sectors import postcode_sectors


def test_the_committed_table_is_what_the_script_makes() -> None:
    made = postcode_sectors()
    assert reference_table("postcode_sectors").equals(made.cast(reference_table("postcode_sectors").schema))


def test_every_sector_of_every_district_of_the_area_once() -> None:
    table = reference_table("postcode_sectors")
    sectors = sum(10 * districts for _, _, districts in AREAS)
    assert table.height == sectors == table["postcode_sector"].n_unique()
    assert {"B1 0", "B99 9", "CV47 0", "WV16 5", "WS15 9", "DY14 3"} <= set(table["postcode_sector"])


def test_deciles_follow_the_weights() -> None:
    deciles = reference_table("postcode_sectors")["deprivation_decile"]
    counts = deciles.value_counts().sort("deprivation_decile")
    assert counts["deprivation_decile"].to_list() == list(range(1, 11))
    shares = counts["count"].to_numpy() / counts["count"].sum()
    assert np.abs(shares - DECILE_WEIGHTS).max() < 0.001


def test_the_features_area_is_the_worlds() -> None:
    assert postcode_areas() == tuple(area for area, _, _ in AREAS)


def test_neighbourhoods_take_their_decile_and_local_authority_from_the_table() -> None:
    nbhd = build_neighbourhoods(np.random.default_rng(3), 300_000)
    placed = nbhd.select(
        pl.format("{} {}", "district", "sector").alias("postcode_sector"), "la_code", "deprivation_decile"
    ).join(reference_table("postcode_sectors"), on="postcode_sector", how="left", suffix="_table")
    assert (placed["la_code"] == placed["la_code_table"]).all()
    assert (placed["deprivation_decile"] == placed["deprivation_decile_table"]).all()
    # a district's neighbourhoods are in different sectors while it has no more than ten
    assert (
        nbhd.group_by("district")
        .agg(pl.len(), pl.col("sector").n_unique())
        .filter(pl.col("len") <= 10)
        .select((pl.col("len") == pl.col("sector")).all())
        .item()
    )
