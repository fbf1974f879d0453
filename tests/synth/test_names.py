"""Tests for the name pools and name draws in synth.names."""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synth.names import (
    POOLS,
    draw_forenames,
    draw_surnames,
    forename_table,
    nickname_table,
    pool_for_ethnicity,
    surname_table,
)

TITLE_CASE = re.compile(r"[A-Z][A-Za-z]*(?:[ '\-][A-Z][A-Za-z]*)*")
ETHNICITY_CODES = [
    "W1", "W2", "W3", "W4", "W5", "M1", "M2", "M3", "M4", "A1",
    "A2", "A3", "A4", "A5", "B1", "B2", "B3", "O1", "O2",
]  # fmt: skip


def is_title_case(name: str) -> bool:
    """Every word (split on space, hyphen or apostrophe) starts with a capital letter."""
    return TITLE_CASE.fullmatch(name) is not None


# --- the CSV files -------------------------------------------------------------------------


def test_forename_file() -> None:
    table = forename_table()
    assert table.columns == ["name", "sex", "pool", "weight"]
    assert set(table["sex"]) == {"M", "F"} and set(table["pool"]) == set(POOLS)
    counts = table.group_by("pool", "sex").len()
    for pool, _sex, n in counts.iter_rows():
        assert n >= (60 if pool == "british_irish" else 25)
    assert table.select(pl.struct("name", "sex", "pool").is_unique().all()).item()
    assert (table["weight"] > 0).all()
    assert all(is_title_case(n) for n in table["name"])


def test_forename_weights_are_skewed() -> None:
    table = forename_table().filter(pool="british_irish", sex="M")
    weights = np.sort(table["weight"].to_numpy())[::-1]
    share = weights / weights.sum()
    assert share[0] > 5 * np.median(share)


def test_surname_file() -> None:
    table = surname_table()
    assert table.columns == ["name", "pool", "weight"]
    counts = dict(table.group_by("pool").len().iter_rows())
    assert counts.keys() == set(POOLS)
    for pool, n in counts.items():
        assert n >= (150 if pool == "british_irish" else 40)
    names = table["name"].to_list()
    assert all(is_title_case(n) for n in names)
    assert any("-" in n for n in names)
    assert "O'Brien" in names and "Da Silva" in names
    assert (table["weight"] > 0).all()


def test_nickname_file() -> None:
    table = nickname_table()
    assert table.columns == ["name", "nickname"] and table.height >= 80
    forenames = set(forename_table()["name"])
    assert set(table["name"]) <= forenames
    assert all(is_title_case(n) for n in table["nickname"])
    assert table.filter(pl.col("name") == pl.col("nickname")).is_empty()
    assert table.is_unique().all()
    variants = table.filter(name="William")["nickname"].to_list()
    assert {"Will", "Bill", "Liam"} <= set(variants)
    assert {"Mohammad", "Muhammad", "Mohamed"} <= set(table.filter(name="Mohammed")["nickname"].to_list())


# --- ethnicity to pool ---------------------------------------------------------------------


def test_fixed_pools() -> None:
    codes = np.array(["W1", "W2", "W3", "W4", "W5", "A1", "A2", "A3", "A5", "A4", "O1", "O2",
                      "B1", "B2", "B3", "M4"])  # fmt: skip
    expected = (["british_irish"] * 3 + ["east_european"] * 2 + ["south_asian"] * 4
                + ["other"] * 3 + ["black_african_caribbean"] * 3 + ["british_irish"])  # fmt: skip
    assert pool_for_ethnicity(np.random.default_rng(0), codes).tolist() == expected


@pytest.mark.parametrize(
    ("code", "allowed"),
    [
        ("M1", {"british_irish", "black_african_caribbean"}),
        ("M2", {"british_irish", "black_african_caribbean"}),
        ("M3", {"british_irish", "south_asian"}),
    ],
)
def test_mixed_pools_draw_between_two(code: str, allowed: set[str]) -> None:
    pools = pool_for_ethnicity(np.random.default_rng(1), np.array([code] * 2000))
    assert set(pools.tolist()) == allowed
    assert 0.4 < (pools == "british_irish").mean() < 0.6


def test_unknown_ethnicity_code() -> None:
    with pytest.raises(ValueError, match="Z9"):
        pool_for_ethnicity(np.random.default_rng(0), np.array(["W1", "Z9"]))


# --- draws ---------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    codes=st.lists(st.sampled_from(ETHNICITY_CODES), max_size=300),
    sexes=st.lists(st.sampled_from(["M", "F"]), min_size=300, max_size=300),
)
def test_draws_respect_sex_and_pool(seed: int, codes: list[str], sexes: list[str]) -> None:
    sex = np.array(sexes[: len(codes)], dtype=str)
    pools = pool_for_ethnicity(np.random.default_rng(seed), np.array(codes, dtype=str))
    forenames = draw_forenames(np.random.default_rng(seed), sex, pools)
    surnames = draw_surnames(np.random.default_rng(seed), pools)
    allowed_fore = set(forename_table().select("name", "sex", "pool").iter_rows())
    allowed_sur = set(surname_table().select("name", "pool").iter_rows())
    for name, s, p in zip(forenames.tolist(), sex.tolist(), pools.tolist(), strict=True):
        assert (name, s, p) in allowed_fore
    for name, p in zip(surnames.tolist(), pools.tolist(), strict=True):
        assert (name, p) in allowed_sur
    assert np.array_equal(forenames, draw_forenames(np.random.default_rng(seed), sex, pools))
    assert np.array_equal(surnames, draw_surnames(np.random.default_rng(seed), pools))


def test_draws_follow_weights() -> None:
    n = 20_000
    pools = np.full(n, "british_irish")
    forenames = draw_forenames(np.random.default_rng(3), np.full(n, "M"), pools)
    surnames = draw_surnames(np.random.default_rng(3), pools)
    names, counts = np.unique(forenames, return_counts=True)
    assert names[counts.argmax()] == "Jack"
    assert (surnames == "Smith").mean() > (surnames == "Fitzgerald").mean()


def test_draw_rejects_unknown_values() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError):
        draw_forenames(rng, np.array(["X"]), np.array(["other"]))
    with pytest.raises(ValueError):
        draw_surnames(rng, np.array(["martian"]))
