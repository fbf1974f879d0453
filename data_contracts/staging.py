"""Turn valid extract rows (text, as sent) into typed, normalised staging rows, as the contract says."""

from __future__ import annotations

import polars as pl

from data_contracts.columns import Column
from data_contracts.contract import Contract
from data_contracts.identifiers import normalised_identifier
from data_contracts.parsing import dates_in_format

STAGING_TYPES = {
    "string": pl.String,
    "name": pl.String,
    "postcode": pl.String,
    "code": pl.String,
    "identifier": pl.String,
    "date": pl.Date,
    "integer": pl.Int32,
}
SQL_TYPES: dict[type[pl.DataType], str] = {pl.String: "VARCHAR", pl.Date: "DATE", pl.Int32: "INTEGER"}
"""The DuckDB type of each staging column type."""


def normalise_name(expr: pl.Expr) -> pl.Expr:
    """Names trimmed, inner runs of spaces collapsed, upper case: '  o'brien  smith' -> "O'BRIEN SMITH"."""
    return expr.str.strip_chars().str.replace_all(r"\s+", " ").str.to_uppercase()


def normalise_postcode(expr: pl.Expr) -> pl.Expr:
    """Postcodes in standard form: upper case, one space before the inward code ('b152tt' -> 'B15 2TT')."""
    packed = expr.str.replace_all(r"\s+", "").str.to_uppercase()
    return (
        pl.when(packed.str.len_chars() >= 5)
        .then(pl.concat_str(packed.str.head(-3), pl.lit(" "), packed.str.tail(3)))
        .otherwise(packed)
    )


def _typed(column: Column, date_format: str) -> pl.Expr:
    raw = pl.col(column.name)
    if column.type == "name":
        out = normalise_name(raw)
    elif column.type == "postcode":
        out = normalise_postcode(raw)
    elif column.type == "identifier":
        out = normalised_identifier(raw)
    elif column.type == "date":
        out = dates_in_format(raw, date_format)
    elif column.type == "integer":
        out = raw.str.strip_chars().cast(pl.Int32, strict=False)
    else:
        out = raw.str.strip_chars()
    return out.alias(column.staging_name)


def staging_schema(contract: Contract) -> dict[str, pl.DataType]:
    """The staging table's columns: load_id, row_number, then each contract column, typed."""
    schema: dict[str, pl.DataType] = {"load_id": pl.Int32(), "row_number": pl.Int64()}
    for column in contract.columns:
        schema[column.staging_name] = STAGING_TYPES[column.type]()
    return schema


def type_rows(rows: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """Type and normalise rows; a value that does not type becomes null (see :func:`ensure_typed`).

    Args:
        rows: rows as text, with load_id, row_number and the contract's columns.
        contract: the extract's contract.

    Returns:
        The rows with the columns of :func:`staging_schema`.
    """
    return rows.select(
        pl.col("load_id").cast(pl.Int32),
        pl.col("row_number").cast(pl.Int64),
        *[_typed(column, contract.date_format) for column in contract.columns],
    )


def ensure_typed(rows: pl.DataFrame, typed: pl.DataFrame, contract: Contract, where: str) -> None:
    """Raise if a value present in valid ``rows`` is null in ``typed``: that means a check is missing.

    Args:
        rows: valid rows as text.
        typed: the same rows after :func:`type_rows`.
        contract: their contract.
        where: what the rows are, for the message (a source or file name).

    Raises:
        ValueError: naming the columns whose valid values did not type.
    """
    lost = [
        c.name
        for c, raw_nulls, typed_nulls in zip(
            contract.columns,
            rows.select(pl.col(c.name).null_count() for c in contract.columns).row(0),
            typed.select(pl.col(c.staging_name).null_count() for c in contract.columns).row(0),
            strict=True,
        )
        if typed_nulls != raw_nulls
    ]
    if lost:
        raise ValueError(f"{where}: valid values of {', '.join(lost)} did not type; a check is missing")


def to_staging(rows: pl.DataFrame, contract: Contract, where: str | None = None) -> pl.DataFrame:
    """Type and normalise rows that passed every check.

    Args:
        rows: valid rows as text, with load_id, row_number and the contract's columns.
        contract: the extract's contract.
        where: what the rows are, for the message (default: the contract's name).

    Returns:
        The staging rows, columns as in :func:`staging_schema`.

    Raises:
        ValueError: if a value cannot be typed: valid rows always type, so that would be a bug
            (a check missing from the contract's suite), never a silent null.
    """
    staged = type_rows(rows, contract)
    ensure_typed(rows, staged, contract, where or contract.name)
    return staged
