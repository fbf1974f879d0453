"""Reading what the evaluation needs from the warehouse: the allocations (each followed to the person
who holds its records now), the data cut, and the allocated people's events.

The outcomes themselves are counted by governance.trial_evaluation.outcomes, from the same event
queries the features use (pipelines/warehouse/sql/events/), read here for the allocated people only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from data_contracts.contract import load_contracts
from features.events import SCHEMAS, Events
from governance.trial_evaluation.outcomes import ALLOCATION_SCHEMA, allocation_outcomes
from models.settings import load_settings
from pipelines.warehouse.event_frames import EXTRACTS, linked_records_sql, records_params
from pipelines.warehouse.queries import read_frame, sql


class EvaluationRefused(ValueError):
    """The evaluation cannot be made: nothing loaded, no allocations, or a follow-up or cut that makes
    no sense. The message says which option to change."""


@dataclass(frozen=True)
class TrialBasis:
    """The trial as the warehouse records it: its name, the span of its draws and the data cut."""

    trial: str | None
    first_draw: date | None
    last_draw: date | None
    waiting_weeks: int
    draws: int
    cut: date


def trial_basis(con: duckdb.DuckDBPyConnection, until: date | None) -> TrialBasis:
    """The trial's draws and the data cut: ``until``, else the newest extract date loaded.

    Raises:
        EvaluationRefused: no extract has been loaded (and no --until given), or --until is after it.
    """
    newest = con.execute(sql("trial/outcome_cut")).fetchall()[0][0]
    if newest is None:
        raise EvaluationRefused("no extract has been loaded into the warehouse: run `cohort ingest` first")
    if until is not None and until > newest:
        raise EvaluationRefused(
            f"--until {until:%Y-%m-%d} is after the newest extract loaded ({newest:%Y-%m-%d}): outcomes "
            "after it are not yet known; give --until on or before it, or leave it out"
        )
    trial, first, last, waiting, draws = con.execute(sql("trial/outcome_trial")).fetchall()[0]
    return TrialBasis(trial, first, last, int(waiting or 0), int(draws), until or newest)


def read_allocations(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every allocation (ALLOCATION_SCHEMA), with the person who holds most of its records now."""
    return read_frame(con, sql("trial/outcome_allocations"), ALLOCATION_SCHEMA)


def read_people_events(con: duckdb.DuckDBPyConnection, person_ids: list[int]) -> Events:
    """The events of the people given, each record once, from current loads and identities (the
    queries of pipelines.warehouse.event_frames, limited to these people)."""
    contracts = load_contracts()
    address = SCHEMAS["addresses"]
    con.register(
        "_trial_people",
        pl.DataFrame({"person_id": person_ids}, schema={"person_id": pl.Int64}).to_arrow(),
    )
    frames, addresses = {}, []
    try:
        for kind, source in EXTRACTS.items():
            linked = linked_records_sql(contracts[source])
            query = (
                f"WITH linked AS (SELECT * FROM ({linked}) WHERE person_id IN "
                f"(SELECT person_id FROM _trial_people)) {sql(f'events/{kind}')}"
            )
            schema = pl.Schema({**SCHEMAS[kind], **address})
            frame = read_frame(con, query, schema, records_params(source, None))
            frames[kind] = frame
            addresses.append(frame.select(address.names()))
    finally:
        con.unregister("_trial_people")
    return Events.of(**frames, addresses=pl.concat(addresses))


def read_outcomes(con: duckdb.DuckDBPyConnection, months: int, cut: date) -> pl.DataFrame:
    """Every allocation's outcomes over ``months`` of follow-up, as known at ``cut``
    (governance.trial_evaluation.outcomes.OUTCOME_SCHEMA).

    Raises:
        EvaluationRefused: the follow-up is not a positive number of months.
    """
    if months < 1:
        raise EvaluationRefused(
            f"--follow-up-months {months}: give a positive number of months (3, 6, 12 ...)"
        )
    allocations = read_allocations(con)
    events = read_people_events(con, allocations["person_id"].unique().to_list())
    roles = load_settings().roles
    return allocation_outcomes(allocations, events, months=months, cut=cut, roles=roles)
