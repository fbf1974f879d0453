"""Outcomes in each allocation's follow-up window, on a handful of events with answers worked out by
hand: the window's edges, the data cut, harm weights, knife and serious-violence counts, custody days
(overlapping spells once), death and a move ending the days at liberty."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from features.events import Events
from governance.trial_evaluation.outcomes import ALLOCATION_SCHEMA, allocation_outcomes

CUT = date(2025, 6, 30)
D = date


def allocations() -> pl.DataFrame:
    rows = [
        (1, 1, 1, "under 18 | rule", "programme", True, D(2025, 1, 1), D(2025, 2, 1)),  # withdrawn
        (2, 2, 1, "under 18 | rule", "control", True, D(2025, 1, 1), None),  # dies
        (3, 3, 2, "18 and over | rule", "programme", True, D(2025, 5, 1), None),  # window still open
        (4, 4, 1, "18 and over | rule", "control", True, D(2025, 1, 1), None),  # moves away
    ]
    return pl.DataFrame(rows, schema=ALLOCATION_SCHEMA, orient="row")


def occurrence(
    person: int, day: date, role: str, code: str, knife: bool, ref: str, recorded: date | None = None
) -> tuple[object, ...]:
    return (person, day, recorded or day, role, ref, code, knife)


def events() -> Events:
    occurrences = pl.DataFrame(
        [
            occurrence(1, D(2024, 12, 31), "suspect", "8N", False, "a"),  # before the window
            occurrence(1, D(2025, 1, 1), "suspect", "8N", True, "b"),  # first day: 365, knife, serious
            occurrence(
                1, D(2025, 2, 10), "suspect", "10D", False, "c", D(2025, 7, 15)
            ),  # recorded after the cut
            occurrence(1, D(2025, 3, 1), "victim", "34B", True, "d"),  # knife victim, serious
            occurrence(1, D(2025, 3, 15), "suspect", "105A", False, "e"),  # 10, not serious
            occurrence(1, D(2025, 3, 20), "suspect", "3B", False, "f"),  # 10, serious, once ...
            occurrence(1, D(2025, 3, 20), "victim", "3B", False, "f"),  # ... though in both roles
            occurrence(1, D(2025, 4, 1), "suspect", "8N", False, "g"),  # the day after the window
            occurrence(2, D(2025, 2, 1), "victim", "1", True, "h"),  # murdered
            occurrence(3, D(2025, 5, 10), "suspect", "8N", False, "i"),
        ],
        schema=["person_id", "event_date", "recorded_date", "role", "crime_ref", "ho_code", "knife"],
        orient="row",
    )
    custody = pl.DataFrame(
        [
            (1, D(2025, 3, 10), D(2025, 3, 10), "x", "8N", "REMANDED", "REMAND", D(2025, 3, 20)),
            (1, D(2025, 3, 15), D(2025, 3, 15), "y", "8N", "CHARGED", "SENTENCE", D(2025, 3, 25)),
            (1, D(2025, 1, 5), D(2025, 1, 5), "z", "8N", "CHARGED", "POLICE", None),  # hours, not days
        ],
        schema=["person_id", "event_date", "recorded_date", "crime_ref", "ho_code", "outcome", "custody_type",
                "release_date"],
        orient="row",
    )  # fmt: skip
    addresses = pl.DataFrame(
        [
            (4, D(2024, 6, 1), D(2024, 6, 1), "B15 2TT", None),
            (4, D(2025, 2, 15), D(2025, 2, 15), "LS1 4AP", None),
        ],
        schema=["person_id", "event_date", "recorded_date", "postcode", "ethnicity"],
        orient="row",
    )
    return Events.of(occurrences=occurrences, custody=custody, addresses=addresses)


@pytest.fixture(scope="module")
def outcomes() -> dict[int, dict[str, object]]:
    found = allocation_outcomes(allocations(), events(), months=3, cut=CUT, roles=("suspect", "victim"))
    return {row["allocation_id"]: row for row in found.iter_rows(named=True)}


def test_the_window_its_edges_and_the_cut(outcomes: dict[int, dict[str, object]]) -> None:
    first = outcomes[1]
    assert first["window_end"] == D(2025, 4, 1) and first["followed_up"] and first["followup_days"] == 90
    assert first["cchi"] == 365 + 10 + 10  # not before, not after, not recorded after the cut
    assert (first["knife_suspect"], first["knife_victim"], first["serious_violence"]) == (1, 1, 3)


def test_overlapping_custody_counts_each_day_once_and_ends_days_at_liberty(
    outcomes: dict[int, dict[str, object]],
) -> None:
    assert outcomes[1]["custody_days"] == 15  # 10 to 24 March; police custody is not a day held
    assert outcomes[1]["exposure_days"] == 90 - 15
    assert outcomes[1]["withdrawn"] and not outcomes[1]["died"] and not outcomes[1]["moved"]


def test_death_and_a_move_end_the_days_at_liberty(outcomes: dict[int, dict[str, object]]) -> None:
    assert outcomes[2]["died"] and outcomes[2]["exposure_days"] == 31 and outcomes[2]["knife_victim"] == 1
    assert outcomes[4]["moved"] and outcomes[4]["exposure_days"] == 45 and not outcomes[4]["died"]


def test_a_window_still_open_at_the_cut_is_not_followed_up(outcomes: dict[int, dict[str, object]]) -> None:
    third = outcomes[3]
    assert not third["followed_up"] and third["followup_days"] == 61 and third["cchi"] == 365
