"""Reading agency text as typed values: one definition shared by validation and staging."""

from __future__ import annotations

import polars as pl


def dates_in_format(expr: pl.Expr, date_format: str) -> pl.Expr:
    """Dates written in an agency's format; null where a value is not a real date in it.

    Args:
        expr: text values.
        date_format: strptime format; one with a time part is parsed and cut to the date.

    Returns:
        A Date expression.
    """
    text = expr.cast(pl.String)
    if "%H" in date_format:
        return text.str.strptime(pl.Datetime, date_format, strict=False).dt.date()
    return text.str.strptime(pl.Date, date_format, strict=False)


def parse_dates(values: pl.Series, date_format: str) -> pl.Series:
    """:func:`dates_in_format` for a Series."""
    return values.to_frame("v").select(dates_in_format(pl.col("v"), date_format)).to_series()
