"""Copying a warehouse whole: the database file, its raw Parquet folder and its audit checkpoint.

The raw layer lives in files beside the database (pipelines.warehouse.raw_files); a copy of the
.duckdb file alone would have no raw rows, and refuses to open. Backups, rehearsals, benchmarks
and tests copy a warehouse with :func:`copy_warehouse`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pipelines.files import private_folder
from pipelines.paths import audit_checkpoint_file, raw_folder


def copy_warehouse(source: Path, target: Path, *, checkpoint: bool = True) -> Path:
    """Copy the warehouse ``source`` (closed) to the file ``target``, with what lives beside it.

    The raw folder is copied to ``<target stem>.raw`` (files owner-only, as written), replacing any
    the target had, and the audit checkpoint, if there is one, to the target's checkpoint.

    Args:
        checkpoint: copy the audit checkpoint too (False for a copy whose log is checked without it).

    Returns:
        ``target``.
    """
    private_folder(target.parent, own=False)
    shutil.copy2(source, target)
    raw = raw_folder(target)
    shutil.rmtree(raw, ignore_errors=True)
    if raw_folder(source).is_dir():
        shutil.copytree(raw_folder(source), raw)
    if checkpoint and audit_checkpoint_file(source).exists():
        shutil.copy2(audit_checkpoint_file(source), audit_checkpoint_file(target))
    return target
