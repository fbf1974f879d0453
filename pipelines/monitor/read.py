"""Reading what monitoring measures from the warehouse: the runs that recorded predictions, each run's
predictions, the outcome's offences, who was listed and who was allocated, all under the person ids
their records belong to now (so a person linkage merged since a run keeps their prediction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from data_contracts.contract import load_contracts
from features.events import SCHEMAS, Events
from features.police import offences_with_codes
from pipelines.train.run import OUTCOME_SOURCE
from pipelines.warehouse.event_frames import linked_records_sql, merged_ids_sql, records_params
from pipelines.warehouse.queries import read_frame, sql

PREDICTIONS = pl.Schema(
    {
        "person_id": pl.Int64(), "probability": pl.Float64(), "margin": pl.Float64(), "band": pl.String(),
        "age": pl.Int64(), "listed": pl.Boolean(), "within_capacity": pl.Boolean(),
    }
)  # fmt: skip
ALLOCATIONS = pl.Schema(
    {"person_id": pl.Int64(), "arm": pl.String(), "randomised": pl.Boolean(), "allocated_on": pl.Date()}
)
LISTINGS = pl.Schema({"person_id": pl.Int64(), "first_listed": pl.Date()})
BINS = pl.Schema({"feature": pl.String(), "bin": pl.Int16(), "people": pl.Int64()})


class MonitoringError(RuntimeError):
    """Monitoring cannot measure the warehouse; the message says why and what to do."""


@dataclass(frozen=True)
class RecordedRun:
    """A published weekly run that recorded what its model predicted."""

    run_id: int
    as_of: date
    model_version: str
    scored: int
    listed: int
    within_capacity: int
    capacity: int

    @property
    def list_size(self) -> int:
        """The places the run filled (its capacity when it filled none)."""
        return self.within_capacity or self.capacity


def known_until(con: duckdb.DuckDBPyConnection) -> date:
    """The day the outcome's source (police occurrences) is complete to: its latest extract loaded.

    Raises:
        MonitoringError: no police occurrences are loaded.
    """
    ((until,),) = con.execute(sql("train/known_until"), [OUTCOME_SOURCE]).fetchall()
    if until is None:
        raise MonitoringError(
            f"no {OUTCOME_SOURCE} extract is loaded: no outcome can be known; run `cohort ingest`"
        )
    assert isinstance(until, date)
    return until


def recorded_runs(con: duckdb.DuckDBPyConnection, until: date) -> list[RecordedRun]:
    """The published runs with recorded predictions made on or before ``until``, oldest first."""
    return [RecordedRun(*row) for row in con.execute(sql("monitor/runs"), {"until": until}).fetchall()]


def run_predictions(con: duckdb.DuckDBPyConnection, run_id: int) -> pl.DataFrame:
    """One run's predictions (PREDICTIONS) under today's person ids, in person id order."""
    return read_frame(
        con, f"WITH {merged_ids_sql(None)} {sql('monitor/predictions')}", PREDICTIONS, {"run_id": run_id}
    )


def allocations(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Everyone the trial allocated (ALLOCATIONS) under today's person ids."""
    return read_frame(con, f"WITH {merged_ids_sql(None)} {sql('monitor/allocations')}", ALLOCATIONS)


def listings(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The first reference date each person was on any list (LISTINGS), under today's person ids."""
    return read_frame(con, f"WITH {merged_ids_sql(None)} {sql('monitor/listings')}", LISTINGS)


def run_bins(con: duckdb.DuckDBPyConnection, run_id: int) -> pl.DataFrame:
    """A run's people per feature and fine bin (BINS)."""
    rows = con.execute(sql("monitor/feature_summary"), [run_id]).fetchall()
    return pl.DataFrame(rows, schema=BINS, orient="row")


def offences(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every police occurrence of the current loads with its person, role and serious-violence flag
    (features.police.offences_with_codes): what the outcome is counted from, as in training."""
    contract = load_contracts()[OUTCOME_SOURCE]
    address = SCHEMAS["addresses"]
    query = f"WITH linked AS ({linked_records_sql(contract)}) {sql('events/occurrences')}"
    frame = read_frame(
        con, query, pl.Schema({**SCHEMAS["occurrences"], **address}), records_params(OUTCOME_SOURCE, None)
    )
    return offences_with_codes(Events.of(occurrences=frame.select(SCHEMAS["occurrences"].names())))
