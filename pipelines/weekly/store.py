"""Storing a published list run: its record, entries and departures, and its audit events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from lists.entries import ListRun
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.event_frames import Pinned
from pipelines.warehouse.queries import insert_frame, sql, transaction
from pipelines.weekly.drawing import Drawn
from pipelines.weekly.predictions import record_predictions
from pipelines.weekly.publish import PSEUDONYMISED
from rules.rulebook import Rulebook

ANALYSTS = "the partnership's analyst team"
PARTNERS = "partners outside the analyst team (pseudonymised)"
PURPOSE = "weekly consideration list for the focused deterrence programme"


def store_run(
    con: duckdb.DuckDBPyConnection, run: ListRun, pinned: Pinned, rulebook: Rulebook,
    parameters: dict[str, Any], drawn: Drawn, folder: Path, files: dict[str, str],
) -> None:  # fmt: skip
    """Store the run, its entries and departures, what its model predicted for everyone it scored, and
    the audit events, in one transaction.

    Args:
        con: the warehouse.
        run: the run; an earlier run published for its as_of is marked superseded.
        pinned: the loads, linkage run and decisions it read.
        rulebook: the rules it applied (their files are stored with the run).
        parameters: the settings' text, the model's approval and the checks, stored as JSON.
        drawn: the list drawn up.
        folder: where its files are published.
        files: each published file's sha256, by name.
    """
    listed = drawn.entries
    with transaction(con):
        con.execute(sql("lists/supersede_runs"), [run.as_of])
        con.execute(
            sql("lists/insert_run"),
            [
                run.run_id, run.as_of, run.created_at, run.created_by, run.mode, list(pinned.load_ids),
                pinned.link_run, pinned.decisions_until, run.rules_version, json.dumps(dict(rulebook.files)),
                run.model_version, run.code_version, json.dumps(parameters), run.previous_run_id,
                listed.height, int(listed["within_capacity"].sum()), str(folder.resolve()), json.dumps(files),
                json.dumps(drawn.fairness), len(drawn.fairness["breaches"]) if drawn.fairness else None,
            ],
        )  # fmt: skip
        explanation = listed.select(
            pl.struct("rules_met", "raising", "lowering", "safeguarding", "pathways", "last_decision")
            .struct.json_encode()
            .alias("explanation")
        )
        stored = listed.select(
            pl.lit(run.run_id).alias("run_id"), "person_id", "rank", "within_capacity", "route",
            "probability", "band", "age", "change", "previous_rank", "review_by",
        ).with_columns(explanation["explanation"])  # fmt: skip
        if run.checks is not None:
            stored = stored.with_columns(
                pl.col("person_id").is_in(sorted(run.checks.identity_review)).alias("identity_review")
            )
        insert_frame(con, "lists.entry", stored)
        insert_frame(
            con, "lists.departure",
            drawn.departures.select(pl.lit(run.run_id).alias("run_id"), "person_id", "previous_rank", "why"),
        )  # fmt: skip
        if drawn.predictions is not None:
            record_predictions(con, run, drawn.predictions, run.capacity)
        actor = f"user:{run.created_by}"
        audit.record(
            con, actor, "publish",
            f"list run {run.run_id} for {run.as_of:%d/%m/%Y} ({run.mode}): {listed.height} people, "
            f"{drawn.departures.height} left since run {run.previous_run_id}",
            purpose=PURPOSE, rows=listed.height, at=run.created_at,
        )  # fmt: skip
        if run.checks is not None and run.checks.override is not None:
            audit.record(
                con, actor, "publish",  # an override is part of publishing (audit.CATEGORIES)
                f"list run {run.run_id} published despite {len(run.checks.failed_gates)} failed gate(s) "
                f"and {len(run.checks.stale_sources)} stale source(s) (ingest run {run.checks.ingest_run}): "
                f"{run.checks.override}",
                purpose=PURPOSE, at=run.created_at,
            )  # fmt: skip
        for name, digest in files.items():
            audit.record(
                con, actor, "export", f"list run {run.run_id}: {name}", purpose=PURPOSE,
                recipients=PARTNERS if name == PSEUDONYMISED else ANALYSTS, file_name=name, sha256=digest,
                rows=listed.height, at=run.created_at,
            )  # fmt: skip
