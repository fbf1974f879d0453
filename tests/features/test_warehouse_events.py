"""Events and people read from a linked warehouse: every current staged record once, with its person."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from data_contracts.contract import load_contracts, reference_codes
from features.build import build_features
from pipelines.warehouse.connection import connect
from pipelines.warehouse.copy import copy_warehouse
from pipelines.warehouse.event_frames import EXTRACTS, read_events, read_people


def test_every_current_staged_record_is_one_event_of_a_linked_person(linked: Path) -> None:
    with duckdb.connect(str(linked), read_only=True) as con:
        events, people = read_events(con), read_people(con)
        for kind, source in EXTRACTS.items():
            current = f"staging.{source} JOIN meta.load l USING (load_id) WHERE l.status = 'loaded'"
            staged = con.sql(f"SELECT count(*) FROM {current}").fetchall()[0][0]
            frame = events.frames()[kind]
            assert frame.height == staged > 0, kind
            assert frame["person_id"].is_in(people["person_id"].implode()).all(), kind


def test_features_for_every_linked_person(linked: Path) -> None:
    with duckdb.connect(str(linked), read_only=True) as con:
        events, people = read_events(con), read_people(con)
    built = build_features(events, people, date(2026, 11, 16))
    assert built.height == people.height
    assert (
        built["police_offences_ever"].sum()
        == events.occurrences.filter(
            (events.occurrences["role"] == "suspect")
            & (events.occurrences["recorded_date"] < date(2026, 11, 16))
        ).height
    )


def test_addresses_are_every_current_record_with_a_postcode_or_ethnicity(linked: Path) -> None:
    contracts = load_contracts()
    with duckdb.connect(str(linked), read_only=True) as con:
        events = read_events(con)
        expected = 0
        for source in EXTRACTS.values():
            columns = contracts[source].columns
            ethnicity = [c.staging_name for c in columns if c.codes_source == "ethnicity_codes"]
            stated = " OR ".join(["postcode IS NOT NULL", *(f"{c} IS NOT NULL" for c in ethnicity)])
            current = f"staging.{source} JOIN meta.load l USING (load_id) WHERE l.status = 'loaded'"
            expected += con.sql(f"SELECT count(*) FROM {current} AND ({stated})").fetchall()[0][0]
    addresses = events.addresses
    assert addresses.height == expected
    stated = addresses["ethnicity"].drop_nulls()
    assert stated.len() > 0 and stated.is_in(list(reference_codes("ethnicity_codes", "code"))).all()


def test_ethnicity_deprivation_and_moves_out_of_the_area_reach_the_features(linked: Path) -> None:
    with duckdb.connect(str(linked), read_only=True) as con:
        events, people = read_events(con), read_people(con)
    built = build_features(events, people, date(2026, 11, 16))
    moved = built.filter(pl.col("person_moved_out"))
    assert moved.height > 0 and moved["person_moved_out_date"].is_not_null().all()
    assert (built["person_resident"] != built["person_moved_out"]).all()
    residents = built.filter(pl.col("person_resident"))
    assert residents["person_deprivation_decile"].null_count() < 0.05 * residents.height
    # people seen only in extracts without ethnicity (custody, searches, exclusions ...) have none
    assert built["person_ethnicity"].null_count() < 0.5 * built.height


def test_review_decisions_are_read_and_known_from_the_day_after_entry(linked: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    copy_warehouse(linked, warehouse, checkpoint=False)
    with connect(warehouse) as con:
        person = con.sql("SELECT min(person_id) FROM link.person").fetchall()[0][0]
        con.execute(
            "INSERT INTO review.decision BY NAME SELECT 1 AS decision_id, NULL AS run_id, "
            "? AS person_id, 'accept' AS decision, 'agreed at panel' AS reason, 'analyst' AS reviewer, "
            "DATE '2026-11-09' AS decided_on, TIMESTAMP '2026-11-09 15:00:00' AS recorded_at, "
            "TIMESTAMP '2026-11-09 15:00:00' AS made_at, 'analyst' AS recorded_by",
            [person],
        )
        events, people = read_events(con), read_people(con)
    assert events.decisions.rows() == [(person, date(2026, 11, 9), date(2026, 11, 9), "accept", None)]
    for as_of, member in ((date(2026, 11, 9), False), (date(2026, 11, 10), True)):
        built = build_features(events, people.filter(pl.col("person_id") == person), as_of)
        assert built["review_in_cohort"].item() is member
