"""The DuckDB warehouse: where it lives, and opening it owner-only with every migration applied."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pipelines.files import private_folder
from pipelines.warehouse.audit_chain import advance_checkpoint, head
from pipelines.warehouse.migrations import migrate
from pipelines.warehouse.queries import sql
from pipelines.warehouse.raw_files import RawFilesMissing, refresh_raw_views

DEFAULT_WAREHOUSE = Path("data/warehouse.duckdb")


class WarehouseUnavailable(RuntimeError):
    """The warehouse cannot be used: missing, held by another process, or not a DuckDB database.

    The message names the file and says what to do; the CLI exits with EXIT_WAREHOUSE on it.
    """


def warehouse_path(option: Path | None, *, create: bool = False) -> Path:
    """The warehouse file: the --warehouse option, else $COHORT_WAREHOUSE, else data/warehouse.duckdb.

    Args:
        option: the --warehouse option.
        create: the command may make a new warehouse (``cohort ingest`` only); otherwise a path with
            no warehouse is refused, so a mistyped path never starts a new, empty warehouse.

    Raises:
        WarehouseUnavailable: there is no warehouse at the path and ``create`` is False.
    """
    path = option if option is not None else Path(os.environ.get("COHORT_WAREHOUSE") or DEFAULT_WAREHOUSE)
    if not create and not path.exists():
        raise WarehouseUnavailable(
            f"no warehouse at {path}: check --warehouse / $COHORT_WAREHOUSE, or run cohort ingest first"
        )
    return path


@contextmanager
def connect(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open (creating if need be) the warehouse, owner-only, with every migration applied.

    Commands choose the path with :func:`warehouse_path`, which refuses a missing warehouse unless
    the command may make one.

    Raises:
        WarehouseUnavailable: another process holds the warehouse, or the file is not a warehouse.
    """
    private_folder(path.parent, own=False)
    old_umask = os.umask(0o077)  # the database file and its WAL are created owner-only
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as error:
        raise _unavailable(path, error) from error
    finally:
        os.umask(old_umask)
    con.execute(sql("meta/session"))  # settings every connection uses
    try:
        migrate(con)
        try:
            refresh_raw_views(con)  # the raw files are read where the warehouse is now
        except RawFilesMissing as missing:
            raise WarehouseUnavailable(str(missing)) from missing
        at_open = head(con)
        yield con
        advance_checkpoint(con, path, at_open)  # the events this connection committed
    finally:
        con.close()


def _unavailable(path: Path, error: duckdb.Error) -> WarehouseUnavailable:
    """What to say when DuckDB cannot open the file (its own message is kept out: it is long)."""
    if "lock" in str(error).lower():
        return WarehouseUnavailable(
            f"the warehouse {path} is in use by another process: wait for that run to finish "
            "(or stop it), then run this again"
        )
    if path.is_dir():
        return WarehouseUnavailable(f"{path} is a folder, not a warehouse: give the .duckdb file")
    return WarehouseUnavailable(
        f"{path} cannot be opened as a DuckDB warehouse ({type(error).__name__}): check --warehouse / "
        "$COHORT_WAREHOUSE names the warehouse file, or restore it from its backup"
    )
