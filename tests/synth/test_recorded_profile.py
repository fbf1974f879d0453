"""The recorded profile: only records made before as_of, only permitted inputs, answers worked by hand."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from pipelines.train.oracle import world_timeline
from synth.recorded_profile import (
    PROTECTED_AND_LATENT,
    recorded_attendance,
    recorded_profile,
)

AS_OF = date(2025, 11, 16)
World = tuple[Path, dict[str, object]]


def event(
    person: int,
    kind: str,
    days_before: int,
    *,
    category: str | None = None,
    recorded: bool = True,
    recorded_days_before: int | None = None,
    value: int = 0,
    cchi: float = 0.0,
) -> dict[str, object]:
    happened = AS_OF - timedelta(days=days_before)
    lag = days_before if recorded_days_before is None else recorded_days_before
    return {
        "true_person_id": person,
        "kind": kind,
        "category": category,
        "event_date": happened,
        "recorded": recorded,
        "recorded_date": AS_OF - timedelta(days=lag),
        "value": value,
        "cchi_days": cchi,
    }


EVENTS = pl.DataFrame(
    [
        event(1, "offence", 365, category="serious_knife", cchi=100.0),  # a year ago: weighs 1/2
        event(1, "offence", 730, category="other"),  # two years ago: 1/4
        event(1, "offence", 10, category="serious", recorded=False),  # never recorded
        event(1, "offence", 20, category="serious", recorded_days_before=-5),  # recorded after as_of
        event(1, "victimisation", 0, category="serious"),  # on as_of: not before it
        event(1, "neet_start", 400),
        event(1, "neet_end", 200),
        event(1, "custody", 60, value=6),  # six months from two months ago: still held
        event(1, "intelligence", 100, value=7),
        event(2, "intelligence", 50, value=7),
        event(2, "victimisation", 30, category="serious"),  # group 7's violence, 30 days ago
        event(2, "neet_start", 100),
        event(2, "suspension", 182, value=3),  # half a year ago: weighs 1/2 (half-life half a year)
    ]
)
BIRTHS = pl.DataFrame(
    {"true_person_id": [1, 2, 3], "date_of_birth": [date(2007, 11, 16), date(2009, 5, 16), date(2010, 1, 1)]}
)
ATTENDANCE = pl.DataFrame(
    {
        "true_person_id": [3, 3, 3],
        "month": [date(2025, 5, 16), date(2025, 6, 16), date(2025, 10, 16)],
        "recorded_date": [date(2025, 7, 20), date(2025, 7, 20), date(2026, 1, 5)],  # October's not yet
        "possible": [40, 40, 36],
        "attended": [30, 40, 0],
    }
)
ROWS = pl.DataFrame({"true_person_id": [1, 2, 3], "as_of": [AS_OF] * 3})


def profile() -> pl.DataFrame:
    return recorded_profile(ROWS, BIRTHS, EVENTS, ATTENDANCE)


def test_only_records_made_before_as_of_count_each_decayed_by_its_age() -> None:
    one = profile().row(0, named=True)
    assert one["offences_serious_decayed"] == pytest.approx(0.5)
    assert one["offences_decayed"] == pytest.approx(0.5 + 0.25)
    assert one["offence_harm_decayed"] == pytest.approx(50.0)
    assert one["offences_serious_knife_ever"] == 1 and one["offences_serious_365d"] == 0
    assert one["victimisations_decayed"] == 0  # the one on as_of is not before it
    assert one["days_since_offence"] == 365
    assert one["neet"] == 0 and one["in_custody"] == 1
    assert one["age"] == pytest.approx((AS_OF - date(2007, 11, 16)).days / 365.25)


def test_the_group_intelligence_names_carries_its_members_recorded_violence() -> None:
    one, two, three = profile().iter_rows(named=True)
    assert one["groups_named"] == two["groups_named"] == 1
    heat = 0.5 ** (30 / 76.0) + 0.5 ** (365 / 76.0)  # person 2's victimisation and person 1's own offence
    assert one["group_heat"] == pytest.approx(heat) and two["group_heat"] == pytest.approx(heat)
    assert one["group_serious_125d"] == 1 and one["group_serious_365d"] == 1  # the offence is 365 days old
    assert two["neet"] == 1 and two["suspensions_decayed"] == pytest.approx(0.5 ** (182 / 182.5))
    assert three["groups_named"] == 0 and three["group_heat"] == 0


def test_attendance_counts_once_its_return_is_sent() -> None:
    three = profile().row(2, named=True)
    assert three["attendance_last_month"] == pytest.approx(1.0)  # June; October's return is not sent
    assert three["attendance_average"] == pytest.approx((1.0 + 0.75 * 30 / 40) / 1.75)
    assert profile().row(0, named=True)["attendance_last_month"] is None


def test_the_profile_reads_no_protected_characteristic_or_latent_trait() -> None:
    built = profile()
    assert not set(built.columns) & set(PROTECTED_AND_LATENT)
    assert not any(c.startswith(("sex", "ethnicity", "deprivation")) for c in built.columns)
    with pytest.raises(ValueError, match="exactly true_person_id and date_of_birth"):
        recorded_profile(ROWS, BIRTHS.with_columns(pl.lit("M").alias("sex")), EVENTS, ATTENDANCE)


def test_on_a_world_later_records_never_change_the_profile(small_world: World) -> None:
    truth = small_world[0] / "ground_truth"
    oracle = pl.read_parquet(truth / "oracle_risk.parquet").filter(pl.col("p_true").is_not_null())
    as_of = sorted(oracle["as_of"].unique())[-2]
    rows = oracle.filter(pl.col("as_of") == as_of).select("true_person_id", "as_of")
    births = pl.read_parquet(truth / "people.parquet", columns=["true_person_id", "date_of_birth"])
    events = pl.read_parquet(truth / "events.parquet")
    attendance = recorded_attendance(
        pl.read_parquet(truth / "attendance_monthly.parquet"), world_timeline(small_world[0])
    )
    built = recorded_profile(rows, births, events, attendance)
    assert built.height == rows.height and built["offences_decayed"].sum() > 0
    assert built["attendance_last_month"].is_not_null().sum() > 0
    earlier = recorded_profile(
        rows,
        births,
        events.filter(pl.col("recorded_date") < as_of),
        attendance.filter(pl.col("recorded_date") < as_of),
    )
    assert built.equals(earlier)
