"""What the declaration of one agency extract holds: its name, format, cadence, columns and defects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Cadence = Literal["weekly", "monthly", "termly"]


@dataclass(frozen=True)
class Source:
    """One extract as an agency sends it."""

    name: str
    agency: str
    description: str
    cadence: Cadence
    file_format: Literal["csv", "xlsx"]
    delimiter: str
    date_format: str  # strftime format of every date column
    record_id: str  # the column that identifies a row
    identifier: str | None  # the person identifier column, if any
    date_columns: tuple[str, ...]
    event_date: str  # the column planted with impossible dates
    code_column: str | None  # planted with unknown codes
    key_column: str  # a required column planted blank
    columns: dict[str, str]  # name -> description, in file order
