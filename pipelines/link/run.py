"""One linkage run: read staged records, link them, and write people and cross-references in one go.

The only I/O in the linkage package: everything it calls is a pure step (linkage.records,
linkage.model, linkage.identity). Written in one transaction, so a failed run leaves the
previous run's people, ids and review queue as they were. Only rows that changed are written,
so a weekly increment costs little: a row's run_id is the run that last changed it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any
from uuid import uuid4

import duckdb
import polars as pl

from data_contracts.contract import load_contracts
from linkage import identity, model
from linkage.config import LinkSettings, load_settings
from linkage.records import RECORD_SCHEMA, records_sql, registrations
from pipelines.clock import Clock
from pipelines.files import private_folder, write_private
from pipelines.paths import linkage_folder
from pipelines.steps import Step, direct
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.connection import connect
from pipelines.warehouse.queries import insert_frame, quote, read_frame, replace_rows, sql, transaction

FLOW_NAME = "link-identities"
LAST_PEOPLE_SCHEMA = pl.Schema({"registration": pl.String(), "person_id": pl.Int64(), "records": pl.Int64()})
SPILL_PREFIX = "cohort-splink-"
"""How a run's spill folder for Splink's working tables (in the system's temporary folder) is named."""


class NothingToLink(RuntimeError):
    """The warehouse holds no staged records."""


@dataclass(frozen=True)
class LinkResult:
    """What one run did."""

    run_id: str
    trained: bool
    records: int
    registrations: int
    persons: int
    pairs_linked: int
    pairs_for_review: int
    merges: int
    splits: int
    artefacts: Path


def read_records(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every staged record of a current load, from every extract, in the common record shape."""
    return pl.concat([read_frame(con, records_sql(c), RECORD_SCHEMA) for c in load_contracts().values()])


def pair_id(left: str, right: str) -> str:
    """A short, stable name for a pair of registrations (shown to reviewers; not an identifier)."""
    return hashlib.sha256(f"{left}\x00{right}".encode()).hexdigest()[:12]


def _artefact_folder(warehouse: Path, run_id: str) -> Path:
    return private_folder(linkage_folder(warehouse) / run_id)


def run_link(
    warehouse: Path,
    *,
    clock: Clock,
    settings: LinkSettings | None = None,
    retrain: bool = False,
    step: Step = direct,
) -> LinkResult:
    """Link every staged record to a person, keeping person ids stable across runs.

    Args:
        warehouse: the DuckDB warehouse.
        clock: the wall clock (the CLI and the flow pass :func:`pipelines.clock.system_clock`).
        settings: the linkage settings (default: linkage/settings.yaml).
        retrain: train a new model even if an earlier run's model could be reused.
        step: runs each named step (Prefect's makes each a task run).

    Returns:
        The run's counts and where its model and charts were saved.

    Raises:
        NothingToLink: if no extract has been ingested yet.
    """
    settings = settings or load_settings()
    run_id = uuid4().hex[:8]
    # an owner-only folder (it may hold names and dates of birth), removed when the run ends however it
    # ends; a folder that cannot be removed is left rather than failing a run that has written its results
    spill = TemporaryDirectory(prefix=SPILL_PREFIX, ignore_cleanup_errors=True)
    with connect(warehouse) as con, spill as folder:
        con.execute(sql("link/interrupt_runs"))  # the warehouse lock means no other run is going
        con.execute(sql("link/start_run"), [run_id, clock()])
        try:
            result = _link(con, warehouse, run_id, settings, retrain, step, clock, Path(folder))
        except BaseException:
            con.execute(sql("link/fail_run"), [clock(), run_id])
            raise
    return result


def finish_run_sql(counts: Mapping[str, object]) -> str:
    """UPDATE a link run (``$run_id``) as succeeded at ``$finished_at``, with each count bound by name."""
    assignments = ", ".join(f"{quote(name)} = ${name}" for name in counts)
    return (
        f"UPDATE link.run SET {assignments}, status = 'succeeded', finished_at = $finished_at "
        "WHERE run_id = $run_id"
    )


def _link(
    con: duckdb.DuckDBPyConnection, warehouse: Path, run_id: str, settings: LinkSettings, retrain: bool,
    step: Step, clock: Clock, spill: Path,
) -> LinkResult:  # fmt: skip
    records = step("read staged records", read_records, con)
    if records.height == 0:
        raise NothingToLink("no staged records to link: run `cohort ingest` first")
    keyed, described = step("group records by identifier", registrations, records, settings.sex_codes)
    stored = None if retrain else con.execute(sql("link/latest_model")).fetchall()
    previous_model = json.loads(stored[0][0]) if stored else None
    frame = model.comparison_frame(described)
    linker, _, blocking = step("prepare the Splink model", model.new_linker, frame, settings, previous_model,
                               spill / "model")  # fmt: skip
    if previous_model is None:
        step("train the Splink model", model.train, linker, settings)
    pairs = step("score pairs", model.score_pairs, linker, settings.review_threshold)
    decisions = read_frame(con, sql("link/review_decisions"), identity.DECISION_SCHEMA)
    edges = identity.apply_decisions(pairs, decisions)
    clusters = step("cluster at the threshold", model.clusters, described["registration"], edges,
                    settings.match_threshold, spill / "clusters")  # fmt: skip
    last = read_frame(con, sql("link/last_people"), LAST_PEOPLE_SCHEMA)
    first_new = int(con.execute(sql("link/next_person_id")).fetchall()[0][0])
    assigned, changes = identity.assign_person_ids(clusters, last, first_new)
    placed = (
        described.select("registration", "records")
        .join(clusters, on="registration")
        .join(assigned, on="cluster")
    )
    persons = identity.people(described.join(placed.select("registration", "person_id"), on="registration"))
    xref = identity.xref(keyed, placed, edges, settings.match_threshold)
    queue = identity.review_queue(pairs, decisions, settings.review_threshold, settings.match_threshold)

    folder = _artefact_folder(warehouse, run_id)
    model_json = linker.misc.save_model_to_json()
    write_private(folder / "model.json", json.dumps(model_json, indent=1))
    blocking_rows = blocking.rows if blocking else None
    write_private(folder / "blocking.json", json.dumps(blocking_rows, indent=1))
    for name, page in step("draw the charts", model.chart_pages, linker).items():
        write_private(folder / name, page)

    counts = {
        "trained": previous_model is None,
        "load_ids": sorted(records["load_id"].unique().to_list()),
        "settings": settings.text,
        "model_json": json.dumps(model_json),
        "blocking_json": json.dumps(blocking_rows),
        "records": records.height,
        "registrations": described.height,
        "persons": persons.height,
        "pairs_scored": pairs.height,
        "pairs_linked": edges.filter(pl.col("match_probability") >= settings.match_threshold).height,
        "pairs_for_review": queue.height,
        "merges": changes.filter(pl.col("kind") == "merge").height,
        "splits": changes.filter(pl.col("kind") == "split").height,
        "max_person_id": max(first_new - 1, int(assigned["person_id"].max() or 0)),  # type: ignore[arg-type]
        "artefacts": str(folder),
    }
    step("write people and cross-references", _write, con, run_id, described, persons, xref, changes, queue,
         counts, clock())  # fmt: skip
    return LinkResult(
        run_id, counts["trained"], records.height, described.height, persons.height, counts["pairs_linked"],
        queue.height, counts["merges"], counts["splits"], folder,
    )  # fmt: skip


def _write(
    con: duckdb.DuckDBPyConnection, run_id: str, described: pl.DataFrame, persons: pl.DataFrame,
    xref: pl.DataFrame,
    changes: pl.DataFrame, queue: pl.DataFrame, counts: dict[str, Any], finished_at: datetime,
) -> None:  # fmt: skip
    with transaction(con):
        stamp = {"run_id": run_id}
        replace_rows(con, "link.registration", described, ("registration",), stamp)
        replace_rows(con, "link.person", persons, ("person_id",), stamp, history="link.person_history")
        replace_rows(
            con, "link.xref", xref, ("source", "source_record_id"), stamp, history="link.xref_history"
        )
        con.execute(sql("link/clear_review_queue"))
        insert_frame(con, "link.id_change", changes.with_columns(pl.lit(run_id).alias("run_id")))
        insert_frame(
            con, "link.review_pair",
            queue.with_columns(
                pl.struct("registration_l", "registration_r")
                .map_elements(lambda p: pair_id(p["registration_l"], p["registration_r"]),
                              return_dtype=pl.String)
                .alias("pair_id"),
                pl.lit(run_id).alias("run_id"),
            ),
        )  # fmt: skip
        con.execute(finish_run_sql(counts), {**counts, "finished_at": finished_at, "run_id": run_id})
        audit.record(
            con, f"flow:{FLOW_NAME}", "combine",
            f"link run {run_id}: {counts['records']} records from loads {counts['load_ids']} linked into "
            f"{counts['persons']} people",
            rows=counts["records"], at=finished_at,
        )  # fmt: skip
