"""The reference tables in ``data_contracts/reference`` (see its README), as Polars frames."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import polars as pl


@cache
def reference_table(name: str) -> pl.DataFrame:
    """One reference table; its first column (the code) is always text, the rest typed from the file.

    Args:
        name: the table's file name without ``.csv``, e.g. ``offence_codes``.
    """
    path = resources.files("data_contracts").joinpath("reference", f"{name}.csv")
    with resources.as_file(path) as file, file.open(encoding="utf-8") as text:
        code = next(csv.reader(text))[0]
        return pl.read_csv(file, schema_overrides={code: pl.String})
