"""A small world ingested once, for the linkage tests to copy."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from pipelines.ingest_run import run_ingest

World = tuple[Path, dict[str, object]]


@pytest.fixture(scope="session")
def ingested(small_world: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small world's warehouse after one ingest (do not write to it: copy it)."""
    warehouse = tmp_path_factory.mktemp("ingested") / "warehouse.duckdb"
    run_ingest(small_world[0] / "landing", warehouse, date(2026, 11, 16))
    return warehouse


@pytest.fixture
def warehouse(ingested: Path, tmp_path: Path) -> Path:
    """A private copy of the ingested warehouse."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(ingested, copy)
    return copy
