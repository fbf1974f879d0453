"""A pinned clock for tests: what a run records never depends on the day the tests run."""

from __future__ import annotations

from datetime import datetime, timedelta

from pipelines.clock import Clock, fixed_clock

MONDAY_MORNING = datetime(2026, 11, 16, 7, 0)
"""The small test world's last Monday (its end date), before the weekly run."""


def test_clock(at: datetime = MONDAY_MORNING) -> Clock:
    """A clock starting ``at`` that moves one second each time it is read (so stamps keep their order)."""
    return fixed_clock(at, step=timedelta(seconds=1))


test_clock.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test for pytest to collect
