"""The raw layer as Parquet files beside the warehouse: written, registered, viewed, rewritten and swept.

Each load of a source keeps its rows, verbatim with their lineage columns (``load_id``,
``row_number``), in one zstd Parquet file ``<warehouse stem>.raw/<source>/<load_id>-<sha256
prefix>.parquet``, owner-only, registered in ``meta.raw_file`` with its hash, rows and bytes.
``raw.<source>`` is a view over the registered files united with ``raw_legacy.<source>`` (the raw
rows of a warehouse made before the files), so every query of ``raw.<source>`` reads the same
rows as when raw was a table. A file is registered in the same transaction as its load: a load
that fails leaves its file unregistered, and :func:`sweep_raw_files` removes such strays.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines.files import private_folder
from pipelines.paths import raw_folder
from pipelines.warehouse.queries import quote, sql

PARTIAL = ".partial"
"""The suffix of a file still being written (never registered; swept if a process dies)."""
HASH_PREFIX = 16


class RawFilesMissing(RuntimeError):
    """A registered raw file is not where the warehouse expects it (the .duckdb copied without its folder)."""


@dataclass(frozen=True)
class RawFile:
    """One registered raw file: its source, load, path (relative to the raw folder) and content."""

    source: str
    load_id: int
    path: str
    sha256: str
    rows: int
    bytes: int


def warehouse_file(con: duckdb.DuckDBPyConnection) -> Path:
    """The file of the warehouse ``con`` is open on."""
    found = con.execute(sql("raw/warehouse_file")).fetchall()
    return Path(str(found[0][0]))


def folder_of(con: duckdb.DuckDBPyConnection) -> Path:
    """The raw folder of the warehouse ``con`` is open on."""
    return raw_folder(warehouse_file(con))


def literal(text: str) -> str:
    """A SQL string literal (file paths are ours, but quoted all the same)."""
    return "'" + text.replace("'", "''") + "'"


def raw_view_sql(source: str, files: list[Path]) -> str:
    """CREATE the view ``raw.<source>``: the legacy table united (by column name) with the files."""
    name = quote(source)
    legacy = f"SELECT * FROM raw_legacy.{name}"
    if not files:
        return f"CREATE OR REPLACE VIEW raw.{name} AS {legacy}"
    listed = ", ".join(literal(str(path)) for path in files)
    files_sql = f"SELECT * FROM read_parquet([{listed}])"
    return f"CREATE OR REPLACE VIEW raw.{name} AS {legacy} UNION ALL BY NAME {files_sql}"


def registered(con: duckdb.DuckDBPyConnection, source: str | None = None) -> list[RawFile]:
    """The registered raw files (of one source, or all), in load order."""
    rows = con.execute(sql("raw/registered_files"), {"source": source}).fetchall()
    return [RawFile(s, int(load), path, sha, int(n), int(size)) for s, load, path, sha, n, size in rows]


def refresh_raw_view(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Make ``raw.<source>`` read exactly the registered files, where the warehouse is now.

    The view is recreated only when its text changes (a file added, rewritten or removed, or the
    warehouse moved): the view's comment holds the hash of the text it was made from.
    """
    folder = folder_of(con)
    files = [folder / f.path for f in registered(con, source)]
    missing = [path for path in files if not path.is_file()]
    if missing:
        raise RawFilesMissing(
            f"{len(missing)} raw file(s) of {source} registered in the warehouse are missing from {folder} "
            f"(first: {missing[0].relative_to(folder)}): the folder must sit beside the warehouse file; "
            "copy a warehouse with its .raw folder (pipelines.warehouse.copy), or restore both from a backup"
        )
    text = raw_view_sql(source, files)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    found = con.execute(sql("raw/view_comment"), {"view": source}).fetchall()
    if found and found[0][0] == digest:
        return
    con.execute(text)
    con.execute(f"COMMENT ON VIEW raw.{quote(source)} IS {literal(digest)}")


def refresh_raw_views(con: duckdb.DuckDBPyConnection) -> None:
    """Refresh every source's raw view (on opening the warehouse: it may have been moved or copied)."""
    for (source,) in con.execute(sql("raw/legacy_tables")).fetchall():
        refresh_raw_view(con, str(source))


def _hash(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _settle(con: duckdb.DuckDBPyConnection, source: str, load_id: int, partial: Path) -> RawFile:
    """Make a written partial file owner-only and durable, name it by its hash, and register it."""
    os.chmod(partial, 0o600)
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())  # on disk before the transaction that registers it commits
    digest = _hash(partial)
    final = partial.with_name(f"{load_id}-{digest[:HASH_PREFIX]}.parquet")
    partial.replace(final)
    rows = con.execute(sql("raw/file_rows"), {"path": str(final)}).fetchall()[0][0]
    raw = RawFile(source, load_id, f"{source}/{final.name}", digest, int(rows), final.stat().st_size)
    con.execute(sql("raw/register_file"), raw.__dict__)
    return raw


def _partial(con: duckdb.DuckDBPyConnection, source: str, load_id: int) -> Path:
    folder = private_folder(private_folder(folder_of(con)) / source)
    return folder / f"{load_id}{PARTIAL}"


def write_raw_file(con: duckdb.DuckDBPyConnection, source: str, load_id: int, rows: pl.DataFrame) -> RawFile:
    """Write one load's raw rows to its Parquet file, register it and refresh the view (inside the
    caller's transaction; if it rolls back, the file is a stray the sweep removes).

    Args:
        rows: ``load_id``, ``row_number`` and the source's columns as text, as in raw.<source>.
    """
    partial = _partial(con, source, load_id)
    rows.write_parquet(partial, compression="zstd", statistics=True)
    raw = _settle(con, source, load_id, partial)
    refresh_raw_view(con, source)
    return raw


def erase_raw_rows(
    con: duckdb.DuckDBPyConnection, source: str, condition: str, parameters: Mapping[str, object]
) -> list[RawFile]:
    """Delete the raw rows of a source that meet ``condition`` (on alias ``t``), inside the caller's
    transaction: from the legacy table, and by rewriting each file that holds any (a new file, its
    new hash registered). The old files stay until :func:`sweep_raw_files` runs after the commit.

    Returns:
        The files as rewritten.
    """
    name = quote(source)
    con.execute(f"DELETE FROM raw_legacy.{name} t WHERE {condition}", dict(parameters))
    loads = {
        int(load_id)
        for (load_id,) in con.execute(
            f"SELECT DISTINCT load_id FROM raw.{name} t WHERE {condition}", dict(parameters)
        ).fetchall()
    }
    folder, rewritten = folder_of(con), []
    for old in registered(con, source):
        if old.load_id not in loads:
            continue
        partial = _partial(con, source, old.load_id)
        kept = f"SELECT * FROM read_parquet({literal(str(folder / old.path))}) t WHERE NOT ({condition})"
        con.execute(
            f"COPY ({kept}) TO {literal(str(partial))} (FORMAT parquet, COMPRESSION zstd)", dict(parameters)
        )
        rewritten.append(_settle(con, source, old.load_id, partial))
    refresh_raw_view(con, source)
    return rewritten


def sweep_raw_files(con: duckdb.DuckDBPyConnection) -> list[Path]:
    """Remove every file in the raw folder that ``meta.raw_file`` does not register (a crashed or
    failed load's file, a partial write, the old copy of a rewritten file). Call it outside any
    transaction that may still register files.

    Returns:
        The files removed.
    """
    folder = folder_of(con)
    if not folder.is_dir():
        return []
    kept = {folder / f.path for f in registered(con)}
    removed = []
    for path in sorted(folder.glob("*/*")):
        if path.is_file() and path not in kept and (path.suffix == ".parquet" or path.name.endswith(PARTIAL)):
            path.unlink()
            removed.append(path)
    return removed
