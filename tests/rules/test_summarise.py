"""summarise (for many snapshots at once) says what decide(apply_rules(...)) says of every person."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from features.build import build_features, build_snapshots
from features.counting import KEY
from features.events import Events
from pipelines.warehouse.event_frames import read_events, read_people
from rules.engine import apply_rules, decide, summarise
from rules.rulebook import load_rulebook

DECISIONS = ["in_population", "eligible", "excluded", "considered_by_rules"]
DATES = [date(2026, 11, 16), date(2024, 6, 16)]


@pytest.fixture(scope="module")
def warehouse_events(linked: Path) -> tuple[Events, pl.DataFrame]:
    with duckdb.connect(str(linked), read_only=True) as con:
        return read_events(con), read_people(con)


def decided(events: Events, people: pl.DataFrame, as_of: date) -> pl.DataFrame:
    return decide(apply_rules(build_features(events, people, as_of), load_rulebook()))


@pytest.mark.parametrize("as_of", DATES)
def test_summarise_agrees_with_decide_for_every_linked_person(
    warehouse_events: tuple[Events, pl.DataFrame], as_of: date
) -> None:
    events, people = warehouse_events
    features = build_features(events, people, as_of)
    summary = summarise(features, load_rulebook())
    expected = decide(apply_rules(features, load_rulebook()))
    assert summary.height == expected.height == people.height
    joined = summary.join(expected, on=KEY, how="full", suffix="_decided")
    for column in DECISIONS:
        assert joined[column].equals(joined[f"{column}_decided"], check_names=False), column
    assert joined["eligibility_count"].equals(joined["eligibility_met"].list.len(), check_names=False)
    # not vacuous: the world has people on each side of every decision
    for column in DECISIONS:
        assert 0 < summary[column].sum() < summary.height, column


def test_summarise_on_snapshots_of_several_dates_agrees_with_decide_on_each(
    warehouse_events: tuple[Events, pl.DataFrame],
) -> None:
    # model training summarises undated builds of a few dates at once
    events, people = warehouse_events
    summary = summarise(build_snapshots(events, people, DATES), load_rulebook())
    expected = pl.concat([decided(events, people, as_of) for as_of in DATES])
    joined = summary.join(expected, on=KEY, how="full", suffix="_decided")
    assert joined.height == summary.height == expected.height == 2 * people.height
    for column in DECISIONS:
        assert joined[column].equals(joined[f"{column}_decided"], check_names=False), column
