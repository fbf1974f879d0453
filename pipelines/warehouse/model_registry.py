"""Which trained models exist and which one is in use (scoring.model), with who decided and why.

A trained model starts as a candidate. ``approve`` makes it the one weekly scoring uses and
retires the model approved before it; ``retire`` takes a model out of use. Every change is
kept in scoring.model_status and the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.model_store import Artefact, read_artefact
from pipelines.warehouse.queries import sql, transaction

LATEST = "latest"


class RegistryError(ValueError):
    """An unknown model version, or a change its status does not allow."""


class AlreadyInStatus(RegistryError):
    """The model already has the status asked for: nothing to change."""


@dataclass(frozen=True)
class ModelRecord:
    """One row of scoring.model."""

    version: str
    status: str
    path: Path
    trained_at: datetime
    test_as_of: date
    auc: float | None
    ece: float | None


def register(con: duckdb.DuckDBPyConnection, manifest: dict[str, Any], path: Path, by: str) -> bool:
    """Record a newly trained model as a candidate; False if that version is already recorded."""
    version = manifest["version"]
    if con.execute(sql("models/is_registered"), [version]).fetchall():
        return False
    split, metrics = manifest["split"], manifest["evaluation"]["metrics"]["risk model"]
    trained_at = datetime.fromisoformat(manifest["trained_at"])
    with transaction(con):
        con.execute(
            sql("models/register"),
            [version, manifest["content_hash"], str(path), trained_at, split["test"], split["train"][0],
             split["train"][-1], manifest["rules_version"], manifest["code_version"], metrics["auc"],
             metrics["ece"]],
        )  # fmt: skip
        _log(con, version, "candidate", by, "trained", trained_at)
    return True


def set_status(
    con: duckdb.DuckDBPyConnection, version: str, status: str, by: str, reason: str, now: datetime
) -> tuple[str, list[str]]:
    """Approve or retire ``version``; approving retires the model approved before it.

    Args:
        version: a version, or ``latest`` for the model trained most recently.

    Returns:
        The version changed, and those retired as a consequence (approving over an approved model).

    Raises:
        RegistryError: unknown version, empty name or reason, or a retired model approved again.
    """
    if status not in ("approved", "retired"):
        raise RegistryError(f"status must be approved or retired, not {status!r}")
    if not by.strip() or not reason.strip():
        raise RegistryError("say who decides (--by) and why (--reason): both are kept in the audit log")
    if version == LATEST:
        newest = models(con)
        version = newest[0].version if newest else version
    found = con.execute(sql("models/status"), [version]).fetchall()
    if not found:
        raise RegistryError(f"no model {version!r}: `cohort model list` shows the versions trained")
    (current,) = found[0]
    if current == status:
        raise AlreadyInStatus(f"model {version} is already {status}")
    if current == "retired":
        raise RegistryError(f"model {version} is retired and stays retired: train or approve another")
    superseded = []
    with transaction(con):
        if status == "approved":
            superseded = [v for (v,) in con.execute(sql("models/approved")).fetchall()]
            for old in superseded:
                _change(con, old, "retired", by, f"superseded by {version}", now)
        _change(con, version, status, by, reason, now)
    return version, superseded


def models(con: duckdb.DuckDBPyConnection) -> list[ModelRecord]:
    """Every model trained, newest first."""
    rows = con.execute(sql("models/models")).fetchall()
    return [ModelRecord(v, s, Path(p), t, d, a, e) for v, s, p, t, d, a, e in rows]


def approved_model(con: duckdb.DuckDBPyConnection) -> ModelRecord | None:
    """The model weekly scoring uses, if one is approved."""
    return next((m for m in models(con) if m.status == "approved"), None)


def registered_artefact(con: duckdb.DuckDBPyConnection, version: str) -> Artefact:
    """The artefact of a registered model, read back and checked against its manifest's hashes.

    Raises:
        RegistryError: no model ``version`` is in the registry.
        ArtefactError: its folder is missing, or a file in it is missing or changed.
    """
    found = con.execute(sql("models/path"), [version]).fetchall()
    if not found:
        raise RegistryError(f"no model {version!r}: `cohort model list` shows the versions trained")
    return read_artefact(Path(found[0][0]))


def history(con: duckdb.DuckDBPyConnection, version: str) -> list[tuple[str, str, str, datetime]]:
    """Every status the model has had: (status, by, reason, when), oldest first."""
    return [(s, b, r, t) for s, b, r, t in con.execute(sql("models/status_history"), [version]).fetchall()]


def _change(
    con: duckdb.DuckDBPyConnection, version: str, status: str, by: str, reason: str, now: datetime
) -> None:
    con.execute(sql("models/set_status"), [status, version])
    _log(con, version, status, by, reason, now)


def _log(
    con: duckdb.DuckDBPyConnection, version: str, status: str, by: str, reason: str, now: datetime
) -> None:
    con.execute(sql("models/log_status"), [version, status, by, reason, now])
    audit.record(con, by, f"model_{status}", f"model {version}: {reason}", at=now)
