"""The rest of the read model, read from the warehouse as rows: review decisions, the identity pairs
awaiting clerical review, the models with their checks, and the data's health."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import duckdb

from data_contracts.contract import load_contracts
from data_contracts.gates import freshness_gate
from pipelines.link.pair_review import copy_pairs
from pipelines.paths import model_card_folder
from pipelines.train.model_cards import read_fairness
from pipelines.warehouse.model_registry import history, models
from pipelines.warehouse.model_store import ArtefactError, read_artefact
from pipelines.warehouse.queries import sql

Row = dict[str, Any]
PAIR_PURPOSE = "copied to the review console for clerical review of uncertain identity matches"
"""Why a pending pair's two registrations are read when it is published to the console (s.62(3))."""
HEALTH_ROWS = 50
"""How many recent ingest runs, linkage runs and rejected files the read model keeps."""


def decision_rows(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Every review decision (rm_decision rows)."""
    keys = ("decision_id", "run_id", "person_id", "decision", "reason", "reviewer", "pathway", "made_at",
            "console_decision_id")  # fmt: skip
    return [dict(zip(keys, row, strict=True)) for row in con.execute(sql("console/decisions")).fetchall()]


def pending_pairs(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[float, str, datetime | None]]:
    """pair_id -> (match probability, linkage run, when it was queued) of every pair awaiting review."""
    return {p: (float(m), r, at) for p, m, r, at in con.execute(sql("console/pairs")).fetchall()}


def pair_rows(
    con: duckdb.DuckDBPyConnection, pending: dict[str, tuple[float, str, datetime | None]], new: list[str],
    *, by: str, now: datetime,
) -> tuple[list[Row], list[Row]]:  # fmt: skip
    """The ``new`` pairs with both sides' fields (rm_pair rows; the read is audited, one event for the
    batch: :func:`pipelines.link.pair_review.copy_pairs`) and the people they involve (rm_pair_person
    rows)."""
    pairs = []
    for pair_id, (_, table) in copy_pairs(con, new, actor=by, purpose=PAIR_PURPOSE, now=now).items():
        probability, link_run, queued_at = pending[pair_id]
        fields = [list(row) for row in table.iter_rows()]
        pairs.append(
            {"pair_id": pair_id, "match_probability": probability, "link_run": link_run,
             "queued_at": queued_at, "fields": json.dumps(fields)}
        )  # fmt: skip
    if not new:
        return pairs, []
    wanted = set(new)
    people = [
        {"pair_id": p, "person_id": int(person)}
        for p, person in con.execute(sql("console/pair_people")).fetchall()
        if p in wanted
    ]
    return pairs, people


def model_rows(con: duckdb.DuckDBPyConnection) -> tuple[list[Row], list[Row]]:
    """Every model (rm_model rows) with its fairness breaches and unmet targets, and its status
    history (rm_model_status rows)."""
    found, statuses = [], []
    for model in models(con):
        breaches, unmet = _checks(model.path)
        card = model_card_folder(model.path)
        found.append(
            {"version": model.version, "status": model.status, "trained_at": model.trained_at,
             "test_date": model.test_as_of, "auc": model.auc, "ece": model.ece,
             "breaches": json.dumps(breaches), "unmet_targets": json.dumps(unmet),
             "card_folder": str(card) if card.is_dir() else None}
        )  # fmt: skip
        for seq, (status, changed_by, reason, at) in enumerate(history(con, model.version)):
            statuses.append(
                {"version": model.version, "seq": seq, "status": status, "changed_by": changed_by,
                 "reason": reason, "changed_at": at}
            )  # fmt: skip
    return found, statuses


def _checks(path: Any) -> tuple[list[str], list[str]]:
    """The artefact's fairness breaches and the evaluation targets it did not meet."""
    try:
        artefact = read_artefact(path)
        fairness = read_fairness(artefact) or {}
    except (ArtefactError, ValueError, OSError) as error:
        return [], [f"the model's files cannot be read: {error}"]
    breaches = [str(b["message"]) for b in fairness.get("breaches", [])]
    targets = artefact.manifest.get("evaluation", {}).get("targets", {})
    unmet = [
        f"{name}: wanted {t.get('target')}; measured {_number(t.get('value'))}"
        for name, t in targets.items()
        if not t.get("met")
    ]
    return breaches, unmet


def _number(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def health_rows(con: duckdb.DuckDBPyConnection, today: date) -> dict[str, list[Row]]:
    """Data health by read table: sources (stale as of ``today``), the latest ingest run's gates,
    rejected files, recent ingest and linkage runs."""
    contracts = load_contracts()
    sources = []
    for source, newest, files, rejected, rows, quarantined in con.execute(sql("console/sources")).fetchall():
        contract = contracts.get(source)
        stale = contract is not None and not freshness_gate(contract, newest, today).passed
        sources.append(
            {"source": source, "newest_extract": newest, "stale": stale, "files": files,
             "rejected": rejected, "rows": rows, "quarantined": quarantined}
        )  # fmt: skip
    for name in sorted(set(contracts) - {s["source"] for s in sources}):
        sources.append(
            {"source": name, "newest_extract": None, "stale": True, "files": 0, "rejected": 0, "rows": 0,
             "quarantined": 0}
        )  # fmt: skip
    latest = con.execute(sql("lists/latest_ingest_gates")).fetchall()
    gates = json.loads(latest[0][1]) if latest else []
    limit = {"limit": HEALTH_ROWS}
    return {
        "rm_source": sources,
        "rm_gate": [
            {
                "seq": i,
                "gate": g["gate"],
                "source": g.get("source"),
                "passed": bool(g["passed"]),
                "message": g["message"],
            }
            for i, g in enumerate(gates)
        ],  # fmt: skip
        "rm_rejected": [
            {"load_id": i, "file_name": f, "source": s, "received_at": at, "reason": why}
            for i, f, s, at, why in con.execute(sql("console/rejected_files"), limit).fetchall()
        ],
        "rm_ingest_run": [
            {"run_id": r, "run_at": at, "files_loaded": ok, "files_rejected": bad, "rows_quarantined": q}
            for r, at, ok, bad, q in con.execute(sql("console/ingest_runs"), limit).fetchall()
        ],
        "rm_link_run": [
            {"run_id": r, "run_at": at, "status": s}
            for r, at, s in con.execute(sql("console/link_runs"), limit).fetchall()
        ],
    }
