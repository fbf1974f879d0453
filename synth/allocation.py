"""The trial's allocation file as the world reads it, and who each allocation really is.

The pipeline writes the file (`cohort trial export-allocation`): one row per source record the
allocated person held, so the world, which knows who every record is about, can find the true
person behind each allocation without the pipeline ever reading the ground truth.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date

import polars as pl

HEADER = ("allocation_id", "arm", "allocated_on", "withdrawn_on", "source", "source_record_id")
ARMS = ("programme", "control")
SCHEMA = {
    "allocation_id": pl.String,
    "arm": pl.String,
    "allocated_on": pl.Date,
    "withdrawn_on": pl.Date,
    "source": pl.String,
    "source_record_id": pl.String,
}
MATCHED_SCHEMA = {
    "allocation_id": pl.String,
    "arm": pl.String,
    "allocated_on": pl.Date,
    "withdrawn_on": pl.Date,
    "true_person_id": pl.Int64,
}


class AllocationError(ValueError):
    """The allocation file is malformed; the message names the file, the line and the field."""


@dataclass(frozen=True)
class Matched:
    """The allocations matched to true people, and how many matched no known record."""

    allocations: pl.DataFrame  # MATCHED_SCHEMA, one row per allocation
    unmatched: int


def _date(value: str, where: str, line: int, field: str, *, optional: bool = False) -> date | None:
    if optional and value == "":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise AllocationError(
            f"{where}: line {line}: {field}: '{value}' is not a date in YYYY-MM-DD form"
            + (" (leave it empty when not withdrawn)" if optional else "")
        ) from None


def _row(fields: list[str], where: str, line: int) -> tuple[object, ...]:
    if len(fields) != len(HEADER):
        raise AllocationError(
            f"{where}: line {line}: expected {len(HEADER)} fields ({','.join(HEADER)}), found {len(fields)}"
        )
    allocation_id, arm, allocated, withdrawn, source, record = (f.strip() for f in fields)
    for field, value in (("allocation_id", allocation_id), ("source", source), ("source_record_id", record)):
        if value == "":
            raise AllocationError(f"{where}: line {line}: {field}: empty: every row needs one")
    if arm not in ARMS:
        raise AllocationError(f"{where}: line {line}: arm: '{arm}' is not one of {', '.join(ARMS)}")
    allocated_on = _date(allocated, where, line, "allocated_on")
    withdrawn_on = _date(withdrawn, where, line, "withdrawn_on", optional=True)
    if allocated_on is not None and withdrawn_on is not None and withdrawn_on < allocated_on:
        raise AllocationError(
            f"{where}: line {line}: withdrawn_on: {withdrawn_on.isoformat()} is before allocated_on "
            f"{allocated_on.isoformat()}"
        )
    return allocation_id, arm, allocated_on, withdrawn_on, source, record


def parse_allocation(text: str, where: str) -> pl.DataFrame:
    """Read and check an allocation file's CSV text.

    Args:
        text: the file's text: the header `HEADER`, then one row per source record.
        where: the file, named in every message.

    Returns:
        One row per source record (`SCHEMA`).

    Raises:
        AllocationError: naming the file, the line and the field, and what to change.
    """
    lines = list(csv.reader(text.splitlines()))
    if not lines:
        raise AllocationError(f"{where}: empty: expected the header {','.join(HEADER)}")
    header = tuple(h.strip() for h in lines[0])
    if header != HEADER:
        raise AllocationError(f"{where}: header: expected {','.join(HEADER)}, found {','.join(header)}")
    rows = [_row(fields, where, n) for n, fields in enumerate(lines[1:], start=2) if fields]
    frame = pl.DataFrame(rows, schema=SCHEMA, orient="row")
    per_allocation = frame.group_by("allocation_id").agg(
        pl.col("arm", "allocated_on", "withdrawn_on").n_unique()
    )
    mixed = per_allocation.filter(pl.any_horizontal(pl.col("arm", "allocated_on", "withdrawn_on") > 1))
    if mixed.height:
        first = mixed.sort("allocation_id").row(0, named=True)
        field = next(f for f in ("arm", "allocated_on", "withdrawn_on") if first[f] > 1)
        raise AllocationError(
            f"{where}: {field}: allocation {first['allocation_id']} has more than one {field} across "
            "its rows: every row of an allocation must agree"
        )
    return frame


def match_allocations(allocation: pl.DataFrame, identity: pl.DataFrame) -> Matched:
    """The true person behind each allocation: the one holding most of its records.

    Args:
        allocation: the parsed file (`parse_allocation`).
        identity: source, source_record_id, true_person_id (ground_truth/record_identity).

    Returns:
        One row per allocation with a known record, ties going to the smallest true_person_id,
        and the count of allocations none of whose records is known.
    """
    votes = (
        allocation.join(identity, on=["source", "source_record_id"], how="inner")
        .group_by("allocation_id", "true_person_id")
        .len()
        .sort(["allocation_id", "len", "true_person_id"], descending=[False, True, False])
        .unique("allocation_id", keep="first", maintain_order=True)
        .select("allocation_id", "true_person_id")
    )
    facts = allocation.unique("allocation_id", keep="first", maintain_order=True).select(
        "allocation_id", "arm", "allocated_on", "withdrawn_on"
    )
    matched = facts.join(votes, on="allocation_id", how="inner").sort("allocation_id")
    return Matched(
        matched.select(pl.col(c).cast(t) for c, t in MATCHED_SCHEMA.items()),
        facts.height - matched.height,
    )
