"""Drawing a weekly list up from what its run pinned: the same steps for a run and its reproduction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from features.build import build_snapshots
from features.registry import registry
from governance.fairness_settings import FairnessSettings
from governance.list_fairness import list_fairness
from lists.build import DECISIONS_SCHEMA, PREVIOUS_SCHEMA, entries, select
from lists.departures import departures
from lists.entries import ListRun
from lists.probability import Step, calibration_steps, reliability_curve
from lists.settings import ListSettings
from models.dataset import AGES, Rows, feature_matrix
from models.explain import explanation_frame
from models.score import score_rows
from models.settings import ModelSettings, parse_settings
from pipelines.warehouse.event_frames import (
    Pinned,
    link_params,
    merged_ids_sql,
    read_events,
    read_names,
    read_people,
)
from pipelines.warehouse.model_store import Artefact, ArtefactError, read_artefact
from pipelines.warehouse.queries import read_frame, sql
from pipelines.weekly.predictions import Predictions, ages_of, mark_listed, predicted
from rules.engine import apply_rules, decide
from rules.rulebook import Rulebook

EVALUATION_FILE = "evaluation.json"
"""The model's test-window evaluation in its artefact (pipelines/train/run.py writes it)."""


class WeeklyError(RuntimeError):
    """The list cannot be drawn up or rebuilt; the message says why and what to do."""


@dataclass(frozen=True)
class Drawn:
    """A list drawn up: its entries, the people who left it since the previous one, its fairness
    audit (None when reproducing a run made before fairness audits were recorded), and what the model
    predicted for everyone it scored (None on the rules alone)."""

    entries: pl.DataFrame
    departures: pl.DataFrame
    fairness: dict[str, Any] | None
    predictions: Predictions | None = None


def draw_up(
    con: duckdb.DuckDBPyConnection,
    run: ListRun,
    pinned: Pinned,
    rulebook: Rulebook,
    settings: ListSettings,
    artefact: Artefact | None,
    audit_settings: FairnessSettings | None,
) -> Drawn:
    """Read what the run pinned and draw the list up (the same for a run and its reproduction), and
    audit its fairness with ``audit_settings`` (None: not audited, as runs before the audit)."""
    events, people = read_events(con, pinned), read_people(con, pinned)
    registered = registry()
    features = build_snapshots(events, people, [run.as_of], dated=True, ages=AGES)
    verdicts = apply_rules(features, rulebook, registered)
    decided = decide(verdicts)
    previous = _previous_entries(con, run.previous_run_id)
    decisions = read_frame(
        con,
        pinned_decisions_sql(pinned),
        DECISIONS_SCHEMA,
        {"decisions_until": int(pinned.decisions_until), **link_params(pinned)},
    )
    scores, explained, steps, recorded = None, None, None, None
    open_to = features.join(
        decided.filter(pl.col("in_population") & ~pl.col("excluded")).select("person_id"), on="person_id"
    ).sort("person_id")
    if artefact is not None:
        model_settings = _model_settings(artefact)
        steps = shown_steps(artefact, settings)
        rows = Rows(
            open_to.select("person_id", "as_of"),
            feature_matrix(open_to, artefact.model.features),
            artefact.model.features,
        )
        scores = score_rows(artefact.model, rows, model_settings, registered, explain=0)
        recorded = predicted(artefact.model, rows, scores, ages_of(open_to))
        selected = select(decided, scores, settings, [b.name for b in model_settings.bands])
        listed = selected["person_id"].to_list()
        at = open_to.with_row_index("_i").filter(pl.col("person_id").is_in(listed))
        explained = explanation_frame(
            at["person_id"].to_list(), artefact.model, rows.matrix[at["_i"].to_numpy()], registered,
            model_settings.top_factors,
        )  # fmt: skip
    else:
        selected = select(decided, None, settings)
    wanted = sorted(set(selected["person_id"].to_list()) | set(previous["person_id"].to_list()))
    names = read_names(con, wanted, pinned)
    listed_entries = entries(
        selected, as_of=run.as_of, features=features, verdicts=verdicts, rulebook=rulebook,
        explained=explained, people=names, previous=previous, decisions=decisions, settings=settings,
        registered=registered, steps=steps,
    )  # fmt: skip
    left = departures(
        previous, selected, as_of=run.as_of, decided=decided, verdicts=verdicts, scores=scores, people=names,
        rulebook=rulebook, settings=settings,
    )  # fmt: skip
    fairness = None if audit_settings is None else list_fairness(features, decided, selected, audit_settings)
    if recorded is not None:
        recorded = mark_listed(recorded, listed_entries)
    return Drawn(listed_entries, left, fairness, recorded)


def shown_steps(artefact: Artefact, settings: ListSettings) -> tuple[Step, ...] | None:
    """How finely the model's probabilities are shown: the steps of its own reliability curve on its
    test window (``evaluation.json``, checked with the artefact), as lists.probability words them;
    None when the artefact has no curve (its probabilities then read in whole per cent)."""
    path = artefact.path / EVALUATION_FILE
    curve = reliability_curve(json.loads(path.read_text("utf-8"))) if path.is_file() else None
    if curve is None:
        return None
    return calibration_steps(
        curve, floor=settings.floor, ceiling=settings.ceiling, min_people=settings.min_people
    )


def pinned_decisions_sql(pinned: Pinned) -> str:
    """SELECT the review decisions up to ``$decisions_until`` (DECISIONS_SCHEMA), each under the person id
    its records belong to at the pinned linkage run."""
    return (
        f"WITH {merged_ids_sql(pinned)} SELECT decision_id, coalesce(m.now_id, d.person_id) AS person_id, "
        "decision, reason, reviewer, decided_on, run_id FROM review.decision d LEFT JOIN merged m USING "
        "(person_id) WHERE decision_id <= $decisions_until"
    )


def model_artefact(path: Path) -> Artefact:
    """The model stored at ``path``.

    Raises:
        WeeklyError: it cannot be read, or it changed since it was stored.
    """
    try:
        return read_artefact(path)
    except ArtefactError as error:
        raise WeeklyError(f"the approved model cannot be used: {error}") from error


def _previous_entries(con: duckdb.DuckDBPyConnection, run_id: int | None) -> pl.DataFrame:
    if run_id is None:
        return pl.DataFrame(schema=PREVIOUS_SCHEMA)
    return read_frame(con, sql("lists/previous_entries"), PREVIOUS_SCHEMA, {"run_id": int(run_id)})


def _model_settings(artefact: Artefact) -> ModelSettings:
    """The model is scored as it was trained and evaluated: with its own bands and explanations."""
    return parse_settings(artefact.manifest["settings"], str(artefact.path / "manifest.json"))
