"""The month grid and delivery dates."""

from __future__ import annotations

from datetime import date

from synth.timeline import Timeline, add_months, day_number, from_day_number


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert add_months(date(2026, 11, 16), -12) == date(2025, 11, 16)


def test_day_numbers_round_trip() -> None:
    assert from_day_number(day_number(date(2026, 11, 16))) == date(2026, 11, 16)


def test_boundaries_end_on_the_end_date() -> None:
    timeline = Timeline(date(2026, 11, 16), 84)
    assert timeline.boundaries[-1] == date(2026, 11, 16)
    assert timeline.start_date == date(2019, 11, 16)


def test_oracle_dates_have_complete_windows_plus_the_end() -> None:
    timeline = Timeline(date(2026, 11, 16), 84)
    steps = timeline.oracle_steps()
    complete = steps[:-1]
    assert len(complete) >= 12
    assert all(k + 12 <= timeline.months for k in complete)
    assert timeline.boundaries[complete[0]] >= date(2024, 11, 16)
    assert steps[-1] == timeline.months


def test_weekly_deliveries_cover_the_last_twelve_weeks() -> None:
    dates = Timeline(date(2026, 11, 16), 84).weekly_extract_dates(12)
    assert dates[0] == date(2026, 8, 24) and dates[-1] == date(2026, 11, 16)
    assert len(dates) == 13
