"""Options and argument parsing shared by the `cohort` commands."""

from __future__ import annotations

import getpass
import os
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

WarehouseOption = Annotated[
    Path | None,
    typer.Option(help="DuckDB warehouse file [default: $COHORT_WAREHOUSE, else data/warehouse.duckdb]."),
]

ByOption = Annotated[
    str | None,
    typer.Option("--by", help="Who is acting, for the audit log [default: $COHORT_USER, else login]"),
]

AsOfOption = Annotated[
    str, typer.Option(help="Reference date, YYYY-MM-DD: only what was known before it counts.")
]


def parse_date(value: str) -> date:
    """A YYYY-MM-DD date from the command line, or a clear error saying the form wanted."""
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as error:
        raise typer.BadParameter(f"'{value}' is not a date in YYYY-MM-DD form") from error


def acting_user(by: str | None) -> str:
    """Who is acting: --by, else $COHORT_USER, else the login name."""
    return (by or os.environ.get("COHORT_USER") or getpass.getuser()).strip()
