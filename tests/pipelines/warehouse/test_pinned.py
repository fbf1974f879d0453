"""Linkage keeps the rows it replaces, so people and records read as any past linkage run left them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl

from pipelines.warehouse.connection import connect
from pipelines.warehouse.event_frames import Pinned, read_events, read_people
from pipelines.warehouse.queries import replace_rows

PEOPLE = pl.Schema(
    {"person_id": pl.Int64(), "dob": pl.Date(), "sex": pl.String(), "records": pl.Int32(),
     "sources": pl.List(pl.String())}
)  # fmt: skip
RUN = "INSERT INTO link.run (run_id, started_at, finished_at, status) VALUES (?, ?, ?, 'succeeded')"


def people(rows: list[tuple[int, date, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(p, d, s, 1, ["police_occurrences"]) for p, d, s in rows], schema=PEOPLE, orient="row"
    )


def test_people_read_as_each_linkage_run_left_them(tmp_path: Path) -> None:
    first = people([(1, date(2008, 1, 2), "M"), (2, date(2009, 3, 4), "F")])
    # the second run corrects person 1's date of birth, merges person 2 away and finds person 3
    second = people([(1, date(2008, 2, 1), "M"), (3, date(2010, 5, 6), "F")])
    third = people([(1, date(2008, 2, 1), "M"), (3, date(2010, 5, 6), "M")])  # then person 3's sex
    with connect(tmp_path / "w.duckdb") as con:
        for run, (frame, finished) in enumerate(
            (
                (first, datetime(2026, 11, 2)),
                (second, datetime(2026, 11, 9)),
                (third, datetime(2026, 11, 16)),
            ),
            start=1,
        ):
            con.execute(RUN, [f"r{run}", finished, finished])
            replace_rows(
                con,
                "link.person",
                frame,
                ("person_id",),
                {"run_id": f"r{run}"},
                history="link.person_history",
            )

        def at(run: str | None) -> pl.DataFrame:
            pinned = None if run is None else Pinned((), run, 0)
            return read_people(con, pinned).sort("person_id")

        columns = ["person_id", "dob", "sex"]
        assert at("r1").equals(first.select(columns))
        assert at("r2").equals(second.select(columns))
        assert at("r3").equals(third.select(columns))
        assert at(None).equals(third.select(columns))
        # only the replaced rows are kept: person 1 and 2 from r1, person 3 from r2
        assert con.execute("SELECT count(*) FROM link.person_history").fetchall()[0][0] == 3


def test_a_decision_follows_its_person_through_linkage_merges_as_at_each_run(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        for run, finished in (
            ("r1", datetime(2026, 11, 2)),
            ("r2", datetime(2026, 11, 9)),
            ("r3", datetime(2026, 11, 16)),
        ):
            con.execute(RUN, [run, finished, finished])
        # person 2 is merged into 3 by r2, and 3 into 5 by r3; a split of 5 into 6 moves nothing
        con.execute(
            "INSERT INTO link.id_change VALUES ('r2', 'merge', 2, 3, 4), ('r3', 'merge', 3, 5, 6), "
            "('r3', 'split', 5, 6, 1)"
        )
        con.execute(
            "INSERT INTO review.decision BY NAME SELECT 1 AS decision_id, 1 AS run_id, 2 AS person_id, "
            "'accept' AS decision, 'panel agreed' AS reason, 'A. Analyst' AS reviewer, "
            "DATE '2026-11-03' AS decided_on, TIMESTAMP '2026-11-03 10:00:00' AS recorded_at"
        )
        for run, person in (("r1", 2), ("r2", 3), ("r3", 5), (None, 5)):
            pinned = None if run is None else Pinned((), run, 1)
            assert read_events(con, pinned).decisions["person_id"].to_list() == [person], run
        assert read_events(con, Pinned((), "r3", 0)).decisions.height == 0  # decided after the run
