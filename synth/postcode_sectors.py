"""Make ``data_contracts/reference/postcode_sectors.csv``: the area's postcode sectors and their deprivation.

The table stands in for the public ONS postcode directory joined to the English Indices of
Deprivation. It is made once, deterministically, and committed; the synthetic world places its
neighbourhoods in these sectors and the feature layer reads the same table, so they agree.
Run ``python -m pipelines.world.reference_tables`` to write it again (the tests check it is unchanged).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from synth.geography import AREAS, DECILE_WEIGHTS, local_authority

SEED = 2019  # the year of the English Indices of Deprivation the table imitates


def postcode_sectors() -> pl.DataFrame:
    """Every sector (0-9) of every district of the area's postcode areas, with its deprivation decile.

    Returns:
        postcode_sector ("B15 2"), la_code (DfE local-authority code) and deprivation_decile
        (1 = most deprived), sorted by area, district and sector. Each decile holds its
        DECILE_WEIGHTS share of the sectors, shuffled among them.
    """
    rng = np.random.default_rng(SEED)
    sectors: list[str] = []
    las: list[int] = []
    for area, _, max_district in AREAS:
        for district in range(1, max_district + 1):
            for sector in range(10):
                sectors.append(f"{area}{district} {sector}")
                las.append(local_authority(area, district))
    bounds = np.round(np.cumsum(DECILE_WEIGHTS) / DECILE_WEIGHTS.sum() * len(sectors)).astype(np.int64)
    decile = rng.permutation(np.repeat(np.arange(1, 11), np.diff(bounds, prepend=0)))
    return pl.DataFrame(
        {
            "postcode_sector": sectors,
            "la_code": np.array(las, dtype=np.int32),
            "deprivation_decile": decile.astype(np.int8),
        }
    )
