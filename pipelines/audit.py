"""The append-only audit log (audit.event): who did what to which data, when, why and for whom.

Every collection, combination, view, export, decision and model status change is one event. Events
are only ever appended, inside the caller's transaction, so an event is kept exactly when what it
records is.
"""

from __future__ import annotations

import duckdb

from pipelines.steps import now
from pipelines.warehouse import sql


def record(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    detail: str,
    *,
    purpose: str | None = None,
    recipients: str | None = None,
    source: str | None = None,
    load_id: int | None = None,
    file_name: str | None = None,
    sha256: str | None = None,
    rows: int | None = None,
) -> None:
    """Append one event, timed by the wall clock.

    Args:
        actor: the person (``reviewer:NAME``, ``user:NAME``) or flow (``flow:NAME``) that acted.
        action: collect, reject, supersede, combine, view, export, decision, model_approved, ...
        detail: what happened, never naming a person or their data.
        purpose: why (for views, exports and decisions).
        recipients: who received the data (for exports).
    """
    con.execute(
        sql("ingest/audit_event"),
        {"occurred_at": now(), "actor": actor, "action": action, "source": source, "load_id": load_id,
         "file_name": file_name, "sha256": sha256, "rows": rows, "detail": detail, "purpose": purpose,
         "recipients": recipients},
    )  # fmt: skip
