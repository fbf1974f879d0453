"""The one seam that reads the wall clock. Everything else is given the time.

The command line (``pipelines/cli*.py``) and the Prefect flows (``pipelines/flows.py``) pass
:func:`system_clock` down; tests pass :func:`fixed_clock`, so what a run records (when a file
was loaded, when a decision was made, when an audit event happened) never depends on the day
the tests run. A step that records one moment takes ``now: datetime``; a run that records
several (its start, each file, its end) takes ``clock: Clock``. ``tests/test_clock_seam.py``
fails if any other module reads the clock.

Durations (``time.perf_counter``) are not the clock: they record nothing.

``COHORT_NOW`` (an ISO date-time, UTC) sets what :func:`system_clock` says, for a whole
command: end-to-end tests of the CLI pin it, and an operator can replay a past day with it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

Clock = Callable[[], datetime]
"""Returns the current time, UTC, naive (DuckDB TIMESTAMP)."""

PINNED = "COHORT_NOW"


class ClockSettingError(ValueError):
    """$COHORT_NOW is set but is not a date-time."""


def system_clock() -> datetime:
    """The wall clock, UTC, naive, or $COHORT_NOW when set. Only entry points (the CLI, flows) pass it down.

    Raises:
        ClockSettingError: $COHORT_NOW is set to something that is not an ISO date-time.
    """
    pinned = os.environ.get(PINNED, "").strip()
    if pinned:
        try:
            at = datetime.fromisoformat(pinned)
        except ValueError:
            raise ClockSettingError(
                f"${PINNED} is {pinned[:40]!r}, not a date-time such as 2026-11-16T07:00:00: "
                f"correct it, or unset it to use the wall clock"
            ) from None
        return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at
    return datetime.now(UTC).replace(tzinfo=None)


def today(clock: Clock) -> date:
    """The date the clock says it is (UTC)."""
    return clock().date()


def fixed_clock(at: datetime, *, step: timedelta = timedelta(0)) -> Clock:
    """A clock pinned at ``at``; with ``step``, each reading is that much later than the one before.

    Args:
        at: the first reading.
        step: how far the clock moves between readings (0: it stands still).
    """
    readings = 0

    def read() -> datetime:
        nonlocal readings
        readings += 1
        return at + step * (readings - 1)

    return read
