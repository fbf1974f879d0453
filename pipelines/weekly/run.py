"""The weekly consideration list (`cohort weekly`, flow `weekly-priority-list`): the one I/O seam
around the pure steps in lists/.

A run pins everything it used in ``lists.run`` (the data loads, the linkage run, the review decisions
up to an id, the rule files' text, the model version, the settings, the code version), so
:func:`pipelines.weekly.reproduce.reproduce` rebuilds the same list from the same warehouse later,
however much has been loaded, linked or decided since, and proves the published files byte-identical.
The list is drawn up in :mod:`pipelines.weekly.drawing` and stored in :mod:`pipelines.weekly.store`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from data_contracts.declarations import parse_yaml
from governance.fairness_settings import SETTINGS_FILE as FAIRNESS_SETTINGS_FILE
from governance.fairness_settings import (
    FairnessSettingsError,
    fairness_settings_text,
    parse_fairness_settings,
)
from lists.checks import RunChecks
from lists.entries import ListRun
from lists.settings import SETTINGS_FILE, ListSettingsError, parse_list_settings, settings_text
from pipelines.files import private_folder
from pipelines.paths import lists_folder, pseudonym_key_file
from pipelines.steps import Step, direct
from pipelines.timing import Stopwatch
from pipelines.train.code_version import code_version
from pipelines.warehouse.connection import connect
from pipelines.warehouse.event_frames import current_pins
from pipelines.warehouse.model_registry import approved_model, history
from pipelines.warehouse.queries import sql
from pipelines.weekly.checks import check_as_of, enforce, read_checks
from pipelines.weekly.drawing import Drawn, WeeklyError, draw_up, model_artefact
from pipelines.weekly.publish import load_or_create_key, publish
from pipelines.weekly.store import store_run
from rules.rulebook import load_rulebook


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


def monday_of(day: date) -> date:
    """The Monday of ``day``'s week: the weekly list's default as_of."""
    return day - timedelta(days=day.weekday())


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
    watch = Stopwatch()

    def timed(name: str, function: Callable[..., Any], *args: Any) -> Any:
        with watch.lap(name):
            return step(name, function, *args)

    text = settings_text(settings_file)
    where = str(settings_file or SETTINGS_FILE)
    settings = parse_list_settings(parse_yaml(text, where, error=ListSettingsError), where)
    fairness_text = fairness_settings_text(fairness_file)
    fairness_where = str(fairness_file or FAIRNESS_SETTINGS_FILE)
    audit_settings = parse_fairness_settings(
        parse_yaml(fairness_text, fairness_where, error=FairnessSettingsError), fairness_where
    )
    rulebook = load_rulebook(rulebook_dir)
    key, key_created = load_or_create_key(key_file or pseudonym_key_file(warehouse))
    with connect(warehouse) as con:
        check_as_of(con, as_of, now.date())
        pinned = current_pins(con)
        if pinned.link_run is None:
            raise WeeklyError("nobody is linked yet: run `cohort ingest` and then `cohort link` first")
        checks = read_checks(con, as_of, pinned, despite_failed_gates)
        enforce(checks)
        approved = approved_model(con)
        artefact = model_artefact(approved.path) if approved else None
        approval = _approval(con, artefact.version) if artefact else None
        previous = con.execute(sql("lists/previous_run"), [as_of]).fetchall()
        run_id = int(con.execute(sql("lists/next_run_id")).fetchall()[0][0])
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
        root = lists_dir or lists_folder(warehouse)
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
            timed("record the run", store_run, con, run, pinned, rulebook, parameters, drawn, folder, files)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    assert drawn.fairness is not None
    return WeeklyResult(
        run_id, as_of, drawn.entries.height, int(drawn.entries["within_capacity"].sum()),
        int((drawn.entries["change"] == "new").sum()), drawn.departures.height, run.mode, folder, files,
        drawn.fairness, key_created, watch.laps, run.checks,
    )  # fmt: skip


def _approval(con: duckdb.DuckDBPyConnection, version: str) -> str:
    """Who approved the model, when and why (a demo approval says so in its reason)."""
    approved = [h for h in history(con, version) if h[0] == "approved"]
    _, by, reason, at = approved[-1]
    assert isinstance(at, datetime)
    return f"approved by {by} on {at:%d/%m/%Y}: {reason}"
