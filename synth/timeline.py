"""The world's month grid, anchored on the end date (any future runs on after it), and its delivery dates."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Month:
    """The calendar facts of one step."""

    index: int
    start: int  # day number, inclusive
    end: int  # day number, exclusive
    month: int  # calendar month of the step's middle
    september: int  # day number of the 1 September that starts the school year


def add_months(day: date, months: int) -> date:
    """Shift a date by whole months, clamping the day to the month's length.

    Args:
        day: the date to shift.
        months: months to add (negative to go back).

    Returns:
        The shifted date.
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def day_number(day: date) -> int:
    """Days since 1970-01-01 (the integer form dates take inside the simulator)."""
    return (day - EPOCH).days


def from_day_number(number: int) -> date:
    """Inverse of `day_number`."""
    return EPOCH + timedelta(days=int(number))


@dataclass(frozen=True)
class Timeline:
    """Monthly simulation steps: `months` of history ending on `end_date`, then `future` more.

    Step k covers the days [boundaries[k], boundaries[k + 1]). The state "at" a
    boundary is the state after every earlier step, so an as_of date that is a
    boundary sees exactly the events before it. Boundary `months` is the end date;
    the `future` steps after it are simulated but withheld from the landing folder.
    """

    end_date: date
    months: int
    future: int = 0

    @property
    def steps(self) -> int:
        """Every simulated step: the history's months and the future's."""
        return self.months + self.future

    @property
    def boundaries(self) -> list[date]:
        return [add_months(self.end_date, k - self.months) for k in range(self.steps + 1)]

    @property
    def start_date(self) -> date:
        return self.boundaries[0]

    def boundary_days(self) -> np.ndarray:
        """Boundaries as day numbers (int64), length steps + 1."""
        return np.array([day_number(b) for b in self.boundaries], dtype=np.int64)

    def oracle_steps(self) -> list[int]:
        """Boundary indices used as oracle as_of dates.

        Every monthly boundary in the last two years whose 12-month outcome window
        is complete, plus the end date itself (outcome unknown there).
        """
        complete = [k for k in range(self.months - 24, self.months - 11) if k >= 0]
        return complete + [self.months]

    def history(self) -> Timeline:
        """The same grid without its future: the months up to the end date."""
        return Timeline(self.end_date, self.months)

    def weekly_extract_dates(self, weeks: int, until: date | None = None) -> list[date]:
        """Weekly delivery dates: the initial cut-off, then one per week to `until` [default: the end]."""
        last = until or self.end_date
        initial = self.end_date - timedelta(weeks=weeks)
        return [initial + timedelta(weeks=j) for j in range((last - initial).days // 7 + 1)]

    def monthly_extract_dates(self, weeks: int, until: date | None = None) -> list[date]:
        """Initial cut-off, then each month boundary after it up to `until` [default: the end]."""
        last = until or self.end_date
        initial = self.end_date - timedelta(weeks=weeks)
        later = [b for b in self.boundaries if initial < b <= last]
        return [initial, *later]


def months_covering(end_date: date, weeks: int) -> int:
    """Months to simulate after `end_date` so that the grid reaches `weeks` weeks beyond it."""
    until = end_date + timedelta(weeks=weeks)
    months = 0
    while add_months(end_date, months) < until:
        months += 1
    return months
