"""Name pools for the synthetic world: forenames, surnames and nicknames, by ethnicity pool."""

from __future__ import annotations

import io
from functools import cache
from importlib import resources

import numpy as np
import polars as pl

POOLS: tuple[str, ...] = (
    "british_irish",
    "south_asian",
    "black_african_caribbean",
    "east_european",
    "other",
)
"""Name pools, as used in the ``pool`` column of the name files."""

SEXES: tuple[str, ...] = ("M", "F")

# ONS 2021 ethnicity code -> (pool, alternative pool). Mixed codes draw between the two 50:50.
_ETHNICITY_POOLS: dict[str, tuple[str, str]] = {
    "W1": ("british_irish", "british_irish"),
    "W2": ("british_irish", "british_irish"),
    "W3": ("british_irish", "british_irish"),
    "W4": ("east_european", "east_european"),
    "W5": ("east_european", "east_european"),
    "M1": ("british_irish", "black_african_caribbean"),
    "M2": ("british_irish", "black_african_caribbean"),
    "M3": ("british_irish", "south_asian"),
    "M4": ("british_irish", "british_irish"),
    "A1": ("south_asian", "south_asian"),
    "A2": ("south_asian", "south_asian"),
    "A3": ("south_asian", "south_asian"),
    "A4": ("other", "other"),
    "A5": ("south_asian", "south_asian"),
    "B1": ("black_african_caribbean", "black_african_caribbean"),
    "B2": ("black_african_caribbean", "black_african_caribbean"),
    "B3": ("black_african_caribbean", "black_african_caribbean"),
    "O1": ("other", "other"),
    "O2": ("other", "other"),
}


def _read_csv(filename: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Read a CSV shipped in ``synth/data``."""
    raw = resources.files("synth").joinpath("data", filename).read_bytes()
    return pl.read_csv(io.BytesIO(raw), schema=schema)


@cache
def forename_table() -> pl.DataFrame:
    """Load the forename pool (cached).

    Returns:
        DataFrame with columns ``name``, ``sex`` (M/F), ``pool`` and ``weight``.
    """
    schema: dict[str, pl.DataType] = {
        "name": pl.String(),
        "sex": pl.String(),
        "pool": pl.String(),
        "weight": pl.Float64(),
    }
    return _read_csv("forenames.csv", schema)


@cache
def surname_table() -> pl.DataFrame:
    """Load the surname pool (cached).

    Returns:
        DataFrame with columns ``name``, ``pool`` and ``weight``.
    """
    return _read_csv("surnames.csv", {"name": pl.String(), "pool": pl.String(), "weight": pl.Float64()})


@cache
def nickname_table() -> pl.DataFrame:
    """Load forename nicknames and spelling variants (cached).

    Returns:
        DataFrame with columns ``name`` and ``nickname``; a name may have several rows.
    """
    return _read_csv("nicknames.csv", {"name": pl.String(), "nickname": pl.String()})


def _encode(name: str, values: np.ndarray, allowed: tuple[str, ...]) -> np.ndarray:
    """Positions of ``values`` in ``allowed`` (int64), raising ValueError on unknown values."""
    out = np.full(values.shape, -1, dtype=np.int64)
    for i, value in enumerate(allowed):
        out[values == value] = i
    if (out < 0).any():
        raise ValueError(f"unknown {name} values: {sorted(set(values[out < 0].tolist()))}")
    return out


def pool_for_ethnicity(rng: np.random.Generator, codes: np.ndarray) -> np.ndarray:
    """Map ONS 2021 ethnicity codes to name pools.

    Mixed codes M1 and M2 draw between ``british_irish`` and ``black_african_caribbean``, and
    M3 between ``british_irish`` and ``south_asian``, with equal probability.

    Args:
        rng: Random generator; the only source of randomness.
        codes: 1-D array of ethnicity codes such as ``"W1"`` or ``"M3"``.

    Returns:
        Array of pool names (dtype ``<U23``), one per code.

    Raises:
        ValueError: If a code is not one of the 19 ONS 2021 codes.
    """
    codes = np.asarray(codes, dtype=str).reshape(-1)
    keys = tuple(_ETHNICITY_POOLS)
    index = _encode("ethnicity code", codes, keys)
    first = np.array([POOLS.index(_ETHNICITY_POOLS[k][0]) for k in keys])
    second = np.array([POOLS.index(_ETHNICITY_POOLS[k][1]) for k in keys])
    use_second = rng.random(codes.size) < 0.5
    pools: np.ndarray = np.array(POOLS, dtype="<U23")[np.where(use_second, second[index], first[index])]
    return pools


def _weighted_draw(
    rng: np.random.Generator, table: pl.DataFrame, group: np.ndarray, conditions: list[pl.Expr]
) -> np.ndarray:
    """Draw names by weight: rows with ``group == g`` from ``table.filter(conditions[g])``."""
    width = max(len(name) for name in table["name"].to_list())
    out = np.empty(group.size, dtype=f"<U{width}")
    for g, condition in enumerate(conditions):
        rows = np.flatnonzero(group == g)
        if rows.size == 0:
            continue
        subset = table.filter(condition)
        weights = subset["weight"].to_numpy()
        names = subset["name"].to_numpy().astype(f"<U{width}")
        out[rows] = names[rng.choice(names.size, size=rows.size, p=weights / weights.sum())]
    return out


def draw_forenames(rng: np.random.Generator, sex: np.ndarray, pools: np.ndarray) -> np.ndarray:
    """Draw forenames weighted by frequency within each (sex, pool).

    Args:
        rng: Random generator; the only source of randomness.
        sex: 1-D array of ``"M"`` / ``"F"``.
        pools: 1-D array of pool names (see ``POOLS``), same length as ``sex``.

    Returns:
        Array of forenames (numpy ``<U`` strings), one per row.
    """
    sex = np.asarray(sex, dtype=str)
    pools = np.asarray(pools, dtype=str)
    if sex.shape != pools.shape or sex.ndim != 1:
        raise ValueError("sex and pools must be 1-D arrays of equal length")
    group = _encode("sex", sex, SEXES) * len(POOLS) + _encode("pool", pools, POOLS)
    conditions = [(pl.col("sex") == s) & (pl.col("pool") == p) for s in SEXES for p in POOLS]
    return _weighted_draw(rng, forename_table(), group, conditions)


def draw_surnames(rng: np.random.Generator, pools: np.ndarray) -> np.ndarray:
    """Draw surnames weighted by frequency within each pool.

    Args:
        rng: Random generator; the only source of randomness.
        pools: 1-D array of pool names (see ``POOLS``).

    Returns:
        Array of surnames (numpy ``<U`` strings), one per row.
    """
    pools = np.asarray(pools, dtype=str).reshape(-1)
    conditions = [pl.col("pool") == p for p in POOLS]
    return _weighted_draw(rng, surname_table(), _encode("pool", pools, POOLS), conditions)
