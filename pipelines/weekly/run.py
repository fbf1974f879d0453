"""The weekly consideration list (`cohort weekly`, flow `weekly-priority-list`): the one I/O seam
around the pure steps in lists/.

A run pins everything it used in ``lists.run`` (the data loads, the linkage run, the review decisions
up to an id, the rule files' text, the model version, the settings, the code version), so
:func:`reproduce` rebuilds the same list from the same warehouse later, however much has been
loaded, linked or decided since, and proves the published files byte-identical.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import yaml

from features.build import build_snapshots
from features.registry import registry
from governance.fairness_settings import SETTINGS_FILE as FAIRNESS_SETTINGS_FILE
from governance.fairness_settings import FairnessSettings, fairness_settings_text, parse_fairness_settings
from governance.list_fairness import list_fairness
from lists.build import DECISIONS_SCHEMA, PREVIOUS_SCHEMA, departures, entries, select
from lists.checks import RunChecks
from lists.entries import ListRun
from lists.settings import SETTINGS_FILE, ListSettings, parse_list_settings, settings_text
from models.dataset import AGES, Rows, feature_matrix
from models.explain import explanation_frame
from models.score import score_rows
from models.settings import ModelSettings, parse_settings
from pipelines.files import private_folder
from pipelines.steps import Step, direct
from pipelines.train.run import code_version
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.connection import connect
from pipelines.warehouse.event_frames import (
    Pinned,
    current_pins,
    merged_ids_sql,
    read_events,
    read_names,
    read_people,
)
from pipelines.warehouse.model_registry import approved_model, history
from pipelines.warehouse.model_store import Artefact, ArtefactError, read_artefact
from pipelines.warehouse.queries import insert_frame, read_frame
from pipelines.weekly.checks import check_as_of, enforce, read_checks
from pipelines.weekly.publish import PSEUDONYMISED, load_or_create_key, publish
from rules.engine import apply_rules, decide
from rules.rulebook import Rulebook, load_rulebook, rulebook_from_files

ANALYSTS = "the partnership's analyst team"
PARTNERS = "partners outside the analyst team (pseudonymised)"
PURPOSE = "weekly consideration list for the focused deterrence programme"


class WeeklyError(RuntimeError):
    """The list cannot be drawn up or rebuilt; the message says why and what to do."""


@dataclass(frozen=True)
class WeeklyResult:
    """What one weekly run made."""

    run_id: int
    as_of: date
    entries: int
    within_capacity: int
    new: int
    departures: int
    mode: str
    folder: Path
    files: dict[str, str]  # file name -> sha256
    fairness: dict[str, Any]  # governance.fairness "cohort.fairness.list/1"
    key_created: bool  # a new pseudonymisation key was made for this run
    seconds: dict[str, float]
    checks: RunChecks | None = None  # failed gates, stale sources, override, identity matches to review


@dataclass(frozen=True)
class Drawn:
    """A list drawn up: its entries, the people who left it since the previous one, and its fairness
    audit (None when reproducing a run made before fairness audits were recorded)."""

    entries: pl.DataFrame
    departures: pl.DataFrame
    fairness: dict[str, Any] | None


@dataclass(frozen=True)
class Reproduction:
    """A past list rebuilt: each published file's recorded and rebuilt sha256."""

    run_id: int
    files: list[tuple[str, str, str]]  # (name, recorded, rebuilt)
    code_then: str
    code_now: str

    @property
    def identical(self) -> bool:
        return all(recorded == rebuilt for _, recorded, rebuilt in self.files)


def monday_of(day: date) -> date:
    """The Monday of ``day``'s week: the weekly list's default as_of."""
    return day - timedelta(days=day.weekday())


def default_lists_dir(warehouse: Path) -> Path:
    """Where lists are published unless told: lists/ beside the warehouse."""
    return warehouse.parent / "lists"


def default_key_file(warehouse: Path) -> Path:
    """The pseudonymisation key: $COHORT_PSEUDONYM_KEY_FILE, else secrets/pseudonym.key beside the warehouse
    (never in the repository)."""
    configured = os.environ.get("COHORT_PSEUDONYM_KEY_FILE")
    return Path(configured) if configured else warehouse.parent / "secrets" / "pseudonym.key"


def run_weekly(
    warehouse: Path,
    as_of: date,
    *,
    now: datetime,
    lists_dir: Path | None = None,
    by: str,
    step: Step = direct,
    settings_file: Path | None = None,
    rulebook_dir: Path | None = None,
    key_file: Path | None = None,
    fairness_file: Path | None = None,
    despite_failed_gates: str | None = None,
) -> WeeklyResult:
    """Draw up, publish and record the list for ``as_of``; the run is stamped as made at ``now``.

    Args:
        despite_failed_gates: why to publish although the latest ingest failed a gate or a source is
            stale as of ``as_of`` (audited, pinned and shown on every output); None refuses instead.

    Raises:
        AsOfRefused: ``as_of`` is after ``now`` or before the earliest extract loaded.
        GatesFailed: a gate failed or a source is stale, and no reason to go on was given.
        WeeklyError: nothing is linked yet, or the approved model cannot be read.
    """
    timings: dict[str, float] = {}

    def timed(name: str, function: Callable[..., Any], *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return step(name, function, *args)
        finally:
            timings[name] = time.perf_counter() - started

    text = settings_text(settings_file)
    settings = parse_list_settings(yaml.safe_load(text), str(settings_file or SETTINGS_FILE))
    fairness_text = fairness_settings_text(fairness_file)
    audit_settings = parse_fairness_settings(
        yaml.safe_load(fairness_text), str(fairness_file or FAIRNESS_SETTINGS_FILE)
    )
    rulebook = load_rulebook(rulebook_dir)
    key, key_created = load_or_create_key(key_file or default_key_file(warehouse))
    with connect(warehouse) as con:
        check_as_of(con, as_of, now.date())
        pinned = current_pins(con)
        if pinned.link_run is None:
            raise WeeklyError("nobody is linked yet: run `cohort ingest` and then `cohort link` first")
        checks = read_checks(con, as_of, pinned, despite_failed_gates)
        enforce(checks)
        approved = approved_model(con)
        artefact = _artefact(approved.path) if approved else None
        approval = _approval(con, artefact.version) if artefact else None
        previous = con.execute(
            "SELECT run_id, as_of FROM lists.run WHERE status = 'published' AND as_of < ? "
            "ORDER BY as_of DESC, run_id DESC LIMIT 1",
            [as_of],
        ).fetchall()
        run_id = int(con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM lists.run").fetchall()[0][0])
        run = ListRun(
            run_id=run_id, as_of=as_of, created_at=now.replace(microsecond=0), created_by=by,
            mode="rules alone" if artefact is None else "rules and model",
            model_version=artefact.version if artefact else None, model_approval=approval,
            rules_version=rulebook.version, code_version=code_version(), capacity=settings.capacity,
            previous_run_id=previous[0][0] if previous else None,
            previous_as_of=previous[0][1] if previous else None,
        )  # fmt: skip
        drawn: Drawn = timed(
            "draw up the list", draw_up, con, run, pinned, rulebook, settings, artefact, audit_settings
        )
        run = replace(run, checks=checks.for_listed(drawn.entries["person_id"].to_list()))
        assert run.checks is not None
        root = lists_dir or default_lists_dir(warehouse)
        private_folder(root)
        folder = root / f"{as_of.isoformat()}-run-{run_id}"
        partial = root / f".{folder.name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        parameters = {
            "list_settings": text, "model_approval": approval, "fairness_settings": fairness_text,
            "checks": run.checks.as_dict(),
        }  # fmt: skip
        try:  # nothing is left behind unless the files and the run's record both succeed
            files: dict[str, str] = timed(
                "publish", publish, partial, run, drawn.entries, drawn.departures, key, drawn.fairness
            )
            timed("record the run", _record, con, run, pinned, rulebook, parameters, drawn, folder, files)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    assert drawn.fairness is not None
    return WeeklyResult(
        run_id, as_of, drawn.entries.height, int(drawn.entries["within_capacity"].sum()),
        int((drawn.entries["change"] == "new").sum()), drawn.departures.height, run.mode, folder, files,
        drawn.fairness, key_created, timings, run.checks,
    )  # fmt: skip


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
        f"WITH {merged_ids_sql(pinned)} SELECT decision_id, coalesce(m.now_id, d.person_id) AS person_id, "
        "decision, reason, reviewer, decided_on, run_id FROM review.decision d LEFT JOIN merged m USING "
        f"(person_id) WHERE decision_id <= {int(pinned.decisions_until)}",
        DECISIONS_SCHEMA,
    )
    scores, explained = None, None
    open_to = features.join(
        decided.filter(pl.col("in_population") & ~pl.col("excluded")).select("person_id"), on="person_id"
    ).sort("person_id")
    if artefact is not None:
        model_settings = _model_settings(artefact)
        rows = Rows(
            open_to.select("person_id", "as_of"),
            feature_matrix(open_to, artefact.model.features),
            artefact.model.features,
        )
        scores = score_rows(artefact.model, rows, model_settings, registered, explain=0)
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
        registered=registered,
    )  # fmt: skip
    left = departures(
        previous, selected, as_of=run.as_of, decided=decided, verdicts=verdicts, scores=scores, people=names,
        rulebook=rulebook, settings=settings,
    )  # fmt: skip
    fairness = None if audit_settings is None else list_fairness(features, decided, selected, audit_settings)
    return Drawn(listed_entries, left, fairness)


def reproduce(
    warehouse: Path, run_id: int, *, by: str, now: datetime, key_file: Path | None = None
) -> Reproduction:
    """Rebuild a past list from what its run pinned and compare every published file's bytes.

    Raises:
        WeeklyError: no such run, its model artefact is missing or changed, or its rules are not
            the ones it recorded.
    """
    key, _ = load_or_create_key(key_file or default_key_file(warehouse))
    with connect(warehouse) as con:
        found = con.execute(
            "SELECT as_of, created_at, created_by, mode, load_ids, link_run, decisions_until, rules_version, "
            "rulebook, model_version, code_version, parameters, previous_run_id, files FROM lists.run "
            "WHERE run_id = ?",
            [run_id],
        ).fetchall()
        if not found:
            raise WeeklyError(f"there is no list run {run_id}: `cohort weekly runs` lists them")
        erased = con.execute("SELECT erased_at FROM lists.run WHERE run_id = ?", [run_id]).fetchall()[0][0]
        if erased is not None:
            raise WeeklyError(f"list run {run_id} was erased on {erased:%d/%m/%Y} (retention): no rebuild")
        (as_of, created_at, created_by, mode, load_ids, link_run, until, rules_version, rule_files, version,
         code_then, parameters, previous_id, files) = found[0]  # fmt: skip
        parameters = json.loads(parameters)
        settings = parse_list_settings(yaml.safe_load(parameters["list_settings"]), f"list run {run_id}")
        pinned_fairness = parameters.get("fairness_settings")  # absent on runs before the audit
        audit_settings = (
            parse_fairness_settings(yaml.safe_load(pinned_fairness), f"list run {run_id}")
            if pinned_fairness is not None
            else None
        )
        rulebook = rulebook_from_files(json.loads(rule_files), f"list run {run_id}")
        if rulebook.version != rules_version:
            raise WeeklyError(f"list run {run_id}: its stored rule files do not hash to {rules_version[:12]}")
        artefact = None
        if version is not None:
            path = con.execute("SELECT path FROM scoring.model WHERE version = ?", [version]).fetchall()
            if not path:
                raise WeeklyError(f"list run {run_id} used model {version}, which is not in the registry")
            artefact = _artefact(Path(path[0][0]))
        previous_as_of = (
            con.execute("SELECT as_of FROM lists.run WHERE run_id = ?", [previous_id]).fetchall()[0][0]
            if previous_id is not None
            else None
        )
        run = ListRun(
            run_id=run_id, as_of=as_of, created_at=created_at, created_by=created_by, mode=mode,
            model_version=version, model_approval=parameters["model_approval"], rules_version=rules_version,
            code_version=code_then, capacity=settings.capacity, previous_run_id=previous_id,
            previous_as_of=previous_as_of,
            checks=RunChecks.from_dict(parameters["checks"]) if "checks" in parameters else None,
        )  # fmt: skip
        pinned = Pinned(tuple(load_ids), link_run, int(until))
        drawn = draw_up(con, run, pinned, rulebook, settings, artefact, audit_settings)
        with tempfile.TemporaryDirectory(prefix="cohort-reproduce-") as scratch:
            rebuilt = publish(
                Path(scratch) / "list", run, drawn.entries, drawn.departures, key, drawn.fairness
            )
        recorded = json.loads(files)
        audit.record(
            con, f"user:{by}", "reproduce",
            f"list run {run_id} rebuilt: {sum(recorded[n] == rebuilt.get(n) for n in recorded)} of "
            f"{len(recorded)} files identical",
            purpose="prove a published list can be rebuilt from what it pinned", at=now,
        )  # fmt: skip
    compared = [(name, digest, rebuilt.get(name, "missing")) for name, digest in recorded.items()]
    return Reproduction(run_id, compared, code_then, code_version())


def _record(
    con: duckdb.DuckDBPyConnection, run: ListRun, pinned: Pinned, rulebook: Rulebook,
    parameters: dict[str, Any], drawn: Drawn, folder: Path, files: dict[str, str],
) -> None:  # fmt: skip
    """Store the run, its entries and departures, and the audit events, in one transaction."""
    listed = drawn.entries
    con.begin()
    try:
        con.execute(
            "UPDATE lists.run SET status = 'superseded' WHERE as_of = ? AND status = 'published'", [run.as_of]
        )
        con.execute(
            "INSERT INTO lists.run (run_id, as_of, created_at, created_by, status, mode, load_ids, link_run, "
            "decisions_until, rules_version, rulebook, model_version, code_version, parameters, "
            "previous_run_id, entries, within_capacity, folder, files, fairness, fairness_breaches) VALUES "
            "(?, ?, ?, ?, 'published', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _previous_entries(con: duckdb.DuckDBPyConnection, run_id: int | None) -> pl.DataFrame:
    if run_id is None:
        return pl.DataFrame(schema=PREVIOUS_SCHEMA)
    return read_frame(
        con,
        f"SELECT person_id, rank, route, band FROM lists.entry WHERE run_id = {int(run_id)}",
        PREVIOUS_SCHEMA,
    )


def _artefact(path: Path) -> Artefact:
    try:
        return read_artefact(path)
    except ArtefactError as error:
        raise WeeklyError(f"the approved model cannot be used: {error}") from error


def _model_settings(artefact: Artefact) -> ModelSettings:
    """The model is scored as it was trained and evaluated: with its own bands and explanations."""
    return parse_settings(artefact.manifest["settings"], str(artefact.path / "manifest.json"))


def _approval(con: duckdb.DuckDBPyConnection, version: str) -> str:
    """Who approved the model, when and why (a demo approval says so in its reason)."""
    approved = [h for h in history(con, version) if h[0] == "approved"]
    _, by, reason, at = approved[-1]
    assert isinstance(at, datetime)
    return f"approved by {by} on {at:%d/%m/%Y}: {reason}"
