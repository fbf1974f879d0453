"""The weekly increment's pure steps, on registrations and pairs worked out by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from linkage.increment import (
    TOUCHED,
    combined_pairs,
    kept_pairs,
    mark_touched,
    registration_changes,
    touching_only,
)
from linkage.model import PAIR_SCHEMA

SCHEMA = {
    "registration": pl.String, "forename": pl.String, "surname": pl.String, "dob": pl.Date, "sex": pl.String,
    "postcode": pl.String, "postcodes": pl.List(pl.String), "records": pl.Int64,
}  # fmt: skip


def registration(key: str, **changed: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "registration": key, "forename": "ADAM", "surname": "SMITH", "dob": date(2008, 3, 1), "sex": "M",
        "postcode": "MK9 1AA", "postcodes": ["MK9 1AA"], "records": 1,
    }  # fmt: skip
    return {**row, **changed}


def frame(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SCHEMA)


def pairs(*rows: tuple[str, str, float]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"registration_l": a, "registration_r": b, "match_probability": p, "match_weight": 10.0}
            for a, b, p in rows
        ],
        schema=PAIR_SCHEMA,
    )


def test_new_changed_and_removed_registrations_are_found_and_more_records_alone_is_no_change() -> None:
    before = frame(
        registration("a"), registration("b"), registration("c"), registration("d", forename=None),
        registration("e"),
    )  # fmt: skip
    now = frame(
        registration("a", records=5),  # more records, the same fields: unchanged
        registration("b", surname="SMYTH"),
        registration("d", forename=None),  # null on both sides: unchanged
        registration("e", postcodes=["MK9 1AA", "MK10 2BB"]),  # an earlier postcode given
        registration("f"),
    )  # fmt: skip
    changes = registration_changes(before, now)
    assert changes.rows() == [("b", "changed"), ("c", "removed"), ("e", "changed"), ("f", "new")]


def test_a_field_becoming_null_is_a_change() -> None:
    changes = registration_changes(frame(registration("a")), frame(registration("a", dob=None)))
    assert changes.rows() == [("a", "changed")]


def test_touched_marks_new_and_changed_registrations_only() -> None:
    changes = pl.DataFrame({"registration": ["b", "c", "f"], "change": ["changed", "removed", "new"]})
    marked = mark_touched(frame(registration("a"), registration("b"), registration("f")), changes)
    assert dict(marked.select("registration", TOUCHED).rows()) == {"a": False, "b": True, "f": True}


def test_the_blocking_rules_keep_their_order_and_gain_the_touched_condition() -> None:
    model = {
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": 'l."dob" = r."dob"', "sql_dialect": "duckdb"},
            {"blocking_rule": '(l."surname" = r."surname") AND (l."forename" = r."forename")'},
        ],
        "comparisons": [{"output_column_name": "dob"}],
    }
    restricted = touching_only(model)
    assert [r["blocking_rule"] for r in restricted["blocking_rules_to_generate_predictions"]] == [
        '(l."dob" = r."dob") AND (l."touched" OR r."touched")',
        '((l."surname" = r."surname") AND (l."forename" = r."forename")) AND (l."touched" OR r."touched")',
    ]
    assert model["blocking_rules_to_generate_predictions"][0]["blocking_rule"] == 'l."dob" = r."dob"'
    assert restricted["comparisons"] == model["comparisons"]


def test_pairs_with_a_changed_or_removed_side_are_dropped_and_the_rest_kept() -> None:
    stored = pairs(("a", "b", 0.99), ("a", "c", 0.95), ("a", "d", 0.999), ("d", "e", 0.91))
    changes = pl.DataFrame({"registration": ["b", "e", "f"], "change": ["changed", "removed", "new"]})
    assert kept_pairs(stored, changes).rows() == [("a", "c", 0.95, 10.0), ("a", "d", 0.999, 10.0)]


def test_kept_and_newly_scored_pairs_are_clustered_together() -> None:
    combined = combined_pairs(pairs(("c", "d", 0.95)), pairs(("a", "f", 0.999), ("b", "c", 0.92)))
    assert combined.select("registration_l", "registration_r").rows() == [("a", "f"), ("b", "c"), ("c", "d")]


def test_a_newly_scored_pair_that_was_also_kept_is_refused() -> None:
    with pytest.raises(ValueError, match="already stored"):
        combined_pairs(pairs(("a", "b", 0.95)), pairs(("a", "b", 0.97)))
