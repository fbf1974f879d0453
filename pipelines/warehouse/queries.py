"""Working inside an open warehouse: fixed SQL from sql/, transactions, and frames in and out.

Every fixed statement is a file under ``pipelines/warehouse/sql/`` read with :func:`sql`; values are
bound as parameters. The few statements built from names (tables, columns) are made here by small
functions that quote every identifier.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from importlib import resources

import duckdb
import polars as pl

from data_contracts.contract import Contract
from data_contracts.staging import SQL_TYPES, staging_schema


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction: committed when the block ends, rolled back (and the error raised) if it fails."""
    con.begin()
    try:
        yield con
        con.commit()
    except BaseException:
        con.rollback()
        raise


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
    """A fixed SQL statement shipped in ``pipelines/warehouse/sql/`` (e.g. ``"ingest/insert_load"``)."""
    return resources.files("pipelines.warehouse").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def read_frame(
    con: duckdb.DuckDBPyConnection, query: str, schema: pl.Schema, params: Mapping[str, object] | None = None
) -> pl.DataFrame:
    """A query's result as a Polars frame cast to ``schema`` (typed even when it has no rows).

    Args:
        params: values for the query's ``$name`` parameters.
    """
    table = con.sql(query, params=dict(params) if params else None).to_arrow_table()
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
