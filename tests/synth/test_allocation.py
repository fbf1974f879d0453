"""The allocation file as the world reads it (synth.allocation): its checks, and who each allocation is."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from synth.allocation import AllocationError, match_allocations, parse_allocation

FIXTURE = Path(__file__).parent / "data" / "allocation.csv"
HEADER = "allocation_id,arm,allocated_on,withdrawn_on,source,source_record_id"


def test_the_fixture_reads_as_one_row_per_record() -> None:
    frame = parse_allocation(FIXTURE.read_text(), str(FIXTURE))
    assert frame.height == 8
    assert frame["allocation_id"].unique().sort().to_list() == ["T1", "T2", "T3", "T4"]
    t2 = frame.filter(pl.col("allocation_id") == "T2").row(0, named=True)
    assert (t2["arm"], t2["allocated_on"], t2["withdrawn_on"]) == (
        "control",
        date(2026, 11, 16),
        date(2026, 12, 1),
    )
    assert frame.filter(pl.col("allocation_id") == "T1")["withdrawn_on"].null_count() == 3


def test_each_allocation_is_the_person_holding_most_of_its_records_ties_to_the_smallest_id() -> None:
    occurrences = "police_occurrences"
    identity = pl.DataFrame(
        [
            (occurrences, "OCC000000101", 10),
            ("police_custody", "CUS000000102", 11),
            ("health_ed_attendances", "ED000000103", 10),
            (occurrences, "OCC000000201", 21),
            (occurrences, "OCC000000202", 20),
            (occurrences, "OCC000000301", 30),
            (occurrences, "OCC000000302", 30),
        ],
        schema=["source", "source_record_id", "true_person_id"],
        orient="row",
    )
    matched = match_allocations(parse_allocation(FIXTURE.read_text(), "fixture"), identity)
    people = dict(matched.allocations.select("allocation_id", "true_person_id").iter_rows())
    assert people == {"T1": 10, "T2": 20, "T3": 30}  # T2 is a tie of one record each: the smaller id
    assert matched.unmatched == 1  # T4's only record is unknown to the world


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty: expected the header"),
        ("id,arm,allocated_on,withdrawn_on,source,source_record_id\n", "header: expected allocation_id"),
        (
            f"{HEADER}\nA1,treated,2026-11-16,,police_occurrences,OCC1\n",
            "line 2: arm: 'treated' is not one of",
        ),
        (f"{HEADER}\nA1,control,16/11/2026,,police_occurrences,OCC1\n", "line 2: allocated_on: '16/11/2026'"),
        (f"{HEADER}\nA1,control,2026-11-16,soon,police_occurrences,OCC1\n", "line 2: withdrawn_on: 'soon'"),
        (
            f"{HEADER}\nA1,control,2026-11-16,2026-11-01,police_occurrences,OCC1\n",
            "withdrawn_on: 2026-11-01 is before",
        ),
        (f"{HEADER}\nA1,control,2026-11-16,,police_occurrences\n", "line 2: expected 6 fields"),
        (f"{HEADER}\n,control,2026-11-16,,police_occurrences,OCC1\n", "line 2: allocation_id: empty"),
        (f"{HEADER}\nA1,control,2026-11-16,,police_occurrences,\n", "line 2: source_record_id: empty"),
        (
            f"{HEADER}\nA1,control,2026-11-16,,police_occurrences,OCC1\nA1,programme,2026-11-16,,police_custody,CUS1\n",
            "arm: allocation A1 has more than one arm",
        ),
    ],
)
def test_a_malformed_file_is_refused_naming_the_file_and_field(text: str, expected: str) -> None:
    with pytest.raises(AllocationError) as caught:
        parse_allocation(text, "exports/allocation.csv")
    assert str(caught.value).startswith("exports/allocation.csv: ")
    assert expected in str(caught.value)


def test_a_file_with_no_allocations_yet_is_read_as_none() -> None:
    frame = parse_allocation(HEADER + "\n", "exports/allocation.csv")
    assert frame.height == 0
    identity = frame.select("source", "source_record_id", pl.lit(1).alias("true_person_id"))
    matched = match_allocations(frame, identity)
    assert matched.allocations.height == 0 and matched.unmatched == 0
