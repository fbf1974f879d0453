"""The time split on known dates: closed outcome windows between parts, and month ends."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.settings import load_settings
from models.split import NotEnoughHistory, add_months, plan_split

SHIPPED = load_settings()  # horizon 12, 36 training and 6 calibration snapshots, 6 months' history
KNOWN_UNTIL = date(2026, 11, 16)
HISTORY_FROM = date(2019, 11, 16)


def test_the_shipped_settings_split_seven_years_of_history_into_known_dates() -> None:
    split = plan_split(KNOWN_UNTIL, HISTORY_FROM, SHIPPED)
    assert split.test == date(2025, 11, 16)
    assert split.calibration == tuple(date(2024, month, 16) for month in range(6, 12))
    assert len(split.train) == 36
    assert (split.train[0], split.train[-1]) == (date(2020, 7, 16), date(2023, 6, 16))
    assert list(split.train) == sorted(set(split.train))
    assert split.as_dict()["test"] == "2025-11-16"
    assert split.as_dict()["calibration"] == [f"2024-{month:02d}-16" for month in range(6, 12)]


def test_every_outcome_window_closes_before_the_next_part_begins() -> None:
    split = plan_split(KNOWN_UNTIL, HISTORY_FROM, SHIPPED)
    horizon = SHIPPED.horizon_months
    assert all(add_months(as_of, horizon) <= split.calibration[0] for as_of in split.train)
    assert all(add_months(as_of, horizon) <= split.test for as_of in split.calibration)
    assert add_months(split.test, horizon) <= KNOWN_UNTIL


@given(
    known_until=st.dates(date(2018, 1, 1), date(2035, 12, 31)),
    horizon=st.integers(1, 36),
    train=st.integers(1, 48),
    calibration=st.integers(1, 12),
)
def test_windows_stay_closed_for_any_date_and_horizon(
    known_until: date, horizon: int, train: int, calibration: int
) -> None:
    settings = dataclasses.replace(
        SHIPPED,
        horizon_months=horizon,
        train_snapshots=train,
        calibration_snapshots=calibration,
        minimum_train_snapshots=1,
    )
    split = plan_split(known_until, date(1990, 1, 1), settings)
    assert len(split.train) == train and len(split.calibration) == calibration
    assert all(add_months(as_of, horizon) <= split.calibration[0] for as_of in split.train)
    assert all(add_months(as_of, horizon) <= split.test for as_of in split.calibration)
    assert add_months(split.test, horizon) <= known_until


def test_training_snapshots_need_the_minimum_history_before_them() -> None:
    # the earliest usable snapshot is 6 months after the first event: 16/11/2020 -> 16/05/2021
    split = plan_split(KNOWN_UNTIL, date(2020, 11, 16), SHIPPED)
    assert split.train[0] == date(2021, 5, 16)
    assert len(split.train) == 26  # 16/05/2021 .. 16/06/2023


def test_short_history_is_refused_naming_the_dates_and_the_setting() -> None:
    # first event 16/11/2022: snapshots may start 16/05/2023 and must end 16/06/2023, so 2 fit
    with pytest.raises(NotEnoughHistory) as raised:
        plan_split(KNOWN_UNTIL, date(2022, 11, 16), SHIPPED)
    message = str(raised.value)
    assert "only 2 monthly training snapshots" in message
    assert "16/05/2023" in message and "16/06/2023" in message
    assert "6 are needed" in message and "minimum_train_snapshots" in message


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 8, 31), 1, date(2025, 9, 30)),
        (date(2025, 12, 16), 1, date(2026, 1, 16)),  # into the next year
        (date(2026, 1, 16), -1, date(2025, 12, 16)),  # back into the last
        (date(2026, 11, 16), -84, date(2019, 11, 16)),
        (date(2026, 11, 16), 0, date(2026, 11, 16)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected
