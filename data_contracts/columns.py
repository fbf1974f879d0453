"""What a contract declares of its columns: their types and limits, placeholders, and the rules of
validity across their values (see data_contracts.contract for the contract itself)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["string", "name", "postcode", "code", "identifier", "date", "integer"]
FREE_TEXT: tuple[ColumnType, ...] = ("string", "name")
"""Types whose text is not pinned down by a pattern, code list or format, so is checked for safety."""
DEFAULT_MAX_LENGTH = {"string": 100, "name": 60}
"""The longest free text a column may hold unless its contract says otherwise."""


RuleKind = Literal[
    "date_of_birth_plausible",
    "not_after_extract",
    "within_years_after_extract",
    "not_before",
    "not_more_than",
]
DATE_RULES: tuple[RuleKind, ...] = (
    "date_of_birth_plausible",
    "not_after_extract",
    "within_years_after_extract",
    "not_before",
)
"""Rule kinds that compare dates; ``not_more_than`` compares two whole-number columns."""
LOWER_BOUNDS: tuple[RuleKind, ...] = ("date_of_birth_plausible", "not_before")
"""Rule kinds that put an earliest plausible date on their ``column``."""
UPPER_BOUNDS: tuple[RuleKind, ...] = (
    "date_of_birth_plausible",
    "not_after_extract",
    "within_years_after_extract",
)
"""Rule kinds that put a latest plausible date on their ``column``."""


@dataclass(frozen=True)
class Placeholders:
    """Identifier values that pass their check digit but name nobody: dummies senders key in."""

    values: tuple[str, ...]
    repeated_digits: bool  # also refuse any value whose digits are all one digit (1111111111 passes mod 11)


@dataclass(frozen=True)
class Column:
    """One column of an extract, as the agency writes it."""

    name: str
    type: ColumnType
    nullable: bool
    pii: bool
    description: str
    role: str | None = None
    max_length: int | None = None
    pattern: str | None = None
    codes: tuple[str, ...] | None = None
    codes_source: str | None = None  # the reference table the codes came from, if any
    identifier: Literal["nhs", "upn", "pnc"] | None = None
    minimum: int | None = None
    maximum: int | None = None
    placeholders: Placeholders | None = None

    @property
    def staging_name(self) -> str:
        """The column's name in staging: lower snake case ("Date of Birth" -> date_of_birth)."""
        return snake_case(self.name)

    @property
    def length_limit(self) -> int:
        return self.max_length or DEFAULT_MAX_LENGTH.get(self.type, 100)


@dataclass(frozen=True)
class Rule:
    """A rule of validity across values, e.g. a recorded date not before the event date."""

    id: str
    kind: RuleKind
    column: str
    description: str
    other: str | None = None
    max_age_years: int | None = None
    max_years_after: int | None = None


def snake_case(name: str) -> str:
    """Lower snake case of a column name: "Exclusion ID" -> exclusion_id, "DOB" -> dob."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
