"""One linkage run: read staged records, link them, and write people and cross-references in one go.

The only I/O in the linkage package: everything it calls is a pure step (linkage.records,
linkage.model, linkage.increment, linkage.identity). A run is an *increment* when the last
successful run kept its scored pairs and used the same settings: only pairs touching a new or
changed registration are scored, with the last run's model. Otherwise (the first run, --full,
--retrain, or changed settings) it is a full relink, scoring every candidate pair. Written in one
transaction, so a failed run leaves the previous run's people, ids and review queue as they were.
Only rows that changed are written (pipelines.link.write): a row's run_id is the run that last
changed it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any
from uuid import uuid4

import duckdb
import polars as pl

from data_contracts.contract import load_contracts
from linkage import identity, increment, model
from linkage.config import LinkSettings, load_settings
from linkage.records import RECORD_SCHEMA, records_sql, registrations
from pipelines.clock import Clock
from pipelines.files import private_folder, write_private
from pipelines.link.write import LinkTables, write_link
from pipelines.paths import linkage_folder
from pipelines.steps import Step, direct
from pipelines.warehouse.connection import connect
from pipelines.warehouse.queries import read_frame, sql

LAST_PEOPLE_SCHEMA = pl.Schema({"registration": pl.String(), "person_id": pl.Int64(), "records": pl.Int64()})
STORED_REGISTRATION_SCHEMA = pl.Schema(
    {"registration": pl.String(), "forename": pl.String(), "surname": pl.String(), "dob": pl.Date(),
     "sex": pl.String(), "postcode": pl.String(), "postcodes": pl.List(pl.String())}
)  # fmt: skip
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
    increment: bool = False
    registrations_changed: int = 0  # new, changed or removed since the last run
    pairs_scored: int = 0  # scored by Splink in this run, at or above the review threshold
    relinked: int = 0  # registrations given a person they did not have before
    rows_inserted: int = 0
    rows_deleted: int = 0


@dataclass(frozen=True)
class Scored:
    """The pairs a run clusters, and how it came by them."""

    pairs: pl.DataFrame  # every pair at or above the review threshold (stored or scored now)
    scored: int  # how many of them Splink scored in this run
    changes: pl.DataFrame  # registration, change (linkage.increment.registration_changes)
    model_json: dict[str, Any]
    blocking: model.BlockingChoice | None
    linker: Any  # the Splink linker of a full run (for its charts); None for an increment
    trained: bool = False  # a new model was trained for this run


def read_records(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every staged record of a current load, from every extract, in the common record shape."""
    return pl.concat([read_frame(con, records_sql(c), RECORD_SCHEMA) for c in load_contracts().values()])


def _artefact_folder(warehouse: Path, run_id: str) -> Path:
    return private_folder(linkage_folder(warehouse) / run_id)


def run_link(
    warehouse: Path,
    *,
    clock: Clock,
    settings: LinkSettings | None = None,
    retrain: bool = False,
    full: bool = False,
    step: Step = direct,
) -> LinkResult:
    """Link every staged record to a person, keeping person ids stable across runs.

    Args:
        warehouse: the DuckDB warehouse.
        clock: the wall clock (the CLI and the flow pass :func:`pipelines.clock.system_clock`).
        settings: the linkage settings (default: linkage/settings.yaml).
        retrain: train a new model even if an earlier run's model could be reused (a full relink).
        full: score every candidate pair even if the last run's pairs could be kept.
        step: runs each named step (Prefect's makes each a task run).

    Returns:
        The run's counts, whether it was an increment, and where its model and charts were saved.

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
            result = _link(
                con, warehouse, run_id, settings, retrain or full, retrain, step, clock, Path(folder)
            )
        except BaseException:
            con.execute(sql("link/fail_run"), [clock(), run_id])
            raise
    return result


def _previous_run(
    con: duckdb.DuckDBPyConnection, settings: LinkSettings, retrain: bool
) -> tuple[dict[str, Any] | None, bool]:
    """The model to reuse (None: train one) and whether the last run's pairs can be kept."""
    found = con.execute(sql("link/previous_run")).fetchall()
    if retrain or not found:
        return None, False
    settings_text, model_json, pairs_kept = found[0]
    return json.loads(model_json), bool(pairs_kept) and settings_text == settings.text


def _score(
    con: duckdb.DuckDBPyConnection, described: pl.DataFrame, settings: LinkSettings, full: bool,
    retrain: bool, step: Step, spill: Path,
) -> Scored:  # fmt: skip
    """Score every candidate pair (a full relink) or only those touching a changed registration."""
    previous_model, can_increment = _previous_run(con, settings, retrain)
    stored = read_frame(con, sql("link/stored_registrations"), STORED_REGISTRATION_SCHEMA)
    changes = increment.registration_changes(stored, described)
    frame = model.comparison_frame(described)
    if previous_model is not None and can_increment and not full:
        return _score_increment(con, frame, changes, previous_model, settings, step, spill)
    linker, _, blocking = step("prepare the Splink model", model.new_linker, frame, settings, previous_model,
                               spill / "model")  # fmt: skip
    if previous_model is None:
        step("train the Splink model", model.train, linker, settings)
    pairs = identity.ordered(step("score pairs", model.score_pairs, linker, settings.review_threshold))
    return Scored(
        pairs.sort(identity.PAIR), pairs.height, changes, linker.misc.save_model_to_json(), blocking, linker,
        trained=previous_model is None,
    )  # fmt: skip


def _score_increment(
    con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, changes: pl.DataFrame,
    previous_model: dict[str, Any], settings: LinkSettings, step: Step, spill: Path,
) -> Scored:  # fmt: skip
    """Keep the stored pairs of unchanged registrations; score the candidate pairs touching a change."""
    scored = pl.DataFrame(schema=model.PAIR_SCHEMA)
    if changes.filter(pl.col("change") != "removed").height:  # else no pair to score, and no linker to build
        touched = increment.mark_touched(frame, changes)
        restricted = increment.touching_only(previous_model)
        linker, _, _ = step("prepare the Splink model", model.new_linker, touched, settings, restricted,
                            spill / "model")  # fmt: skip
        scored = step("score pairs touching a change", model.score_pairs, linker, settings.review_threshold)
    kept = increment.kept_pairs(read_frame(con, sql("link/stored_pairs"), model.PAIR_SCHEMA), changes)
    pairs = increment.combined_pairs(kept, identity.ordered(scored))
    return Scored(pairs, scored.height, changes, previous_model, None, None)


def _link(
    con: duckdb.DuckDBPyConnection, warehouse: Path, run_id: str, settings: LinkSettings, full: bool,
    retrain: bool, step: Step, clock: Clock, spill: Path,
) -> LinkResult:  # fmt: skip
    records = step("read staged records", read_records, con)
    if records.height == 0:
        raise NothingToLink("no staged records to link: run `cohort ingest` first")
    keyed, described = step("group records by identifier", registrations, records, settings.sex_codes)
    scored = _score(con, described, settings, full, retrain, step, spill)
    decisions = read_frame(con, sql("link/review_decisions"), identity.DECISION_SCHEMA)
    edges = identity.apply_decisions(scored.pairs, decisions)
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
    queue = identity.review_queue(
        scored.pairs, decisions, settings.review_threshold, settings.match_threshold
    )
    tables = LinkTables(
        registrations=described, persons=persons,
        xref=identity.xref(keyed, placed, edges, settings.match_threshold),
        pairs=scored.pairs, queue=queue, changes=changes,
    )  # fmt: skip
    folder = _save_artefacts(warehouse, run_id, scored, step)
    counts = {
        "trained": scored.trained,
        "increment": scored.linker is None,
        "load_ids": sorted(records["load_id"].unique().to_list()),
        "settings": settings.text,
        "model_json": json.dumps(scored.model_json),
        "blocking_json": json.dumps(scored.blocking.rows if scored.blocking else None),
        "records": records.height,
        "registrations": described.height,
        "registrations_changed": scored.changes.height,
        "relinked": placed.join(last, on=["registration", "person_id"], how="anti").height,
        "persons": persons.height,
        "pairs_scored": scored.scored,
        "pairs_linked": edges.filter(pl.col("match_probability") >= settings.match_threshold).height,
        "pairs_for_review": queue.height,
        "merges": changes.filter(pl.col("kind") == "merge").height,
        "splits": changes.filter(pl.col("kind") == "split").height,
        "max_person_id": max(first_new - 1, int(assigned["person_id"].max() or 0)),  # type: ignore[arg-type]
        "artefacts": str(folder),
    }
    written = step("write people and cross-references", write_link, con, run_id, tables, counts, clock())
    return LinkResult(
        run_id, counts["trained"], records.height, described.height, persons.height, counts["pairs_linked"],
        queue.height, counts["merges"], counts["splits"], folder, counts["increment"],
        scored.changes.height, scored.scored, counts["relinked"], written.inserted, written.deleted,
    )  # fmt: skip


def _save_artefacts(warehouse: Path, run_id: str, scored: Scored, step: Step) -> Path:
    """Save the run's model and blocking analysis (and a full run's charts) owner-only; the folder."""
    folder = _artefact_folder(warehouse, run_id)
    write_private(folder / "model.json", json.dumps(scored.model_json, indent=1))
    blocking = scored.blocking.rows if scored.blocking else None
    write_private(folder / "blocking.json", json.dumps(blocking, indent=1))
    if scored.linker is not None:  # an increment's model is the last run's, charted with it
        for name, page in step("draw the charts", model.chart_pages, scored.linker).items():
            write_private(folder / name, page)
    return folder
