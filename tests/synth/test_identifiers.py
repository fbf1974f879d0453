"""Tests for identifier check digits (data_contracts.identifiers) and generators (synth)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data_contracts.identifiers import (
    PNC_LETTERS,
    UPN_LETTERS,
    is_valid_nhs_number,
    is_valid_pnc_id,
    is_valid_upn,
    nhs_check_digits,
    nhs_number_is_valid,
    pnc_check_chars,
    pnc_id_is_valid,
    upn_check_letters,
    upn_is_valid,
)
from synth.identifiers import (
    IdentifierKind,
    generate_nhs_numbers,
    generate_pnc_ids,
    generate_upns,
    malform_identifiers,
)

SCALAR = {"nhs": is_valid_nhs_number, "upn": is_valid_upn, "pnc": is_valid_pnc_id}
VECTOR = {"nhs": nhs_number_is_valid, "upn": upn_is_valid, "pnc": pnc_id_is_valid}


def polars_valid(kind: str, values: list[str | None]) -> list[bool | None]:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    return frame.select(VECTOR[kind](pl.col("v"))).to_series().to_list()


def assert_all(kind: str, values: np.ndarray, expected: bool) -> None:
    assert all(SCALAR[kind](v) is expected for v in values.tolist())
    assert all(v is expected for v in polars_valid(kind, values.tolist()))


# --- hand-worked examples ------------------------------------------------------------------


def test_nhs_known_examples() -> None:
    assert is_valid_nhs_number("9434765919")
    assert not is_valid_nhs_number("9434765918")
    assert polars_valid("nhs", ["9434765919", "9434765918", None]) == [True, False, None]
    assert nhs_check_digits(np.array([943476591])).tolist() == [9]


@pytest.mark.parametrize(
    "value", ["", "943476591", "94347659190", "943476591a", " 9434765919", "943 476 5919",
              "9434765919\n", "943476591\u0669"],
)  # fmt: skip
def test_nhs_bad_format(value: str) -> None:
    assert not is_valid_nhs_number(value)
    assert polars_valid("nhs", [value]) == [False]


def test_nhs_remainder_ten_is_never_valid() -> None:
    bodies = np.arange(100_000_000, 100_000_200)
    checks = nhs_check_digits(bodies)
    assert (checks == -1).any()
    for body in bodies[checks == -1]:
        numbers = [f"{body:09d}{d}" for d in range(10)]
        assert not any(is_valid_nhs_number(x) for x in numbers)
        assert not any(polars_valid("nhs", list(numbers)))


def test_pnc_known_example() -> None:
    assert int("010123456") % 23 == 6 and PNC_LETTERS[6] == "F"
    assert pnc_check_chars(np.array([2001]), np.array([123456])).tolist() == ["F"]
    assert is_valid_pnc_id("2001/0123456F")
    others = [f"2001/0123456{c}" for c in PNC_LETTERS if c != "F"]
    assert not any(is_valid_pnc_id(x) for x in others)
    assert polars_valid("pnc", ["2001/0123456F", "2001/0123456E", "2001/0123456f", None]) == [
        True, False, False, None,
    ]  # fmt: skip
    for bad in ["01/0123456F", "2001-0123456F", "2001/123456F", "2001/01234567F"]:
        assert not is_valid_pnc_id(bad)
        assert polars_valid("pnc", [bad]) == [False]


def test_upn_hand_computed() -> None:
    # LA 330, establishment 4001, year 19, serial 123: digits 330400119123 in positions 2..13.
    # 3*2 + 3*3 + 0*4 + 4*5 + 0*6 + 0*7 + 1*8 + 1*9 + 9*10 + 1*11 + 2*12 + 3*13 = 216;
    # 216 mod 23 = 9, and UPN_LETTERS[9] = "K".
    assert UPN_LETTERS[216 % 23] == "K"
    assert upn_check_letters(np.array([330400119123])).tolist() == ["K"]
    assert is_valid_upn("K330400119123")
    assert not is_valid_upn("J330400119123")
    assert not is_valid_upn("k330400119123")
    assert not is_valid_upn("K33040011912")
    assert polars_valid("upn", ["K330400119123", "J330400119123", None]) == [True, False, None]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="0123456789/ABFKZ ", max_size=14), max_size=20))
def test_polars_agrees_with_scalar(values: list[str]) -> None:
    for kind in SCALAR:
        assert polars_valid(kind, list(values)) == [SCALAR[kind](v) for v in values]


# --- generators ----------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 3000))
def test_generated_nhs_numbers(seed: int, n: int) -> None:
    numbers = generate_nhs_numbers(np.random.default_rng(seed), n)
    assert numbers.shape == (n,) and len(set(numbers.tolist())) == n
    assert_all("nhs", numbers, True)
    again = generate_nhs_numbers(np.random.default_rng(seed), n)
    assert np.array_equal(numbers, again)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 3000))
def test_generated_upns(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    la, est = rng.integers(300, 303, n), rng.integers(4000, 4003, n)
    year = rng.integers(2010, 2012, n)
    upns = generate_upns(np.random.default_rng(seed + 1), la, est, year)
    assert upns.shape == (n,) and len(set(upns.tolist())) == n
    assert_all("upn", upns, True)
    prefixes = [f"{a:03d}{b:04d}{c % 100:02d}" for a, b, c in zip(la, est, year, strict=True)]
    assert [u[1:10] for u in upns.tolist()] == prefixes
    assert np.array_equal(upns, generate_upns(np.random.default_rng(seed + 1), la, est, year))


def test_upn_group_too_large() -> None:
    ones = np.ones(1001, dtype=np.int64)
    with pytest.raises(ValueError, match="more than 1000"):
        generate_upns(np.random.default_rng(0), ones, ones, ones * 2020)
    full = generate_upns(np.random.default_rng(0), ones[:1000], ones[:1000], ones[:1000] * 2020)
    assert len(set(full.tolist())) == 1000


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 3000))
def test_generated_pnc_ids(seed: int, n: int) -> None:
    years = np.random.default_rng(seed).integers(1995, 2026, n)
    ids = generate_pnc_ids(np.random.default_rng(seed), years)
    assert ids.shape == (n,) and len(set(ids.tolist())) == n
    assert_all("pnc", ids, True)
    assert [x[:4] for x in ids.tolist()] == [str(y) for y in years]
    assert np.array_equal(ids, generate_pnc_ids(np.random.default_rng(seed), years))


# --- malformed identifiers -----------------------------------------------------------------


def _valid_sample(kind: str, rng: np.random.Generator, n: int) -> np.ndarray:
    if kind == "nhs":
        return generate_nhs_numbers(rng, n)
    if kind == "upn":
        return generate_upns(rng, rng.integers(0, 1000, n), rng.integers(0, 10000, n),
                             rng.integers(0, 100, n))  # fmt: skip
    return generate_pnc_ids(rng, rng.integers(1990, 2026, n))


@pytest.mark.parametrize("kind", ["nhs", "upn", "pnc"])
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_malformed_fail_both_validators(kind: IdentifierKind, seed: int) -> None:
    good = _valid_sample(kind, np.random.default_rng(seed), 500)
    bad = malform_identifiers(np.random.default_rng(seed), good, kind)
    assert_all(kind, bad, False)
    lengths = np.array([len(x) for x in bad.tolist()])
    width = len(good[0])
    assert set(lengths.tolist()) <= {width, width - 1}
    same_length = lengths == width
    assert 0.2 < same_length.mean() < 0.9
    # Same-length rows keep the shape: only the check character differs.
    check_at = 0 if kind == "upn" else width - 1
    for g, b in zip(good[same_length].tolist(), bad[same_length].tolist(), strict=True):
        assert g[:check_at] + g[check_at + 1 :] == b[:check_at] + b[check_at + 1 :]
        assert g[check_at] != b[check_at]
    again = malform_identifiers(np.random.default_rng(seed), good, kind)
    assert np.array_equal(bad, again)


def test_malform_rejects_wrong_shape() -> None:
    with pytest.raises(ValueError):
        malform_identifiers(np.random.default_rng(0), np.array(["123"]), "nhs")
