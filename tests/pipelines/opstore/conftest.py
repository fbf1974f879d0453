"""Fixtures for the operational store's tests: a fresh store on SQLite (a temporary file) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.opstore.engine import Store, open_store


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of a new, empty store: a SQLite file, or a fresh PostgreSQL database (skipped if none)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.ops.sqlite'}"
    return str(request.getfixturevalue("fresh_postgres_url"))


@pytest.fixture
def any_store(any_store_url: str) -> Iterator[Store]:
    """A new, empty store on each database."""
    store = open_store(any_store_url)
    yield store
    store.engine.dispose()
