"""Helpers for tests that read a warehouse or work on a copy of a shared one."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb

from pipelines.warehouse.audit_chain import checkpoint_path


def copy_warehouse(source: Path, folder: Path) -> Path:
    """A copy of a warehouse and its audit checkpoint (the audit log's anchor) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "warehouse.duckdb"
    shutil.copy(source, target)
    shutil.copy(checkpoint_path(source), checkpoint_path(target))
    return target


def query(warehouse: Path, text: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """The rows of one statement, read over a read-only connection."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(text, params or []).fetchall()
