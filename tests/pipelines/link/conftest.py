"""A private copy of the small world's ingested warehouse for each linkage run test."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.warehouse.copy import copy_warehouse

World = tuple[Path, dict[str, object]]


@pytest.fixture
def warehouse(ingested: Path, tmp_path: Path) -> Path:
    """A private copy of the ingested warehouse."""
    copy = tmp_path / "warehouse.duckdb"
    copy_warehouse(ingested, copy, checkpoint=False)
    return copy
