"""People who leave the area: the one later contact some have, and the address it carries."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from synth.geography import AWAY_AREAS
from synth.model import Category, Kind
from synth.movers import add_mover_contacts, moved_addresses

HISTORY = pl.DataFrame(
    {
        "step": [10, 12, 20, 30, 75, 79],
        "true_person_id": [1, 1, 2, 3, 4, 4],
        "kind": [
            Kind.OFFENCE,
            Kind.MOVE_OUT,
            Kind.MOVE_OUT,
            Kind.SUSPENSION,
            Kind.ED_ATTENDANCE,
            Kind.MOVE_OUT,
        ],
        "category": [3, -1, -1, -1, 3, -1],
        "recorded": [True] * 6,
        "crime": [5, -1, -1, -1, -1, -1],
        "value": [0] * 6,
        "school_id": [-1, -1, -1, 7, -1, -1],
    },
    schema_overrides={"step": pl.Int32, "kind": pl.Int8, "category": pl.Int8, "school_id": pl.Int32},
)


def test_only_movers_known_to_police_or_health_are_seen_again_at_the_emergency_department() -> None:
    out = add_mover_contacts(HISTORY, 80, 1.0, np.random.default_rng(0))
    contacts = out.slice(HISTORY.height)
    # 1 was a suspect two months before moving; 2 was never known; 4 moved in the last month of history
    assert contacts["true_person_id"].to_list() == [1]
    assert contacts["kind"].to_list() == [Kind.ED_ATTENDANCE]
    assert contacts["category"].to_list() == [Category.OTHER_VIOLENCE] and contacts["crime"].to_list() == [-1]
    assert 13 <= contacts["step"].item() <= 24
    assert out.schema == HISTORY.schema and out.slice(0, HISTORY.height).equals(HISTORY)


def test_no_share_means_no_contact() -> None:
    assert add_mover_contacts(HISTORY, 80, 0.0, np.random.default_rng(0)).equals(HISTORY)


def test_movers_live_outside_the_area_from_the_day_they_moved() -> None:
    events = pl.DataFrame(
        {
            "true_person_id": [1, 2],
            "kind": [int(Kind.MOVE_OUT), int(Kind.OFFENCE)],
            "event_date": [date(2026, 3, 4), date(2026, 3, 5)],
        }
    )
    moved = moved_addresses(events, np.random.default_rng(0))
    assert moved["true_person_id"].to_list() == [1]
    assert moved["from_day"].to_list() == [(date(2026, 3, 4) - date(1970, 1, 1)).days]
    assert moved["postcode"].str.extract(r"^([A-Z]+)[0-9]").is_in(list(AWAY_AREAS)).all()
    assert moved["postcode"].str.contains(r"^[A-Z]{1,2}[0-9]{1,2} [0-9][A-Z]{2}$").all()
