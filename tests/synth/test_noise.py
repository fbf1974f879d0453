"""Tests for identity noise in synth.noise."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from synth.date_slips import shift_birth_year, swap_day_month
from synth.names import nickname_table
from synth.noise import (
    add_typos,
    format_postcodes,
    use_nicknames,
)

LETTERS = "abcdefghijklmnopqrstuvwxyz"
NAME_TEXT = st.text(alphabet=LETTERS + LETTERS.upper() + " '-é1", max_size=12)


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# --- typos ---------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(values=st.lists(NAME_TEXT, max_size=30), data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_typos_differ_and_only_where_masked(values: list[str], data: st.DataObject,
                                            seed: int) -> None:  # fmt: skip
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=len(values), max_size=len(values))),
                    dtype=bool)  # fmt: skip
    arr = np.array(values, dtype=str)
    out = add_typos(arr, mask, rng(seed))
    assert out.shape == arr.shape
    for before, after, m in zip(arr.tolist(), out.tolist(), mask.tolist(), strict=True):
        if m:
            assert after != before
            assert abs(len(after) - len(before)) <= 1
        else:
            assert after == before
    assert np.array_equal(out, add_typos(arr, mask, rng(seed)))


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=10), max_size=20),
       seed=st.integers(0, 2**32 - 1))  # fmt: skip
def test_typos_keep_case_style(values: list[str], seed: int) -> None:
    lower = np.array(values, dtype=str)
    upper = np.char.upper(lower)
    title = np.char.capitalize(lower)
    mask = np.ones(lower.size, dtype=bool)
    for arr, check in [(lower, str.islower), (upper, str.isupper), (title, str.istitle)]:
        out = add_typos(arr, mask, rng(seed))
        assert all(check(x) for x in out.tolist())
        assert all(len(x) > 0 for x in out.tolist())


def test_typos_small_examples() -> None:
    arr = np.array(["a", "", "SMITH", "O'Brien", "Da Silva"], dtype=object)
    out = add_typos(arr, np.ones(5, dtype=bool), rng(1))
    assert len(out[0]) == 1 and out[0] != "a" and out[0].islower()
    assert len(out[1]) == 1 and out[1].isalpha()
    assert out[2].isupper() and out[2] != "SMITH"
    assert out.dtype == object


def test_typos_keep_nulls_and_widen() -> None:
    arr = np.array(["Ann", None, "Bo"], dtype=object)
    out = add_typos(arr, np.array([False, True, False]), rng())
    assert out.tolist() == ["Ann", None, "Bo"]
    fixed = np.array(["Ann", "Bob"])  # <U3: a doubled letter needs <U4
    widened = add_typos(fixed, np.ones(2, dtype=bool), rng(5))
    assert all(a != b for a, b in zip(widened.tolist(), fixed.tolist(), strict=True))


def test_typo_mask_length_checked() -> None:
    with pytest.raises(ValueError):
        add_typos(np.array(["a", "b"]), np.array([True]), rng())


# --- nicknames -----------------------------------------------------------------------------


def test_nicknames() -> None:
    names = np.array(["William"] * 200 + ["Zebedee", "WILLIAM", "william", "Elizabeth"])
    mask = np.ones(names.size, dtype=bool)
    mask[-1] = False
    out = use_nicknames(names, mask, rng(2))
    variants = set(nickname_table().filter(name="William")["nickname"].to_list())
    assert set(out[:200].tolist()) == variants  # every variant gets used
    assert out[200] != "Zebedee"  # no nickname: a typo instead
    assert out[201] in {v.upper() for v in variants}
    assert out[202] in {v.lower() for v in variants}
    assert out[203] == "Elizabeth"
    assert np.array_equal(out, use_nicknames(names, mask, rng(2)))


def test_nicknames_nulls() -> None:
    names = np.array([None, "Mohammed"], dtype=object)
    out = use_nicknames(names, np.ones(2, dtype=bool), rng())
    assert out[0] is None
    assert out[1] in {"Mohammad", "Muhammad", "Mohamed", "Mohd", "Mo"}


# --- dates ---------------------------------------------------------------------------------

DATES = hnp.arrays(
    dtype="datetime64[D]",
    shape=st.integers(0, 50),
    elements=st.dates(min_value=datetime.date(1950, 1, 1), max_value=datetime.date(2030, 12, 31)),
)


def _ymd(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    years = dates.astype("datetime64[Y]").astype(int) + 1970
    months = dates.astype("datetime64[M]").astype(int) % 12 + 1
    days = (dates - dates.astype("datetime64[M]")).astype(int) + 1
    return years, months, days


def test_swap_day_month_examples() -> None:
    dates = np.array(["2009-08-11", "2010-05-05", "2010-05-20", "2011-12-01", "2012-03-04"],
                     dtype="datetime64[D]")  # fmt: skip
    mask = np.array([True, True, True, True, False])
    out = swap_day_month(dates, mask, rng())
    assert out[0] == np.datetime64("2009-11-08")
    assert abs(int((out[1] - dates[1]).astype(int))) == 1
    assert abs(int((out[2] - dates[2]).astype(int))) == 1
    assert out[3] == np.datetime64("2011-01-12")
    assert out[4] == dates[4]


@settings(max_examples=100, deadline=None)
@given(dates=DATES, seed=st.integers(0, 2**32 - 1))
def test_swap_day_month_only_where_legal(dates: np.ndarray, seed: int) -> None:
    mask = rng(seed + 1).random(dates.size) < 0.7
    out = swap_day_month(dates, mask, rng(seed))
    y0, m0, d0 = _ymd(dates)
    y1, m1, d1 = _ymd(out)
    legal = (d0 <= 12) & (d0 != m0)
    swapped = mask & legal
    assert np.array_equal(out[~mask], dates[~mask])
    assert np.array_equal(y1[swapped], y0[swapped])
    assert np.array_equal(m1[swapped], d0[swapped]) and np.array_equal(d1[swapped], m0[swapped])
    moved = mask & ~legal
    assert np.all(np.abs((out[moved] - dates[moved]).astype(int)) == 1)
    assert np.array_equal(out, swap_day_month(dates, mask, rng(seed)))


def test_swap_keeps_nat() -> None:
    dates = np.array(["NaT", "2001-02-03"], dtype="datetime64[D]")
    out = swap_day_month(dates, np.ones(2, dtype=bool), rng())
    assert np.isnat(out[0]) and out[1] == np.datetime64("2001-03-02")


def test_shift_birth_year_leap_day() -> None:
    dates = np.array(["2000-02-29"] * 20, dtype="datetime64[D]")
    out = shift_birth_year(dates, np.ones(20, dtype=bool), rng())
    assert set(out.astype(str).tolist()) == {"1999-02-28", "2001-02-28"}
    leap = shift_birth_year(np.array(["2004-02-29"] * 20, dtype="datetime64[D]"),
                            np.ones(20, dtype=bool), rng())  # fmt: skip
    assert set(leap.astype(str).tolist()) <= {"2003-02-28", "2005-02-28"}


@settings(max_examples=100, deadline=None)
@given(dates=DATES, seed=st.integers(0, 2**32 - 1))
def test_shift_birth_year(dates: np.ndarray, seed: int) -> None:
    mask = rng(seed + 1).random(dates.size) < 0.5
    out = shift_birth_year(dates, mask, rng(seed))
    y0, m0, d0 = _ymd(dates)
    y1, m1, d1 = _ymd(out)
    assert np.array_equal(out[~mask], dates[~mask])
    assert np.all(np.abs(y1 - y0)[mask] == 1)
    assert np.array_equal(m1, m0)
    leap_day = (m0 == 2) & (d0 == 29)
    assert np.array_equal(d1[~leap_day], d0[~leap_day])


# --- postcodes -----------------------------------------------------------------------------


def test_postcode_styles() -> None:
    codes = np.array(["B15 2TT", "sw1a1aa", " m1  1ae ", "EC1A 1BB"])
    assert format_postcodes(codes, "spaced_upper").tolist() == [
        "B15 2TT", "SW1A 1AA", "M1 1AE", "EC1A 1BB",
    ]  # fmt: skip
    assert format_postcodes(codes, "nospace_upper").tolist() == [
        "B152TT", "SW1A1AA", "M11AE", "EC1A1BB",
    ]  # fmt: skip
    assert format_postcodes(codes, "lower").tolist() == [
        "b15 2tt", "sw1a 1aa", "m1 1ae", "ec1a 1bb",
    ]  # fmt: skip


def test_messy_postcodes() -> None:
    codes = np.array(["B15 2TT"] * 500 + [None], dtype=object)
    with pytest.raises(ValueError):
        format_postcodes(codes, "messy")
    messy = format_postcodes(codes, "messy", rng(4))
    assert messy[-1] is None
    variants = set(messy[:-1].tolist())
    assert {"B15 2TT", "B152TT", "b15 2tt"} <= variants
    assert any(v.startswith(" ") for v in variants) and any(v.endswith(" ") for v in variants)
    cleaned = format_postcodes(messy, "spaced_upper")
    assert cleaned[:-1].tolist() == ["B15 2TT"] * 500
    assert np.array_equal(messy, format_postcodes(codes, "messy", rng(4)))
