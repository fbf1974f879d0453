"""The weekly lists as the read model holds them: runs, entries (named, with their explanations and
tags) and departures, read from the warehouse as rows for the ``rm_*`` tables."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from data_contracts.declarations import parse_yaml
from lists.checks import RunChecks
from lists.probability import Step
from lists.reasons import probability_text
from lists.settings import ListSettings, ListSettingsError, parse_list_settings
from pipelines.warehouse.event_frames import read_names
from pipelines.warehouse.model_store import ArtefactError, read_artefact
from pipelines.warehouse.queries import sql
from pipelines.weekly.decisions import listed_run
from pipelines.weekly.drawing import shown_steps

Row = dict[str, Any]
UNLINKED = "(no longer linked)"


def run_rows(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Every list run (rm_run rows), oldest first; the run's parameters are kept under ``_parameters``."""
    rows = []
    for (run_id, as_of, created_at, created_by, status, mode, model_version, parameters, previous,
         entries, within, fairness, erased) in con.execute(sql("console/runs")).fetchall():  # fmt: skip
        pinned = json.loads(parameters)
        document = json.loads(fairness) if fairness else {}
        checks = pinned.get("checks")
        rows.append(
            {
                "run_id": run_id, "as_of": as_of, "created_at": created_at, "created_by": created_by,
                "status": status, "mode": mode, "model_version": model_version,
                "model_approval": pinned.get("model_approval"), "entries": entries,
                "within_capacity": within, "previous_run_id": previous,
                "fairness_breaches": json.dumps([b["message"] for b in document.get("breaches", [])]),
                "fairness_watch": json.dumps([b["message"] for b in document.get("watch", [])]),
                "fairness_shares": json.dumps(shares(document)),
                "failed_checks": json.dumps(RunChecks.from_dict(checks).warnings() if checks else []),
                "erased": bool(erased), "_parameters": parameters,
            }
        )  # fmt: skip
    return rows


def shares(fairness: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Each audited dimension's groups with their share of the list (None where it is suppressed)."""
    return {
        attribute["attribute"]: {
            str(group["group"]): group["listed_share"].get("value") for group in attribute["groups"]
        }
        for attribute in fairness.get("attributes", [])
    }


def entry_rows(con: duckdb.DuckDBPyConnection, run: Row) -> tuple[list[Row], list[Row]]:
    """One run's entries (rm_entry rows) named as at the run's linkage, and their rule and pathway
    tags (rm_entry_tag rows)."""
    run_id = int(run["run_id"])
    frame = pl.from_arrow(con.sql(sql("console/entries"), params={"run_id": run_id}).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    if frame.height == 0:
        return [], []
    where = f"list run {run_id}"
    document = parse_yaml(json.loads(run["_parameters"])["list_settings"], where, error=ListSettingsError)
    settings = parse_list_settings(document, where)
    frame = frame.with_columns(
        probability_text(settings, _steps(con, run, settings)).alias("probability_text")
    )
    names = _names(con, run_id, frame["person_id"].to_list())
    entries: list[Row] = []
    tags: list[Row] = []
    for row in frame.iter_rows(named=True):
        person = int(row["person_id"])
        name, born = names.get(person, (UNLINKED, None))
        explanation = json.loads(row["explanation"])
        entries.append(
            {
                "run_id": run_id, "person_id": person, "rank": row["rank"], "name": name,
                "name_folded": name.casefold(), "dob": born, "age": row["age"],
                "within_capacity": bool(row["within_capacity"]), "route": row["route"],
                "probability": row["probability"], "probability_text": row["probability_text"],
                "band": row["band"], "change": row["change"], "previous_rank": row["previous_rank"],
                "review_by": row["review_by"], "identity_review": bool(row["identity_review"]),
                "explanation": row["explanation"],
            }
        )  # fmt: skip
        for met in explanation.get("rules_met") or []:
            tags.append(_tag(run_id, person, "rule", met["rule_id"], met["text"]))
        for pathway in explanation.get("pathways") or []:
            tags.append(_tag(run_id, person, "pathway", pathway["pathway"], pathway["name"]))
    return entries, tags


def departure_rows(con: duckdb.DuckDBPyConnection, run_id: int) -> list[Row]:
    """The people who left the list with this run (rm_departure rows), named as at its linkage."""
    found = con.execute(sql("console/departures"), {"run_id": run_id}).fetchall()
    names = _names(con, run_id, [int(p) for p, _, _ in found]) if found else {}
    return [
        {"run_id": run_id, "person_id": int(p), "name": names.get(int(p), (UNLINKED, None))[0],
         "previous_rank": rank, "why": why}
        for p, rank, why in found
    ]  # fmt: skip


def _names(
    con: duckdb.DuckDBPyConnection, run_id: int, people: list[int]
) -> dict[int, tuple[str, date | None]]:
    """person_id -> (name, date of birth) as the run's pinned linkage had them."""
    frame = read_names(con, people, listed_run(con, run_id).pinned)
    return {int(p): (n or UNLINKED, d) for p, n, d in frame.iter_rows()}


def _steps(con: duckdb.DuckDBPyConnection, run: Row, settings: ListSettings) -> tuple[Step, ...] | None:
    """How finely the run's model shows probabilities, as its list showed them (None: whole per cent)."""
    if run["model_version"] is None:
        return None
    found = con.execute(sql("lists/pinned_model_path"), [run["model_version"]]).fetchall()
    try:
        return shown_steps(read_artefact(Path(found[0][0])), settings) if found else None
    except ArtefactError:
        return None  # the model's files are gone: its probabilities read in whole per cent


def _tag(run_id: int, person: int, kind: str, value: str, label: str) -> Row:
    return {"run_id": run_id, "person_id": person, "kind": kind, "value": value, "label": label}
