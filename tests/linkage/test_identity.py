"""Stable person ids, clerical decisions and cross-references, on frames worked out by hand."""

from __future__ import annotations

import polars as pl
import pytest

from linkage.identity import apply_decisions, assign_person_ids, review_queue, xref

PREVIOUS_SCHEMA = {"registration": pl.String, "person_id": pl.Int64, "records": pl.Int64}


def members(clusters: dict[str, list[str]]) -> pl.DataFrame:
    """Registrations (one letter each) in this run's clusters."""
    return pl.DataFrame([{"registration": r, "cluster": c} for c, regs in clusters.items() for r in regs])


def previous(people: dict[int, dict[str, int]]) -> pl.DataFrame:
    """Last run's people: person id -> {registration: records linked to them}."""
    rows = [
        {"registration": r, "person_id": p, "records": n}
        for p, registrations in people.items()
        for r, n in registrations.items()
    ]
    return pl.DataFrame(rows, schema=PREVIOUS_SCHEMA)


def ids(assigned: pl.DataFrame) -> dict[str, int]:
    return dict(assigned.iter_rows())


def test_the_first_run_numbers_people_in_order_of_their_first_registration() -> None:
    assigned, changes = assign_person_ids(members({"x": ["b", "c"], "y": ["a"]}), previous({}), 1)
    assert ids(assigned) == {"y": 1, "x": 2}
    assert changes.height == 0


def test_people_keep_their_ids_when_new_records_arrive() -> None:
    assigned, changes = assign_person_ids(
        members({"x": ["a", "d"], "y": ["b"], "z": ["c"]}),
        previous({7: {"a": 2}, 9: {"b": 1}}),
        first_new_id=10,
    )
    assert ids(assigned) == {"x": 7, "y": 9, "z": 10}
    assert changes.height == 0


def test_a_merge_keeps_the_id_of_the_person_with_more_records_and_is_recorded() -> None:
    assigned, changes = assign_person_ids(
        members({"x": ["a", "b"]}), previous({7: {"a": 2}, 9: {"b": 1}}), first_new_id=10
    )
    assert ids(assigned) == {"x": 7}
    assert changes.rows() == [("merge", 9, 7, 1)]


def test_records_not_registrations_decide_who_keeps_the_id() -> None:
    assigned, changes = assign_person_ids(
        members({"x": ["a", "b", "c"]}), previous({7: {"a": 1, "b": 1}, 9: {"c": 5}}), first_new_id=10
    )
    assert ids(assigned) == {"x": 9}
    assert changes.rows() == [("merge", 7, 9, 2)]


def test_a_split_keeps_the_id_where_most_records_stay_and_is_recorded() -> None:
    assigned, changes = assign_person_ids(
        members({"x": ["a"], "y": ["b"]}), previous({7: {"a": 2, "b": 1}}), first_new_id=10
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
            "registration": ["a", "a", "b", "c", "c", "d"],
        }
    )
    placed = pl.DataFrame(
        {"registration": ["a", "b", "c", "d"], "person_id": [1, 1, 2, 3], "records": [2, 1, 2, 1]}
    )
    edges = pl.DataFrame(
        {
            "registration_l": ["a", "a"],
            "registration_r": ["b", "b"],
            "match_probability": [0.9995, 0.9995],
            "match_weight": [10.9646, 10.9646],
            "method": ["probabilistic", "clerical"],
        }
    )
    out = xref(records, placed, edges, 0.999).sort("source_record_id")
    assert out.select("source_record_id", "person_id", "match_probability", "method").rows() == [
        ("1", 1, 0.9995, "clerical"),
        ("2", 1, 0.9995, "clerical"),
        ("3", 1, 0.9995, "clerical"),
        ("4", 2, 1.0, "identifier"),
        ("5", 2, 1.0, "identifier"),
        ("6", 3, None, "none"),
    ]


def test_splink_probabilities_are_kept_to_a_hundredth_of_a_bit_and_never_below_the_threshold() -> None:
    records = pl.DataFrame({"source": ["s", "s"], "source_record_id": ["1", "2"], "registration": ["a", "b"]})
    placed = pl.DataFrame({"registration": ["a", "b"], "person_id": [1, 1], "records": [1, 1]})
    weight = 9.9645  # just above 0.999's weight, 9.96434
    drifted = [weight + 0.0003, weight]
    stored = [
        xref(records, placed, pl.DataFrame({
            "registration_l": ["a"], "registration_r": ["b"], "match_probability": [1 / (1 + 2**-w)],
            "match_weight": [w], "method": ["probabilistic"],
        }), 0.999)["match_probability"].to_list()
        for w in drifted
    ]  # fmt: skip
    assert stored[0] == stored[1]  # a shift in the tenth decimal place changes nothing stored
    assert stored[0][0] == pytest.approx(1 / (1 + 2**-9.97)) and stored[0][0] >= 0.999
