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

# --as-of, the one reference-date option: a YYYY-MM-DD string each command reads with parse_date.
# Required where no day can be assumed; optional where one can, and then its help names that day.
AsOfOption = Annotated[
    str, typer.Option(help="Reference date, YYYY-MM-DD: only what was known before it counts.")
]
MondayAsOfOption = Annotated[
    str | None, typer.Option(help="Reference date, YYYY-MM-DD [default: this week's Monday].")
]
ScheduleDayOption = Annotated[
    str | None, typer.Option(help="The day the schedule is applied, YYYY-MM-DD [default: today].")
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
