"""The canonical pool, its hash and the draw: determined by their inputs, recomputable from the documented
algorithm, with the programme count of each stratum fixed and each person's probability true."""

from __future__ import annotations

import copy
import hashlib
from collections import Counter
from typing import Any

import numpy as np
import polars as pl
import pytest

from lists.trial_draw import ALLOCATION_SCHEMA, draw, plan_draw, plan_strata
from lists.trial_pool import CANDIDATE_SCHEMA, PoolError, canonical_pool, pool_hash, seed_hash
from lists.trial_settings import TrialSettings, load_trial_settings, parse_trial_settings

SHIPPED = load_trial_settings()
SEED = bytes(range(32))


def settings(**changes: Any) -> TrialSettings:
    """The shipped settings with top-level changes."""
    document = copy.deepcopy(SHIPPED.document)
    document.update(changes)
    return parse_trial_settings(document)


def candidates(rows: list[tuple[int, int, str, float | None]]) -> pl.DataFrame:
    """person_id, age, route, score."""
    return pl.DataFrame(rows, schema=CANDIDATE_SCHEMA, orient="row")


def seeded(n: int) -> bytes:
    return hashlib.sha256(f"seed {n}".encode()).digest()


# 5 under-18s by rule, 3 adults by rule, 1 adult by the model, given out of person_id order
POOL_ROWS = [
    (9, 16, "rule", None), (2, 15, "rule", None), (7, 17, "rule", None), (4, 14, "rule", None),
    (11, 16, "rule", None), (3, 20, "rule", None), (8, 24, "rule", None), (5, 19, "rule", None),
    (6, 22, "model", None),
]  # fmt: skip


def test_the_canonical_pool_is_by_person_id_numbered_from_zero_with_each_stratum() -> None:
    pool = canonical_pool(candidates(POOL_ROWS), SHIPPED)
    assert pool["person_id"].to_list() == [2, 3, 4, 5, 6, 7, 8, 9, 11]
    assert pool["position"].to_list() == list(range(9))
    assert dict(zip(pool["person_id"], pool["stratum"], strict=True))[6] == "18 and over | model"
    assert Counter(pool["stratum"]) == {
        "under 18 | rule": 5,
        "18 and over | rule": 3,
        "18 and over | model": 1,
    }


def test_routes_the_settings_leave_out_are_not_in_the_pool_and_a_person_twice_is_refused() -> None:
    rules_only = parse_trial_settings(
        {**copy.deepcopy(SHIPPED.document), "pool": {"routes": ["rule"], "waiting_weeks": 2}}
    )
    assert 6 not in canonical_pool(candidates(POOL_ROWS), rules_only)["person_id"].to_list()
    with pytest.raises(PoolError, match="1 people appear twice"):
        canonical_pool(candidates([*POOL_ROWS, (2, 15, "rule", None)]), SHIPPED)


def test_the_pool_hash_is_the_sha256_of_the_documented_serialisation() -> None:
    pool = canonical_pool(candidates([(7, 20, "both", 0.25), (3, 16, "rule", None)]), SHIPPED)
    text = '[[0,3,"under 18 | rule",null],[1,7,"18 and over | both",0.25]]'
    assert pool_hash(pool) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    changed = pool.with_columns(
        pl.when(pl.col("person_id") == 3)
        .then(pl.lit("under 18 | model"))
        .otherwise("stratum")
        .alias("stratum")
    )
    assert pool_hash(changed) != pool_hash(pool)
    with pytest.raises(PoolError, match="not in canonical order"):
        pool_hash(pool.reverse())


def test_the_seed_hash_is_the_sha256_of_its_32_bytes() -> None:
    assert seed_hash(SEED) == hashlib.sha256(SEED).hexdigest()
    with pytest.raises(ValueError, match="32 bytes"):
        seed_hash(b"short")


def test_the_same_inputs_give_the_same_draw_and_another_seed_another() -> None:
    pool = canonical_pool(candidates(POOL_ROWS), SHIPPED)
    first = draw(pool, 45, SHIPPED, SEED)
    assert first.schema == ALLOCATION_SCHEMA
    assert first.equals(draw(pool, 45, SHIPPED, SEED))
    assert any(not draw(pool, 45, SHIPPED, seeded(n)).equals(first) for n in range(5))


def test_anyone_can_recompute_the_draw_from_the_documented_algorithm() -> None:
    pool = canonical_pool(candidates(POOL_ROWS), SHIPPED)
    u = np.random.default_rng(int.from_bytes(SEED, "big")).random(pool.height)
    expected = {}
    for stratum, programme in (("under 18 | rule", 2), ("18 and over | rule", 1), ("18 and over | model", 0)):
        members = sorted(
            (u[p], p, i)
            for p, i, s in pool.select("position", "person_id", "stratum").iter_rows()
            if s == stratum
        )
        for order, (_, _, person) in enumerate(members):
            if order < 2 * programme:
                expected[person] = "programme" if order < programme else "control"
    drawn = draw(pool, 45, SHIPPED, SEED)
    assert dict(zip(drawn["person_id"], drawn["arm"], strict=True)) == expected


def test_each_stratum_sends_a_fixed_number_to_each_arm_whatever_the_seed() -> None:
    pool = canonical_pool(candidates(POOL_ROWS), SHIPPED)
    counts = {
        tuple(sorted(Counter(zip(d["stratum"], d["arm"], strict=True)).items()))
        for d in (draw(pool, 45, SHIPPED, seeded(n)) for n in range(200))
    }
    assert counts == {
        (
            (("18 and over | rule", "control"), 1), (("18 and over | rule", "programme"), 1),
            (("under 18 | rule", "control"), 2), (("under 18 | rule", "programme"), 2),
        )
    }  # fmt: skip


def test_the_recorded_probability_is_the_share_of_draws_that_give_the_programme() -> None:
    pool = canonical_pool(candidates(POOL_ROWS), SHIPPED)
    runs = 2000
    programme: Counter[int] = Counter()
    recorded: dict[int, float] = {}
    for n in range(runs):
        drawn = draw(pool, 45, SHIPPED, seeded(n))
        for person, arm, probability in drawn.select("person_id", "arm", "probability").iter_rows():
            programme[person] += arm == "programme"
            recorded[person] = probability
    # under 18 | rule: 2 of 5; 18 and over | rule: 1 of 3; the lone model adult is never allocated
    assert recorded[2] == pytest.approx(2 / 5) and recorded[3] == pytest.approx(1 / 3) and 6 not in recorded
    for person, share in recorded.items():
        assert programme[person] / runs == pytest.approx(share, abs=0.05), person  # sd about 0.011


def test_scarce_places_are_shared_by_largest_remainder_ties_to_the_first_stratum_name() -> None:
    # room for 5, 3 and 2 pairs; 5 places: quotas 2.5, 1.5, 1.0 -> 2, 1, 1 and the spare to A (tie with B)
    plans = plan_strata({"B": 6, "A": 10, "C": 4}, 5, SHIPPED)
    assert [(p.stratum, p.programme, p.control, p.waiting) for p in plans] == [
        ("A", 3, 3, 4), ("B", 1, 1, 4), ("C", 1, 1, 2)
    ]  # fmt: skip
    assert plans[0].probability == pytest.approx(0.3)


def test_an_odd_person_waits_and_a_two_to_one_ratio_keeps_its_blocks() -> None:
    assert [(p.programme, p.control, p.waiting) for p in plan_strata({"A": 3}, 45, SHIPPED)] == [(1, 1, 1)]
    two_to_one = settings(ratio={"programme": 2, "control": 1})
    assert [(p.programme, p.control, p.waiting) for p in plan_strata({"A": 7}, 45, two_to_one)] == [(4, 2, 1)]
    assert [(p.programme, p.control) for p in plan_strata({"A": 7}, 3, two_to_one)] == [(2, 1)]


TIE = {"design": "tie_breaker", "tie_breaker": {"treat_from": 0.3, "randomise_from": 0.15}}


def test_the_tie_breaker_always_treats_the_highest_risk_and_randomises_the_band_below() -> None:
    tie = settings(**TIE)
    rows = [
        (1, 16, "both", 0.50), (2, 17, "both", 0.35), (3, 16, "model", 0.20), (4, 15, "model", 0.22),
        (5, 16, "model", 0.18), (6, 17, "model", 0.16), (7, 16, "rule", 0.05),
    ]  # fmt: skip
    pool = canonical_pool(candidates(rows), tie)
    assert 7 not in pool["person_id"].to_list()  # below the randomised band: not in the trial
    drawn = draw(pool, 45, tie, SEED)
    fixed = drawn.filter(~pl.col("randomised"))
    assert fixed.select("person_id", "arm", "probability").rows() == [
        (1, "programme", 1.0),
        (2, "programme", 1.0),
    ]
    randomised = drawn.filter(pl.col("randomised"))
    assert Counter(randomised["arm"]) == {"programme": 2, "control": 2}
    assert set(randomised["probability"]) == {0.5}
    # one place: the highest score takes it, the other always-treated waits, nobody is randomised
    one = draw(pool, 1, tie, SEED)
    assert one.select("person_id", "arm", "randomised").rows() == [(1, "programme", False)]
    assert plan_draw(pool, 1, tie)[1:] == (1, 1)


def test_a_tie_breaker_on_a_list_without_scores_is_refused() -> None:
    with pytest.raises(PoolError, match="rules alone"):
        canonical_pool(candidates(POOL_ROWS), settings(**TIE))
