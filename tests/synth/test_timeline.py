"""The month grid and delivery dates."""

from __future__ import annotations

from datetime import date

from synth.timeline import Timeline, add_months, day_number, from_day_number, months_covering


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


def test_a_future_runs_the_grid_on_past_the_end_date() -> None:
    end = date(2026, 11, 16)
    timeline = Timeline(end, 84, future=2)
    assert timeline.steps == 86 and len(timeline.boundaries) == 87
    assert timeline.boundaries[84] == end and timeline.boundaries[-1] == date(2027, 1, 16)
    assert timeline.history() == Timeline(end, 84)
    assert timeline.oracle_steps() == Timeline(end, 84).oracle_steps()  # the oracle's dates do not move


def test_the_future_covers_the_weeks_asked_for() -> None:
    end = date(2026, 11, 16)
    assert months_covering(end, 0) == 0
    assert months_covering(end, 4) == 1  # 14/12 is before 16/12
    assert months_covering(end, 8) == 2  # 11/01 is after 16/12
    assert months_covering(end, 60) == 14


def test_deliveries_after_the_end_date_continue_the_same_schedule() -> None:
    end = date(2026, 11, 16)
    timeline = Timeline(end, 84, future=2)
    later = timeline.weekly_extract_dates(12, date(2026, 11, 30))
    assert later == [*timeline.weekly_extract_dates(12), date(2026, 11, 23), date(2026, 11, 30)]
    assert timeline.monthly_extract_dates(12, date(2027, 1, 11))[-2:] == [end, date(2026, 12, 16)]
