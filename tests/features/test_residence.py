"""Ethnicity, deprivation and residence from the postcodes and ethnicity on people's records."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from features.build import build_features, build_snapshots
from features.events import SCHEMAS, Events, as_of_grid
from features.registry import model_features, registry
from features.residence import AreaError, latest_recorded, parse_area, postcode_areas
from tests.features.test_build import AS_OF, PEOPLE

RESIDENCE = [
    "person_ethnicity",
    "person_deprivation_decile",
    "person_resident",
    "person_moved_out",
    "person_moved_out_date",
]


def record(
    person: int, happened: date, recorded: date, postcode: str | None, ethnicity: str | None
) -> dict[str, object]:
    return {
        "person_id": person,
        "event_date": happened,
        "recorded_date": recorded,
        "postcode": postcode,
        "ethnicity": ethnicity,
    }


ADDRESSES = pl.DataFrame(
    [
        # 1: lives in B11 1 (decile 4 in postcode_sectors.csv); a move to Leicester is recorded after as_of
        record(1, date(2025, 1, 10), date(2025, 1, 12), "B15 2TT", "W1"),
        record(1, date(2026, 3, 1), date(2026, 3, 2), "B11 1AA", None),
        record(1, date(2026, 5, 25), date(2026, 6, 3), "LE4 6AB", "W1"),
        # 2: moved to Manchester, recorded 10/04/2026; ethnicity last recorded as A1
        record(2, date(2026, 1, 5), date(2026, 1, 6), "B15 2TT", "A2"),
        record(2, date(2026, 4, 1), date(2026, 4, 10), "M14 5AB", "A1"),
        # 3: B1 and B2 both recorded on 03/05/2026; B2 is recorded more often; lives in CV1 2 (decile 1)
        record(3, date(2025, 9, 1), date(2025, 9, 2), None, "B2"),
        record(3, date(2026, 2, 1), date(2026, 2, 2), "CV1 2AB", "B2"),
        record(3, date(2026, 5, 1), date(2026, 5, 3), "CV1 2XY", "B1"),
        record(3, date(2026, 5, 2), date(2026, 5, 3), None, "B2"),
    ],
    schema=SCHEMAS["addresses"],
)


def residence(frame: pl.DataFrame, as_of: date = AS_OF) -> dict[int, dict[str, object]]:
    built = build_features(Events.of(addresses=frame), PEOPLE, as_of)
    return {row["person_id"]: {name: row[name] for name in RESIDENCE} for row in built.iter_rows(named=True)}


def test_latest_address_in_the_area_gives_its_deprivation_and_residence() -> None:
    one = residence(ADDRESSES)[1]
    assert one == {
        "person_ethnicity": "W1",  # the latest record has none: the one before says W1
        "person_deprivation_decile": 4,  # B11 1, not B15 2 (decile 6) where the person lived before
        "person_resident": True,
        "person_moved_out": False,
        "person_moved_out_date": None,
    }


def test_out_of_area_postcode_recorded_after_as_of_is_ignored() -> None:
    later = date(2026, 7, 1)
    both = build_snapshots(Events.of(addresses=ADDRESSES), PEOPLE, [AS_OF, later]).filter(
        pl.col("person_id") == 1
    )
    assert both["person_moved_out"].to_list() == [False, True]
    assert both["person_moved_out_date"].to_list() == [None, date(2026, 6, 3)]
    assert both["person_deprivation_decile"].to_list() == [4, None]  # Leicester is not in the table


def test_latest_postcode_outside_the_area_means_moved_out() -> None:
    two = residence(ADDRESSES)[2]
    assert two["person_moved_out"] is True and two["person_resident"] is False
    assert two["person_moved_out_date"] == date(2026, 4, 10)
    assert two["person_deprivation_decile"] is None and two["person_ethnicity"] == "A1"


def test_ethnicity_recorded_differently_on_one_day_goes_to_the_most_frequent_code() -> None:
    three = residence(ADDRESSES)[3]
    assert three["person_ethnicity"] == "B2"
    assert three["person_deprivation_decile"] == 1 and three["person_resident"] is True


def test_a_tie_in_date_and_frequency_goes_to_the_first_code() -> None:
    frame = pl.DataFrame(
        [
            record(1, date(2026, 1, 1), date(2026, 1, 2), None, "W1"),
            record(1, date(2026, 1, 1), date(2026, 1, 2), None, "A1"),
        ],
        schema=SCHEMAS["addresses"],
    )
    latest = latest_recorded(frame, as_of_grid([AS_OF]), "ethnicity")
    assert latest.rows() == [(1, AS_OF, "A1", date(2026, 1, 2))]


def test_a_tie_in_date_goes_to_the_code_recorded_most_often_before_as_of_not_only_that_day() -> None:
    frame = pl.DataFrame(
        [
            record(1, date(2026, 1, 1), date(2026, 1, 2), None, "W1"),
            record(1, date(2026, 1, 4), date(2026, 1, 5), None, "W1"),
            record(1, date(2026, 2, 1), date(2026, 2, 2), None, "W1"),
            # on 01/03/2026 A1 is recorded twice and W1 once, but W1 four times in all
            record(1, date(2026, 2, 28), date(2026, 3, 1), None, "A1"),
            record(1, date(2026, 2, 28), date(2026, 3, 1), None, "A1"),
            record(1, date(2026, 2, 28), date(2026, 3, 1), None, "W1"),
        ],
        schema=SCHEMAS["addresses"],
    )
    grid = as_of_grid([date(2026, 1, 1), date(2026, 2, 15), date(2026, 3, 15)])
    latest = latest_recorded(frame, grid, "ethnicity").sort("as_of")
    assert latest.rows() == [
        (1, date(2026, 2, 15), "W1", date(2026, 2, 2)),
        (1, date(2026, 3, 15), "W1", date(2026, 3, 1)),
    ]


def test_no_postcode_on_record_counts_as_resident() -> None:
    nobody = residence(ADDRESSES.filter(pl.col("person_id") == 1))
    assert nobody[2] == {
        "person_ethnicity": None,
        "person_deprivation_decile": None,
        "person_resident": True,
        "person_moved_out": False,
        "person_moved_out_date": None,
    }


def test_ethnicity_deprivation_and_residence_are_never_model_features() -> None:
    open_to_model = set(model_features())
    for name in RESIDENCE:
        assert registry()[name].model is False
        assert name not in open_to_model


def test_the_area_is_configuration_checked_by_its_schema() -> None:
    assert postcode_areas() == ("B", "CV", "WV", "WS", "DY")
    with pytest.raises(AreaError, match="postcode_areas/0"):
        parse_area({"postcode_areas": ["b15"]})
    with pytest.raises(AreaError, match="'areas' was unexpected"):
        parse_area({"areas": ["B"]})
