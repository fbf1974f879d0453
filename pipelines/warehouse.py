"""The DuckDB warehouse: where it lives, opening it owner-only, and applying versioned schema migrations."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb
import polars as pl

from data_contracts.contract import Contract
from data_contracts.staging import SQL_TYPES, staging_schema
from pipelines.clock import system_clock
from pipelines.files import private_folder

DEFAULT_WAREHOUSE = Path("data/warehouse.duckdb")
MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    """The warehouse's recorded migrations disagree with the SQL files shipped with the code."""


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
    # every table row carries its load_id and row_number, so DuckDB need not keep insertion
    # order, which lets it write large inserts in parallel
    con.execute("SET preserve_insertion_order = false")
    try:
        migrate(con)
        from pipelines.audit_chain import advance_checkpoint, head  # the audit log is built on this module

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


def migrations() -> list[tuple[int, str, str]]:
    """The shipped migrations in order: (version, file name, SQL)."""
    folder = resources.files("pipelines").joinpath("sql", "migrations")
    found = []
    for entry in folder.iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise MigrationError(f"migrations must be numbered 0001, 0002, ... without gaps; found {versions}")
    return found


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply, in order and each in its own transaction, the migrations not yet applied.

    Returns:
        The names of the migrations applied now.

    Raises:
        MigrationError: if an applied migration's file has since been edited (write a new one instead).
    """
    con.execute(
        "CREATE SCHEMA IF NOT EXISTS meta; CREATE TABLE IF NOT EXISTS meta.schema_migration ("
        "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, "
        "applied_at TIMESTAMP NOT NULL)"
    )
    applied = {
        v: (n, h)
        for v, n, h in con.execute("SELECT version, name, sha256 FROM meta.schema_migration").fetchall()
    }
    done = []
    for version, name, sql in migrations():
        digest = hashlib.sha256(sql.encode("utf-8")).hexdigest()
        if version in applied:
            if applied[version] != (name, digest):
                raise MigrationError(
                    f"migration {name} differs from the one applied to this warehouse; "
                    "never edit an applied migration: add a new numbered file"
                )
            continue
        con.begin()
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO meta.schema_migration VALUES (?, ?, ?, ?)",
                [version, name, digest, system_clock()],  # when the code changed the file: not data
            )
            con.commit()
        except Exception:
            con.rollback()
            raise
        done.append(name)
    return done


def quote(name: str) -> str:
    """A SQL identifier, quoted (agency column names have spaces and capitals)."""
    return '"' + name.replace('"', '""') + '"'


def extract_tables_sql(contract: Contract) -> str:
    """The raw, staging and quarantine tables one contract implies (used to write migrations).

    The tests check that the migrated warehouse has exactly these tables, so a contract change
    without a migration fails.
    """
    raw = ",\n    ".join(f"{quote(c.name)} VARCHAR" for c in contract.columns)
    staged = ",\n    ".join(
        f"{quote(name)} {SQL_TYPES[type(dtype)]}"
        for name, dtype in list(staging_schema(contract).items())[2:]
    )
    keys = "load_id INTEGER NOT NULL,\n    row_number BIGINT NOT NULL,\n    "
    name = contract.name
    return (
        f"-- {name}: {contract.description}\n"
        f"CREATE TABLE raw.{name} (\n    {keys}{raw}\n);\n"
        f"CREATE TABLE staging.{name} (\n    {keys}{staged}\n);\n"
        f"CREATE TABLE quarantine.{name} (\n    {keys}"
        f"reasons STRUCT(rule VARCHAR, message VARCHAR)[] NOT NULL,\n    {raw}\n);\n"
    )


@cache
def sql(name: str) -> str:
    """A fixed SQL statement shipped in ``pipelines/sql/`` (e.g. ``"ingest/insert_load"``)."""
    return resources.files("pipelines").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def read_frame(con: duckdb.DuckDBPyConnection, query: str, schema: pl.Schema) -> pl.DataFrame:
    """A query's result as a Polars frame cast to ``schema`` (typed even when it has no rows)."""
    table = con.sql(query).to_arrow_table()
    if table.num_rows == 0:
        return pl.DataFrame(schema=schema)
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame.cast(schema)


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Append a frame's rows to a table, matching columns by name (inside the caller's transaction)."""
    # handed over as Arrow with string views, which DuckDB reads a fifth faster than a Polars frame
    con.register("_frame", frame.to_arrow())
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _frame")
    finally:
        con.unregister("_frame")


def replace_rows(
    con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, key: tuple[str, ...],
    stamp: Mapping[str, object], history: str | None = None,
) -> int:  # fmt: skip
    """Make a table hold exactly a frame's rows, writing only the rows that changed.

    A table row whose key the frame lacks, or whose values differ from the frame's, is deleted;
    a frame row that is new or changed is inserted with the ``stamp`` columns (for example the
    run that wrote it). Unchanged rows keep their earlier stamp. Comparing a large table costs
    far less than rewriting it whole, above all its key index. Inside the caller's transaction.

    With ``history``, each deleted row is first copied to that table with ``replaced_by`` set to
    the stamp's ``run_id``, so the table can be read as it stood after any earlier run.

    Returns:
        The number of rows inserted.
    """
    columns = ", ".join(quote(c) for c in frame.columns)
    keys = ", ".join(quote(k) for k in key)
    stamps = ", ".join(f"${name} AS {quote(name)}" for name in stamp)
    con.register("_frame", frame.to_arrow())
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _changed AS "
            f"SELECT {columns} FROM _frame EXCEPT SELECT {columns} FROM {table}"
        )
        replaced = (
            f"WHERE ({keys}) IN (SELECT ({keys}) FROM _changed) "
            f"OR ({keys}) NOT IN (SELECT ({keys}) FROM _frame)"
        )
        if history:
            con.execute(
                f"INSERT INTO {history} BY NAME SELECT *, $run_id AS replaced_by FROM {table} {replaced}",
                {"run_id": stamp["run_id"]},
            )
        con.execute(f"DELETE FROM {table} {replaced}")
        con.execute(f"INSERT INTO {table} BY NAME SELECT *, {stamps} FROM _changed", dict(stamp))
        return int(con.execute("SELECT count(*) FROM _changed").fetchall()[0][0])
    finally:
        con.execute("DROP TABLE IF EXISTS _changed")
        con.unregister("_frame")
