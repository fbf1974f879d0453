"""Reading agency text as typed values: one definition shared by validation and staging."""

from __future__ import annotations

import re

import polars as pl

SHAPES = {"%d": "[0-9]{2}", "%m": "[0-9]{2}", "%Y": "[0-9]{4}", "%b": "[A-Za-z]{3}", "%H": "[0-9]{2}",
          "%M": "[0-9]{2}", "%S": "[0-9]{2}"}  # fmt: skip
"""What each directive must look like: Polars alone would read '15/01/24' as the year 24."""


def date_shape(date_format: str) -> str:
    """A regular expression for the exact shape of a date in ``date_format`` (zero-padded, 4-digit year)."""
    parts = re.split(r"(%[a-zA-Z])", date_format)
    return "^" + "".join(SHAPES.get(part, re.escape(part)) for part in parts if part) + "$"


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
        parsed = text.str.strptime(pl.Datetime, date_format, strict=False).dt.date()
    else:
        parsed = text.str.strptime(pl.Date, date_format, strict=False)
    return pl.when(text.str.contains(date_shape(date_format))).then(parsed)


def parse_dates(values: pl.Series, date_format: str) -> pl.Series:
    """:func:`dates_in_format` for a Series."""
    return values.to_frame("v").select(dates_in_format(pl.col("v"), date_format)).to_series()
