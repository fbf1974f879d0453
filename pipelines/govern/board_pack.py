"""Make a board pack (`cohort board-pack`): the one I/O seam around governance/board_pack.py.

It reads what a list run pinned (its rules, model, settings and fairness audit), the model's artefact
(card and test-window fairness), the list runs and decisions, the latest monitoring report (`cohort
monitor`: the model's realised and expected performance over time, drift and alerts), the loads and
the audit log; renders one offline HTML document; and records the pack (audit.board_pack and an audit
event), so the next pack can say what changed since this one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from governance.board_pack import BoardPackError, PackBasis, changes_since, pack_text, render_pack
from governance.fairness_settings import SETTINGS_FILE as FAIRNESS_SETTINGS_FILE
from governance.fairness_settings import fairness_settings_text
from governance.model_card import render_card_fragment, serious_violence_groups
from lists.settings import SETTINGS_FILE as LIST_SETTINGS_FILE
from lists.settings import settings_text
from pipelines.files import write_private
from pipelines.monitor.board import monitoring_section
from pipelines.paths import board_packs_folder
from pipelines.train.model_cards import artefact_card, read_fairness
from pipelines.warehouse import audit_chain
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.model_registry import RegistryError, approved_model, history, registered_artefact
from pipelines.warehouse.model_store import ArtefactError
from pipelines.warehouse.queries import sql, transaction
from rules.rulebook import Rulebook, load_rulebook, rulebook_from_files

RECENT_RUNS = 12
PURPOSE = "governance board oversight of the rules, the model, fairness and use"


@dataclass(frozen=True)
class PackResult:
    """What one pack made."""

    pack_id: int
    path: Path
    run_id: int | None
    breaches: int  # fairness breaches of the run and its model
    audit_intact: bool
    changes: dict[str, Any]


def make_board_pack(
    con: duckdb.DuckDBPyConnection,
    warehouse: Path,
    *,
    run_id: int | None,
    out: Path | None,
    by: str,
    made_at: datetime,
) -> PackResult:
    """Write the pack for ``run_id`` (default: the latest published list) and record it.

    Raises:
        BoardPackError: no such run, or its model's artefact cannot be read.
    """
    run = _run(con, run_id)
    rulebook = (
        rulebook_from_files(json.loads(run["rulebook"]), f"list run {run['run_id']}")
        if run
        else load_rulebook()
    )
    parameters = json.loads(run["parameters"]) if run else {}
    settings = {
        LIST_SETTINGS_FILE: parameters.get("list_settings") or settings_text(),
        FAIRNESS_SETTINGS_FILE: parameters.get("fairness_settings") or fairness_settings_text(),
    }
    model_version = run["model_version"] if run else None
    if run is None:
        approved = approved_model(con)
        model_version = approved.version if approved else None
    basis = PackBasis(
        run["run_id"] if run else None, rulebook.version, dict(rulebook.files), model_version, settings
    )
    previous = _previous_pack(con)
    pack_id = (previous.pack_id or 0) + 1 if previous else 1
    model = _model(con, model_version)
    verification = audit_chain.verify(con, audit_chain.checkpoint_path(warehouse), made_at)
    list_fairness = json.loads(run["fairness"]) if run and run["fairness"] else None
    changes = changes_since(previous, basis)
    context = {
        "pack_id": pack_id,
        "made_at": made_at,
        "made_by": by,
        "text": pack_text(),
        "run": run,
        "rulebook": _rules(rulebook),
        "rules_version": rulebook.version,
        "model": model,
        "offence_groups": serious_violence_groups(),
        "list_fairness": list_fairness,
        "changes": changes,
        "volumes": _volumes(con),
        "monitoring": monitoring_section(con),
        "decisions": _decisions(con, previous.made_at if previous else None),
        "data_quality": _data_quality(con),
        "audit": verification,
        "settings": settings,
    }
    html = render_pack(context)
    folder = out or board_packs_folder(warehouse)
    stamp = made_at.strftime("%Y-%m-%d")
    path = write_private(folder / f"board-pack-{pack_id}-{stamp}.html", html)
    digest = hashlib.sha256(html.encode("utf-8")).hexdigest()
    breaches = len(list_fairness["breaches"]) if list_fairness else 0
    breaches += len(model["fairness"]["breaches"]) if model and model["fairness"] else 0
    with transaction(con):
        con.execute(
            sql("govern/board_pack_insert"),
            [pack_id, made_at, by, basis.run_id, basis.rules_version, json.dumps(dict(basis.rulebook)),
             basis.model_version, json.dumps(settings), str(path.resolve()), digest],
        )  # fmt: skip
        audit.record(
            con, f"user:{by}", "board_pack",
            f"board pack {pack_id} for list run {basis.run_id}: {breaches} fairness breaches, audit log "
            f"{'intact' if verification.intact else 'NOT intact'}",
            purpose=PURPOSE, file_name=path.name, sha256=digest, at=made_at,
        )  # fmt: skip
    return PackResult(pack_id, path, basis.run_id, breaches, verification.intact, changes)


def _run(con: duckdb.DuckDBPyConnection, run_id: int | None) -> dict[str, Any] | None:
    rows = _rows(con, sql("govern/board_pack_run"), {"run_id": run_id})
    if not rows:
        if run_id is not None:
            raise BoardPackError(f"there is no list run {run_id}: `cohort weekly runs` lists them")
        return None
    return rows[0]


def _previous_pack(con: duckdb.DuckDBPyConnection) -> PackBasis | None:
    found = con.execute(sql("govern/board_pack_previous")).fetchall()
    if not found:
        return None
    pack_id, made_at, run_id, rules_version, rulebook, model_version, settings = found[0]
    return PackBasis(
        run_id, rules_version, json.loads(rulebook), model_version, json.loads(settings), pack_id, made_at
    )


def _model(con: duckdb.DuckDBPyConnection, version: str | None) -> dict[str, Any] | None:
    """The model's card (as an HTML fragment) and test-window fairness, or None on the rules alone."""
    if version is None:
        return None
    try:
        artefact = registered_artefact(con, version)
    except (RegistryError, ArtefactError) as error:
        raise BoardPackError(f"the model the list used cannot be read: {error}") from error
    fairness = read_fairness(artefact)
    card, figures = artefact_card(artefact, fairness, history=history(con, version))
    return {
        "manifest": artefact.manifest,
        "fairness": fairness,
        "card_html": render_card_fragment(card, figures),
    }


def _rules(rulebook: Rulebook) -> list[dict[str, str]]:
    return [
        {"id": r.id, "kind": r.kind, "text": r.text, "when": r.when.text, "reason": r.reason,
         "owner": r.owner, "policy_ref": r.policy_ref, "notes": r.notes, "file": r.file}
        for r in rulebook.rules
    ]  # fmt: skip


def _volumes(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The recent list runs with their size, decisions recorded against them and fairness breaches."""
    return _rows(con, sql("govern/board_pack_volumes"), {"recent": RECENT_RUNS})


def _decisions(con: duckdb.DuckDBPyConnection, since: datetime | None) -> dict[str, Any]:
    """Decisions by kind, in all and since the previous pack."""
    rows = con.execute(sql("govern/board_pack_decisions"), [since, since]).fetchall()
    return {"since": since, "by_kind": [{"decision": d, "all": a, "since": s} for d, a, s in rows]}


def _data_quality(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Per source: files loaded and rejected, rows staged and quarantined, the newest extract; the
    latest linkage run."""
    sources = _rows(con, sql("govern/board_pack_sources"))
    rejected = _rows(con, sql("govern/board_pack_rejected"))
    link = _rows(con, sql("govern/board_pack_link"))
    return {"sources": sources, "rejected": rejected, "link": link[0] if link else None}


def _rows(
    con: duckdb.DuckDBPyConnection, query: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    found = con.execute(query, params)
    columns = [d[0] for d in found.description]
    return [dict(zip(columns, row, strict=True)) for row in found.fetchall()]
