"""Who a draw may allocate, read from the warehouse: the list it draws for, the people found suitable,
those allocated before (refused a second draw), and the programme places free."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb
import polars as pl

from lists.trial_pool import CANDIDATE_SCHEMA
from lists.trial_settings import TrialSettings
from pipelines.trial.refusals import TrialRefused
from pipelines.warehouse.event_frames import merged_ids_sql
from pipelines.warehouse.queries import read_frame, sql

SUITABLE_SCHEMA = pl.Schema(
    {
        **CANDIDATE_SCHEMA,
        "decided_on": pl.Date(),
        "recorded_at": pl.Datetime("us"),
        "cohort_end_date": pl.Date(),
    }
)
ALLOCATED_SCHEMA = pl.Schema({"person_id": pl.Int64(), "drawn_at": pl.Datetime("us")})
RECORDS_SCHEMA = pl.Schema({"person_id": pl.Int64(), "source": pl.String(), "source_record_id": pl.String()})


@dataclass(frozen=True)
class ListDrawn:
    """The published list a draw is for."""

    run_id: int
    link_run: str | None
    mode: str


@dataclass(frozen=True)
class Suitable:
    """The people found suitable for a draw, and those left out before the pool is formed."""

    candidates: pl.DataFrame  # CANDIDATE_SCHEMA: may enter the pool (by route and design)
    already_allocated: int  # allocated before on the acceptance they still hold: not drawn again
    refused_second_draw: int  # accepted again after an allocation: refused a second draw
    acceptance_too_short: int  # their acceptance ends before a place would (they could be listed again)


def published_list(con: duckdb.DuckDBPyConnection, as_of: date) -> ListDrawn:
    """The list published for ``as_of``, drawn up on the latest linkage run.

    Raises:
        TrialRefused: no list is published for as_of, or linkage has run since it was drawn up
            (person ids may have changed).
    """
    found = con.execute(sql("trial/published_list"), {"as_of": as_of}).fetchall()
    if not found:
        raise TrialRefused(
            f"no list is published for {as_of:%d/%m/%Y}: draw it up first (`cohort weekly --as-of "
            f"{as_of.isoformat()}`), record the panel's decisions, then allocate"
        )
    run_id, link_run, mode = found[0]
    latest = con.execute(sql("events/pinned_link_run")).fetchall()
    if latest and latest[0][0] != link_run:
        raise TrialRefused(
            f"the list for {as_of:%d/%m/%Y} (run {run_id}) was drawn up before the latest linkage run, so "
            f"its person ids may have changed: draw the list up again (`cohort weekly --as-of "
            f"{as_of.isoformat()}`), then allocate"
        )
    return ListDrawn(int(run_id), link_run, str(mode))


def waiting_since(as_of: date, settings: TrialSettings) -> date:
    """The earliest decision a draw for ``as_of`` takes: the 7 x (1 + waiting_weeks) days up to as_of."""
    return as_of - timedelta(days=7 * (1 + settings.waiting_weeks) - 1)


def suitable_people(
    con: duckdb.DuckDBPyConnection, as_of: date, settings: TrialSettings, *, now: datetime, on: date
) -> Suitable:
    """The people the panel found suitable for the draw for ``as_of`` made on ``on`` (see
    trial/suitable.sql), less those allocated before and those whose acceptance would end before
    their programme place (so that nobody allocated is put to the panel again while allocated)."""
    found = read_frame(
        con, f"WITH {merged_ids_sql(None)}, {sql('trial/suitable')}", SUITABLE_SCHEMA,
        {"on": on, "now": now, "since": waiting_since(as_of, settings)},
    )  # fmt: skip
    allocated = with_people(con, found.select("person_id"), "trial/already_allocated", ALLOCATED_SCHEMA)
    before = found.join(allocated, on="person_id", how="inner")
    again = before.filter(pl.col("recorded_at") > pl.col("drawn_at")).height
    fresh = found.join(allocated, on="person_id", how="anti")
    held_until = on + timedelta(weeks=settings.programme_weeks)
    lasting = pl.col("cohort_end_date").is_null() | (pl.col("cohort_end_date") >= held_until)
    return Suitable(
        fresh.filter(lasting).select(CANDIDATE_SCHEMA.names()),
        before.height - again,
        again,
        fresh.filter(~lasting).height,
    )


def with_people(
    con: duckdb.DuckDBPyConnection, people: pl.DataFrame, query: str, schema: pl.Schema
) -> pl.DataFrame:
    """Run a trial query over the person ids in ``people`` (registered as ``_people``)."""
    con.register("_people", people.select(pl.col("person_id").cast(pl.Int64)).to_arrow())
    try:
        return read_frame(con, sql(query), schema)
    finally:
        con.unregister("_people")


def free_places(con: duckdb.DuckDBPyConnection, on: date, settings: TrialSettings) -> tuple[int, int]:
    """(places free, places taken) on ``on``: capacity less programme allocations still held."""
    taken = int(
        con.execute(
            sql("trial/places_taken"), {"on": on, "programme_days": 7 * settings.programme_weeks}
        ).fetchall()[0][0]
    )
    return max(settings.capacity - taken, 0), taken
