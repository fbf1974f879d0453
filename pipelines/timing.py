"""Timing a run's steps: the one stopwatch the CLI and the runs use (a duration, never the clock)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class Stopwatch:
    """Seconds since it was made, and the seconds each named lap took."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.laps: dict[str, float] = {}

    def elapsed(self) -> float:
        """Seconds since the stopwatch was made."""
        return time.perf_counter() - self.started

    @contextmanager
    def lap(self, name: str) -> Iterator[None]:
        """Time the block as ``laps[name]`` (recorded even if the block fails)."""
        mark = time.perf_counter()
        try:
            yield
        finally:
            self.laps[name] = time.perf_counter() - mark
