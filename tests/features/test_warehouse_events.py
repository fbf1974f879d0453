"""Events and people read from a linked warehouse: every current staged record once, with its person."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from features.build import build_features
from pipelines.events import EXTRACTS, read_events, read_people


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
