"""Reproducing a past weekly list (`cohort weekly reproduce`): rebuilt from what its run pinned, its
published files compared byte for byte."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from data_contracts.declarations import parse_yaml
from governance.fairness_settings import FairnessSettingsError, parse_fairness_settings
from lists.checks import RunChecks
from lists.entries import ListRun
from lists.settings import ListSettingsError, parse_list_settings
from pipelines.paths import pseudonym_key_file
from pipelines.train.code_version import code_version
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.connection import connect
from pipelines.warehouse.event_frames import Pinned
from pipelines.warehouse.queries import sql
from pipelines.weekly.drawing import WeeklyError, draw_up, model_artefact
from pipelines.weekly.publish import load_or_create_key, publish
from rules.rulebook import rulebook_from_files


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


def reproduce(
    warehouse: Path, run_id: int, *, by: str, now: datetime, key_file: Path | None = None
) -> Reproduction:
    """Rebuild a past list from what its run pinned and compare every published file's bytes.

    Raises:
        WeeklyError: no such run, its model artefact is missing or changed, or its rules are not
            the ones it recorded.
    """
    key, _ = load_or_create_key(key_file or pseudonym_key_file(warehouse))
    with connect(warehouse) as con:
        found = con.execute(sql("lists/pinned_run"), [run_id]).fetchall()
        if not found:
            raise WeeklyError(f"there is no list run {run_id}: `cohort weekly runs` lists them")
        erased = con.execute(sql("lists/run_erased"), [run_id]).fetchall()[0][0]
        if erased is not None:
            raise WeeklyError(f"list run {run_id} was erased on {erased:%d/%m/%Y} (retention): no rebuild")
        (as_of, created_at, created_by, mode, load_ids, link_run, until, rules_version, rule_files, version,
         code_then, parameters, previous_id, files) = found[0]  # fmt: skip
        parameters = json.loads(parameters)
        where = f"list run {run_id}"
        settings = parse_list_settings(
            parse_yaml(parameters["list_settings"], where, error=ListSettingsError), where
        )
        pinned_fairness = parameters.get("fairness_settings")  # absent on runs before the audit
        audit_settings = (
            parse_fairness_settings(parse_yaml(pinned_fairness, where, error=FairnessSettingsError), where)
            if pinned_fairness is not None
            else None
        )
        rulebook = rulebook_from_files(json.loads(rule_files), f"list run {run_id}")
        if rulebook.version != rules_version:
            raise WeeklyError(f"list run {run_id}: its stored rule files do not hash to {rules_version[:12]}")
        artefact = None
        if version is not None:
            path = con.execute(sql("lists/pinned_model_path"), [version]).fetchall()
            if not path:
                raise WeeklyError(f"list run {run_id} used model {version}, which is not in the registry")
            artefact = model_artefact(Path(path[0][0]))
        previous_as_of = (
            con.execute(sql("lists/run_as_of"), [previous_id]).fetchall()[0][0]
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
