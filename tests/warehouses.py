"""Helpers for tests that read a warehouse or work on a copy of a shared one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipelines.warehouse import copy as warehouse_copy


def copy_warehouse(source: Path, folder: Path) -> Path:
    """A copy of a warehouse with its raw files and audit checkpoint (the log's anchor) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return warehouse_copy.copy_warehouse(source, folder / "warehouse.duckdb")


def query(warehouse: Path, text: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """The rows of one statement, read over a read-only connection."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(text, params or []).fetchall()
