"""How a run names and runs its steps, and reads the wall clock: shared by every flow's run.

Kept free of heavy imports so that a run (ingest, linkage) loads only what it uses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

T = TypeVar("T")
Step = Callable[..., Any]
"""Runs one named step: ``step(name, function, *args)``. Prefect's version makes each a task run."""


def direct(name: str, function: Callable[..., T], *args: Any) -> T:
    """Run a step as a plain call."""
    return function(*args)


def now() -> datetime:
    """The wall clock, UTC, naive (DuckDB TIMESTAMP).

    Runs record when things happened; no feature, rule or model reads it.
    """
    return datetime.now(UTC).replace(tzinfo=None)
