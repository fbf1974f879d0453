"""Properties: nothing recorded or happening on or after as_of changes a feature; row order never does."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from features.build import build_features
from features.events import SCHEMAS, Events, as_of_grid, known
from features.residence import latest_recorded
from tests.features.test_build import AS_OF, OCCURRENCES, PEOPLE

CODES = ["8N", "10D", "46", "34B", "1", "19C"]
POSTCODES = ["B15 2TT", "B11 1AA", "CV1 2XY", "LE4 6AB", "M14 5AB", None]  # in and out of the area
ETHNICITIES = ["W1", "A1", "B2", None]
ROWS = pl.Schema({**SCHEMAS["occurrences"], "postcode": pl.String(), "ethnicity": pl.String()})
"""Occurrences with the postcode and ethnicity their records carry (the addresses events)."""
BASE = OCCURRENCES.with_columns(
    pl.Series("postcode", ["B15 2TT", "B15 2TT", "M14 5AB", None, "LE4 6AB", "CV1 2XY"]),
    pl.Series("ethnicity", ["W1", None, "A1", "W1", "B2", "A1"]),
)
days = st.integers(min_value=-900, max_value=400)


@st.composite
def occurrences(draw: st.DrawFn) -> pl.DataFrame:
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        happened = AS_OF + timedelta(days=draw(days))
        rows.append(
            {
                "person_id": draw(st.sampled_from([1, 2, 3])),
                "event_date": happened,
                "recorded_date": happened + timedelta(days=draw(st.integers(0, 60))),
                "role": draw(st.sampled_from(["suspect", "victim"])),
                "crime_ref": draw(st.sampled_from(["A", "B", "C"])),
                "ho_code": draw(st.sampled_from(CODES)),
                "knife": draw(st.booleans()),
                "postcode": draw(st.sampled_from(POSTCODES)),
                "ethnicity": draw(st.sampled_from(ETHNICITIES)),
            }
        )
    return pl.DataFrame(rows, schema=ROWS)


def custody_for(frame: pl.DataFrame) -> pl.DataFrame:
    """Arrests for the same crimes, a day after, on remand for 90 days."""
    return frame.select(
        "person_id",
        pl.col("event_date") + timedelta(days=1),
        pl.col("recorded_date") + timedelta(days=1),
        "crime_ref",
        "ho_code",
        pl.lit("REMANDED").alias("outcome"),
        pl.lit("REMAND").alias("custody_type"),
        (pl.col("event_date") + timedelta(days=91)).alias("release_date"),
    )


def build(frame: pl.DataFrame) -> pl.DataFrame:
    events = Events.of(occurrences=frame, custody=custody_for(frame), addresses=frame)
    return build_features(events, PEOPLE, AS_OF)


@settings(max_examples=40, deadline=None)
@given(occurrences())
def test_events_after_as_of_or_recorded_after_it_never_change_a_feature(later: pl.DataFrame) -> None:
    late = later.filter((pl.col("event_date") >= AS_OF) | (pl.col("recorded_date") >= AS_OF))
    assert build(pl.concat([BASE, late])).equals(build(BASE))


@settings(max_examples=40, deadline=None)
@given(occurrences())
def test_features_do_not_depend_on_the_order_of_rows(frame: pl.DataFrame) -> None:
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=7)
    assert build(shuffled).equals(build(frame))


@st.composite
def records_and_dates(draw: st.DrawFn) -> tuple[pl.DataFrame, list[date]]:
    rows = []
    for _ in range(draw(st.integers(0, 30))):
        happened = AS_OF + timedelta(days=draw(st.integers(-120, 0)))
        rows.append(
            {
                "person_id": draw(st.sampled_from([1, 2])),
                "event_date": happened,
                "recorded_date": happened + timedelta(days=draw(st.integers(-3, 30))),
                "postcode": draw(st.sampled_from(POSTCODES)),
                "ethnicity": draw(st.sampled_from(ETHNICITIES)),
            }
        )
    as_ofs = draw(
        st.lists(st.integers(-120, 40).map(lambda d: AS_OF + timedelta(days=d)), min_size=1, max_size=6)
    )
    return pl.DataFrame(rows, schema=SCHEMAS["addresses"]), as_ofs


@settings(max_examples=60, deadline=None)
@given(records_and_dates())
def test_latest_recorded_is_the_latest_among_every_known_record(
    case: tuple[pl.DataFrame, list[date]],
) -> None:
    frame, as_ofs = case
    grid = as_of_grid(as_ofs)
    for column in ("postcode", "ethnicity"):
        # the definition, record by record: each record beside every as_of it was known at
        seen = known(frame, grid).filter(pl.col(column).is_not_null())
        expected = (
            seen.with_columns(pl.len().over("person_id", "as_of", column).alias("times"))
            .group_by("person_id", "as_of")
            .agg(
                pl.col(column)
                .sort_by("recorded_date", "times", column, descending=[True, True, False])
                .first(),
                pl.col("recorded_date").max(),
            )
        )
        assert_frame_equal(latest_recorded(frame, grid, column), expected, check_row_order=False)
