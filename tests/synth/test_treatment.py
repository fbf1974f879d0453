"""The planted treatment effect (synth.treatment): declaration, draws, windows and what prevention removes."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest
from scipy import stats

from synth.model import Category, Kind
from synth.treatment import (
    EFFECT_FILE,
    NO_EFFECT_FILE,
    EffectError,
    describe_rows,
    event_draws,
    mark_removed,
    parse_effect,
    prevented_by_programme,
    removed_events,
    treatment_rows,
)

EFFECT = """
name: test effect
description: distinct ratios for each outcome and age group
start_lag_days: 2
hazard_ratios:
  offending: {under_18: 0.2, 18_and_over: 0.6}
  knife: {under_18: 0.1, 18_and_over: 0.3}
  victimisation: {under_18: 0.4, 18_and_over: 0.5}
"""
OFFENCE, VICTIM, ARREST, CUSTODY, SEARCH, ED = (
    int(Kind.OFFENCE),
    int(Kind.VICTIMISATION),
    int(Kind.ARREST),
    int(Kind.CUSTODY),
    int(Kind.STOP_SEARCH),
    int(Kind.ED_ATTENDANCE),
)


def test_the_shipped_effects_parse() -> None:
    planted = parse_effect(EFFECT_FILE.read_text(), str(EFFECT_FILE))
    assert planted.ratios[("offending", "under_18")] == 0.3
    assert planted.ratios[("offending", "18_and_over")] == 0.5
    assert planted.ratios[("knife", "under_18")] == planted.ratios[("knife", "18_and_over")] == 0.4
    assert planted.ratios[("victimisation", "18_and_over")] == 0.3
    assert set(parse_effect(NO_EFFECT_FILE.read_text(), "none").ratios.values()) == {1.0}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            ("knife: {under_18: 0.1,", "knife: {under_18: 1.5,"),
            "hazard_ratios/knife/under_18: 1.5 is greater than",
        ),
        (("start_lag_days: 2", "start_lag_days: soon"), "start_lag_days: 'soon' is not of type 'integer'"),
        (
            ("  victimisation: {under_18: 0.4, 18_and_over: 0.5}\n", ""),
            "hazard_ratios: 'victimisation' is a required",
        ),
    ],
)
def test_a_malformed_effect_is_refused_naming_the_file_and_field(change: tuple[str, str], field: str) -> None:
    with pytest.raises(EffectError) as caught:
        parse_effect(EFFECT.replace(*change), "effects/mine.yaml")
    assert str(caught.value).startswith("effects/mine.yaml: ")
    assert field in str(caught.value)


def test_draws_depend_only_on_the_seed_and_the_event() -> None:
    ids = np.arange(1_000, dtype=np.uint32)
    first = event_draws(42, ids)
    assert np.array_equal(first, event_draws(42, ids))
    assert np.array_equal(first[500:], event_draws(42, ids[500:]))  # the same event, whatever else is drawn
    assert not np.array_equal(first, event_draws(43, ids))


def test_draws_are_uniform_so_thinning_keeps_the_hazard_ratios_share() -> None:
    draws = event_draws(7, np.arange(200_000, dtype=np.uint32))
    assert draws.min() >= 0.0 and draws.max() < 1.0
    assert stats.kstest(draws, "uniform").pvalue > 0.001
    kept = float(np.mean(draws >= 1.0 - 0.3))  # an event survives with probability equal to the ratio
    assert abs(kept - 0.3) < 4 * np.sqrt(0.3 * 0.7 / draws.size)


def events_frame(rows: list[tuple[int, int, int, int, int, bool, date, date]]) -> pl.DataFrame:
    """event_id, true_person_id, kind, category, crime, lead, event_date, date_of_birth (+ the rest)."""
    frame = pl.DataFrame(
        rows,
        schema={
            "event_id": pl.UInt32,
            "true_person_id": pl.Int64,
            "kind": pl.Int8,
            "category": pl.Int8,
            "crime": pl.Int64,
            "lead": pl.Boolean,
            "event_date": pl.Date,
            "date_of_birth": pl.Date,
        },
        orient="row",
    )
    return frame.with_columns(
        pl.lit(True).alias("recorded"),
        pl.col("event_date").alias("recorded_date"),
        pl.lit("8N").alias("ho_code"),
        pl.lit(False).alias("knife"),
        pl.lit(180.0).alias("cchi_days"),
    )


ALLOCATIONS = pl.DataFrame(
    [
        ("A1", "programme", date(2026, 11, 16), date(2026, 12, 1), 1),
        ("A4", "control", date(2026, 11, 16), None, 4),
        ("A6", "programme", date(2026, 11, 16), None, 6),
    ],
    schema={
        "allocation_id": pl.String,
        "arm": pl.String,
        "allocated_on": pl.Date,
        "withdrawn_on": pl.Date,
        "true_person_id": pl.Int64,
    },
    orient="row",
)


def test_each_event_gets_its_window_outcome_age_group_and_ratio() -> None:
    young, adult, eighteen_on_the_day = date(2009, 1, 1), date(2000, 6, 1), date(2008, 11, 20)
    other, knife, serious = int(Category.OTHER), int(Category.SERIOUS_KNIFE), int(Category.SERIOUS)
    events = events_frame(
        [
            (1, 1, OFFENCE, other, 10, True, date(2026, 11, 17), young),  # inside the 2-day start lag
            (2, 1, OFFENCE, knife, 11, True, date(2026, 11, 20), young),  # knife, under 18
            (3, 1, OFFENCE, other, 12, False, date(2026, 12, 5), young),  # after withdrawal
            (4, 4, VICTIM, serious, 13, False, date(2026, 11, 20), adult),  # control arm, adult
            (5, 6, OFFENCE, other, 14, True, date(2026, 11, 20), eighteen_on_the_day),
            (6, 9, OFFENCE, other, 15, True, date(2026, 11, 20), young),  # nobody allocated
            (7, 6, OFFENCE, other, 16, True, date(2026, 12, 20), young),  # after the weeks advanced
            (8, 6, ARREST, other, 14, False, date(2026, 11, 21), young),  # not an event the effect touches
        ]
    )
    rows = treatment_rows(
        ALLOCATIONS, events, parse_effect(EFFECT, "t"), 7, date(2026, 11, 16), date(2026, 12, 14)
    ).sort("event_id")
    assert rows["event_id"].to_list() == [1, 2, 3, 4, 5]
    assert rows["in_window"].to_list() == [False, True, False, True, True]
    assert rows["outcome"].to_list() == ["offending", "knife", "offending", "victimisation", "offending"]
    assert rows["age_group"].to_list() == ["under_18", "under_18", "under_18", "18_and_over", "18_and_over"]
    assert rows["hazard_ratio"].to_list() == [1.0, 0.1, 1.0, 0.5, 0.6]
    draws = event_draws(7, np.array([1, 2, 3, 4, 5], dtype=np.uint32))
    assert rows["draw"].to_list() == draws.tolist()
    assert (
        rows["prevented_if_treated"].to_list() == (draws < 1.0 - np.array([1.0, 0.1, 1.0, 0.5, 0.6])).tolist()
    )


FUTURE = events_frame(
    [
        (1, 1, OFFENCE, 1, 100, True, date(2026, 11, 20), date(2009, 1, 1)),  # person 1 leads crime 100
        (2, 2, OFFENCE, 1, 100, False, date(2026, 11, 20), date(2009, 1, 1)),  # with person 2
        (3, 1, ARREST, 1, 100, False, date(2026, 11, 22), date(2009, 1, 1)),
        (4, 2, ARREST, 1, 100, False, date(2026, 11, 22), date(2009, 1, 1)),
        (5, 2, CUSTODY, 1, 100, False, date(2026, 11, 22), date(2009, 1, 1)),
        (6, 3, OFFENCE, 2, 200, True, date(2026, 11, 21), date(2009, 1, 1)),  # weapon found in a search
        (7, 3, SEARCH, -1, 200, False, date(2026, 11, 21), date(2009, 1, 1)),
        (8, 3, ARREST, 2, 200, False, date(2026, 11, 21), date(2009, 1, 1)),
        (9, 4, VICTIM, 0, 300, False, date(2026, 11, 23), date(2009, 1, 1)),  # stabbed
        (10, 4, ED, 0, 300, False, date(2026, 11, 24), date(2009, 1, 1)),  # and at the ED
        (11, 5, OFFENCE, 1, 400, True, date(2026, 11, 25), date(2009, 1, 1)),  # person 5 leads crime 400
        (12, 1, OFFENCE, 1, 400, False, date(2026, 11, 25), date(2009, 1, 1)),  # person 1 joins it
        (13, 1, ARREST, 1, 400, False, date(2026, 11, 26), date(2009, 1, 1)),
        (14, 5, ARREST, 1, 400, False, date(2026, 11, 26), date(2009, 1, 1)),
    ]
)


@pytest.mark.parametrize(
    ("prevented", "removed"),
    [
        ([1], [1, 2, 3, 4, 5]),  # a crime they led: every suspect's record, every arrest and custody
        ([12], [12, 13]),  # their part in another's crime: only their own records
        ([6], [6, 7, 8]),  # a possession offence found by a search: the search goes with it
        ([9], [9, 10]),  # a victimisation: the victim's record and the ED attendance
        ([1, 12], [1, 2, 3, 4, 5, 12, 13]),
        ([], []),
    ],
)
def test_a_prevented_event_takes_exactly_its_records(prevented: list[int], removed: list[int]) -> None:
    gone = removed_events(pl.Series(prevented, dtype=pl.UInt32), FUTURE)
    assert gone["event_id"].to_list() == removed


def test_the_truth_marks_the_removed_and_the_spillover() -> None:
    effect = parse_effect(EFFECT.replace("start_lag_days: 2", "start_lag_days: 0"), "t")
    allocations = pl.DataFrame(
        [("P1", "programme", date(2026, 11, 16), None, 1), ("C2", "control", date(2026, 11, 16), None, 2)],
        schema=ALLOCATIONS.schema,
        orient="row",
    )
    rows = treatment_rows(allocations, FUTURE, effect, 7, date(2026, 11, 16), date(2026, 12, 14))
    # force the draws: person 1's lead offence prevented, their co-offence not; person 2's would be
    rows = rows.with_columns(
        pl.col("event_id").replace_strict({1: 0.0, 12: 0.99, 2: 0.0}, return_dtype=pl.Float64).alias("draw")
    ).with_columns((pl.col("draw") < 1.0 - pl.col("hazard_ratio")).alias("prevented_if_treated"))
    truth = describe_rows(rows, 1)
    own = prevented_by_programme(truth)
    assert own.to_list() == [1]  # the control's low draw prevents nothing: they are not treated
    truth = mark_removed(truth, removed_events(own, FUTURE))
    facts = {
        r["event_id"]: (r["prevented"], r["spillover"], r["co_offender"]) for r in truth.iter_rows(named=True)
    }
    assert facts == {1: (True, False, False), 12: (False, False, True), 2: (True, True, True)}
