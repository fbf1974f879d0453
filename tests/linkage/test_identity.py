"""Stable person ids, clerical decisions and cross-references, on frames worked out by hand."""

from __future__ import annotations

import polars as pl

from linkage.identity import apply_decisions, assign_person_ids, review_queue, xref

PREVIOUS_SCHEMA = {"source": pl.String, "source_record_id": pl.String, "person_id": pl.Int64}


def members(clusters: dict[str, list[str]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"source": "s", "source_record_id": r, "cluster": c}
            for c, records in clusters.items()
            for r in records
        ]
    )


def previous(people: dict[int, list[str]]) -> pl.DataFrame:
    rows = [
        {"source": "s", "source_record_id": r, "person_id": p}
        for p, records in people.items()
        for r in records
    ]
    return pl.DataFrame(rows, schema=PREVIOUS_SCHEMA)


def ids(assigned: pl.DataFrame) -> dict[str, int]:
    return dict(assigned.iter_rows())


def test_the_first_run_numbers_people_in_record_order() -> None:
    assigned, changes = assign_person_ids(
        members({"x": ["b1", "b2"], "y": ["a1"]}), previous({}), first_new_id=1
    )
    assert ids(assigned) == {"y": 1, "x": 2}
    assert changes.height == 0


def test_people_keep_their_ids_when_new_records_arrive() -> None:
    assigned, changes = assign_person_ids(
        members({"x": ["a1", "a2", "a3"], "y": ["b1"], "z": ["c1"]}),
        previous({7: ["a1", "a2"], 9: ["b1"]}),
        first_new_id=10,
    )
    assert ids(assigned) == {"x": 7, "y": 9, "z": 10}
    assert changes.height == 0


def test_a_merge_keeps_the_larger_persons_id_and_is_recorded() -> None:
    assigned, changes = assign_person_ids(
        members({"x": ["a1", "a2", "b1"]}), previous({7: ["a1", "a2"], 9: ["b1"]}), first_new_id=10
    )
    assert ids(assigned) == {"x": 7}
    assert changes.rows() == [("merge", 9, 7, 1)]


def test_a_split_keeps_the_id_where_most_records_stay_and_is_recorded() -> None:
    assigned, changes = assign_person_ids(
        members({"x": ["a1", "a2"], "y": ["a3"]}), previous({7: ["a1", "a2", "a3"]}), first_new_id=10
    )
    assert ids(assigned) == {"x": 7, "y": 10}
    assert changes.rows() == [("split", 7, 10, 1)]


PAIRS = pl.DataFrame(
    {
        "registration_l": ["b", "c", "e"],
        "registration_r": ["a", "d", "f"],
        "match_probability": [0.95, 0.9995, 0.92],
        "match_weight": [4.0, 11.0, 3.5],
    }
)
DECISIONS = pl.DataFrame(
    {
        "registration_l": ["c", "a", "x"],
        "registration_r": ["d", "b", "y"],
        "decision": ["reject", "accept", "accept"],
    }
)


def test_rejected_pairs_are_dropped_and_accepted_pairs_linked_whatever_their_score() -> None:
    edges = apply_decisions(PAIRS, DECISIONS).sort("registration_l")
    assert edges.select("registration_l", "registration_r", "match_probability", "method").rows() == [
        ("a", "b", 1.0, "clerical"),
        ("e", "f", 0.92, "probabilistic"),
        ("x", "y", 1.0, "clerical"),
    ]


def test_the_queue_holds_undecided_pairs_in_the_review_band() -> None:
    queue = review_queue(PAIRS, DECISIONS, review_threshold=0.9, match_threshold=0.999)
    assert queue.select("registration_l", "registration_r").rows() == [("e", "f")]


def test_each_record_says_how_it_was_linked() -> None:
    records = pl.DataFrame(
        {
            "source": ["s"] * 6,
            "source_record_id": ["1", "2", "3", "4", "5", "6"],
            "person_id": [1, 1, 1, 2, 2, 3],
            "registration": ["a", "a", "b", "c", "c", "d"],
        }
    )
    edges = pl.DataFrame(
        {
            "registration_l": ["a"],
            "registration_r": ["b"],
            "match_probability": [0.9995],
            "method": ["probabilistic"],
        }
    )
    out = xref(records, edges, 0.999).select("source_record_id", "match_probability", "method").rows()
    assert out == [
        ("1", 0.9995, "probabilistic"),
        ("2", 0.9995, "probabilistic"),
        ("3", 0.9995, "probabilistic"),
        ("4", 1.0, "identifier"),
        ("5", 1.0, "identifier"),
        ("6", None, "none"),
    ]
