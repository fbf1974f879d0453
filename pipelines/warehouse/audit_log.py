"""The append-only audit log (audit.event), kept to the standard of the Data Protection Act 2018 s.62.

Every collection, alteration, consultation, disclosure, combination and erasure of the data is one
event: who acted, when, on what, why (``purpose``, the justification) and for whom (``recipients``).
Events are only ever appended, inside the caller's transaction, so an event is kept exactly when
what it records is. Each action belongs to one s.62 category (``CATEGORIES``); consultations and
disclosures must say why, and disclosures to whom, or nothing is recorded.

The events form a hash chain, so that editing, deleting, inserting or reordering any event shows:

- ``previous_hash`` is the ``event_hash`` of the event before it ("" for the first event);
- ``event_hash`` is the SHA-256, written as 64 lower-case hexadecimal digits, of the UTF-8 bytes of
  the JSON array ``[event_id, occurred_at, actor, action, category, source, load_id, file_name,
  sha256, rows, detail, purpose, recipients, previous_hash]`` in that order, serialised per RFC 8785
  (JSON Canonicalization Scheme): no whitespace, missing values as ``null``, event_id, load_id and
  rows as JSON integers, every other field a JSON string, non-ASCII characters written as themselves
  and only ``"``, ``\\`` and control characters escaped (``\\b \\t \\n \\f \\r``, others as
  ``\\u00xx``); ``occurred_at`` is the UTC time as ``YYYY-MM-DDTHH:MM:SS.ffffff`` (six fraction
  digits, no zone). In Python: ``hashlib.sha256(json.dumps(values, ensure_ascii=False,
  separators=(",", ":")).encode("utf-8")).hexdigest()``.

Events recorded before the chain existed (migration 0010) are sealed in event_id order, their
category derived from the action, the first time an event is recorded afterwards. The chain is
checked against a checkpoint kept outside the warehouse (:mod:`pipelines.warehouse.audit_chain`), so blanking
the hashes or cutting off the tail shows; ``export`` writes the log (or part of it) for a regulator,
with what they need to check it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.files import write_private
from pipelines.warehouse.queries import sql

# Each action's category under s.62(1). A list run ranks people on police, education and health
# data together, so publishing one is a combination; handing its files to anyone is recorded
# separately, one `export` (a disclosure) per file, naming the recipients.
CATEGORIES: dict[str, str] = {
    "collect": "collection",  # an extract file loaded
    "reject": "collection",  # an extract file received but refused whole
    "supersede": "collection",  # a changed copy of a file replaced the earlier load
    "hold": "collection",  # a shorter re-delivery of a loaded file held for a person
    "accept_shorter": "alteration",  # a person let a held shorter copy replace the longer one
    "combine": "combination",  # a linkage run joined records from every agency into people
    "publish": "combination",  # a weekly list drawn up from the linked data
    "link_decision": "alteration",  # a reviewer settled whether two records are one person
    "decision": "alteration",  # an analyst's decision on a listed person
    "model_candidate": "alteration",  # a risk model trained and registered
    "model_approved": "alteration",
    "model_retired": "alteration",
    "view": "consultation",  # a person's list entries opened
    "link_review_queue": "consultation",  # the queue of uncertain identity matches listed
    "link_review_pair": "consultation",  # two registrations' details shown side by side
    "reproduce": "consultation",  # a published list rebuilt from what it pinned
    "board_pack": "consultation",  # a board pack made from the runs and the log
    "monitor": "consultation",  # a monitoring report made from the runs' predictions and outcomes
    "audit_checkpoint": "alteration",  # the log's checkpoint started anew (`cohort audit checkpoint`)
    "export": "disclosure",  # a list file written for its recipients
    "subject_access": "disclosure",  # a person's data given to them or whoever asked
    "audit_export": "disclosure",  # this log exported for the regulator
    "erase": "erasure",  # records past their retention period erased
    # the randomised trial (pipelines/trial): a commitment is written and committed before its draw
    "trial_commitment": "alteration",  # the hashes of a draw's pool, seed and settings, before it
    "trial_draw": "alteration",  # suitable people allocated to the programme or control
    "trial_abandoned": "alteration",  # a commitment found with no draw (a run stopped between them)
    "trial_withdrawal": "alteration",  # an allocated person withdrawn (they keep their arm)
    "trial_export": "disclosure",  # the allocations written for their recipients
    "trial_evaluation": "consultation",  # outcomes of the allocated people compared by arm (evaluate)
    # the review console's journal, taken in by the sync (pipelines/console/sync/take_in.py)
    "view_list": "consultation",  # a list page shown in the console
    "view_person": "consultation",  # a listed person's page opened in the console
    "view_pair": "consultation",  # an identity pair shown side by side in the console
    "view_departures": "consultation",  # the people who left a list shown in the console
    "decision_review": "alteration",  # a second reviewer approved or refused a console decision
    "pair_decision": "alteration",  # a console reviewer settled whether two records are one person
    "model_approval": "alteration",  # a board member approved a model in the console
    "account_change": "alteration",  # a console account added, changed or deactivated
    "sign_in": "alteration",  # a console session opened (access is traced, no one's data shown)
    "sign_in_refused": "alteration",  # a sign-in refused
    "sign_out": "alteration",  # a console session ended
}
S62_CATEGORIES = ("collection", "alteration", "consultation", "disclosure", "combination", "erasure")
JUSTIFIED = ("consultation", "disclosure")  # s.62(3): the justification must be established
HASHED = ("event_id", "occurred_at", "actor", "action", "category", "source", "load_id", "file_name",
          "sha256", "rows", "detail", "purpose", "recipients", "previous_hash")  # fmt: skip
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"
SERIALISATION = (
    "event_hash = SHA-256 (64 lower-case hex digits) of the UTF-8 bytes of the JSON array "
    f"[{', '.join(HASHED)}] serialised per RFC 8785 (no whitespace, null for missing values, event_id, "
    "load_id and rows as integers, other fields as strings, non-ASCII unescaped), with occurred_at as "
    "YYYY-MM-DDTHH:MM:SS.ffffff (UTC, six fraction digits); previous_hash is the event_hash of the "
    "event before ('' for the first event of the log). In Python: hashlib.sha256(json.dumps(values, "
    "ensure_ascii=False, separators=(',', ':')).encode('utf-8')).hexdigest()."
)


@dataclass(frozen=True)
class Event:
    """One row of audit.event, in the column order of pipelines/warehouse/sql/audit/events.sql."""

    event_id: int
    occurred_at: datetime
    actor: str
    action: str
    category: str | None
    source: str | None
    load_id: int | None
    file_name: str | None
    sha256: str | None
    rows: int | None
    detail: str | None
    purpose: str | None
    recipients: str | None
    previous_hash: str | None
    event_hash: str | None

    def as_json(self) -> dict[str, Any]:
        """Every field, occurred_at written as the chain hashes it."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {**values, "occurred_at": self.occurred_at.strftime(TIME_FORMAT)}


def category_of(action: str) -> str:
    """The s.62 category of an action, or ValueError naming an action nobody has categorised."""
    try:
        return CATEGORIES[action]
    except KeyError:
        raise ValueError(
            f"audit action '{action}' has no s.62 category: add it to "
            "pipelines.warehouse.audit_log.CATEGORIES "
            f"as one of {', '.join(S62_CATEGORIES)}"
        ) from None


def event_hash(event: Event) -> str:
    """The SHA-256 of the event's canonical serialisation (see the module docstring)."""
    values = [event.as_json()[name] for name in HASHED]
    canonical = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    detail: str,
    *,
    at: datetime,
    purpose: str | None = None,
    recipients: str | None = None,
    source: str | None = None,
    load_id: int | None = None,
    file_name: str | None = None,
    sha256: str | None = None,
    rows: int | None = None,
) -> None:
    """Append one event, timed ``at``, chained to the event before it.

    Args:
        at: when it happened (the caller's clock).
        actor: the person (``reviewer:NAME``, ``user:NAME``) or flow (``flow:NAME``) that acted.
        action: one of ``CATEGORIES`` (collect, combine, view, export, decision, model_approved, ...).
        detail: what happened, never naming a person or their data.
        purpose: why: required for consultations and disclosures (the s.62 justification).
        recipients: who received the data: required for disclosures.

    Raises:
        ValueError: the action has no category, or a consultation or disclosure lacks what s.62 asks.
    """
    category = category_of(action)
    if category in JUSTIFIED and not (purpose or "").strip():
        raise ValueError(f"audit action '{action}' is a {category}: give its purpose (why, s.62(3))")
    if category == "disclosure" and not (recipients or "").strip():
        raise ValueError(f"audit action '{action}' is a disclosure: say who received the data (recipients)")
    head = con.execute(sql("audit/head")).fetchall()
    if head and head[0][2] == 0:
        head = [_seal(con)]
    load_id, rows = (None if n is None else int(n) for n in (load_id, rows))  # numpy ints are not JSON
    event = Event(
        head[0][0] + 1 if head else 1, at, actor, action, category, source, load_id, file_name, sha256,
        rows, detail, purpose, recipients, (head[0][1] or "") if head else "", None,
    )  # fmt: skip
    con.execute(sql("ingest/audit_event"), asdict(replace(event, event_hash=event_hash(event))))


def _seal(con: duckdb.DuckDBPyConnection) -> tuple[int, str, int]:
    """Chain the events recorded before migration 0010, in event_id order; return the new head."""
    previous = ""
    sealed = []
    for event in events(con):
        event = replace(event, category=CATEGORIES.get(event.action), previous_hash=previous)
        previous = event_hash(event)
        sealed.append((event.event_id, event.category, event.previous_hash, previous))
    frame = pl.DataFrame(
        sealed, schema={"event_id": pl.Int64, "category": pl.String, "previous_hash": pl.String,
                        "event_hash": pl.String}, orient="row",
    )  # fmt: skip
    con.register("_sealed", frame.to_arrow())
    try:
        con.execute(sql("audit/seal"))
    finally:
        con.unregister("_sealed")
    return sealed[-1][0], previous, len(sealed)


def events(
    con: duckdb.DuckDBPyConnection, since: date | None = None, until: date | None = None
) -> list[Event]:
    """The events that occurred from ``since`` to ``until`` (whole days, both included), oldest first."""
    rows = con.execute(sql("audit/events"), {"since": since, "until": until}).fetchall()
    return [Event(*row) for row in rows]


def recent(con: duckdb.DuckDBPyConnection, last: int, category: str | None = None) -> list[Event]:
    """The last ``last`` events, newest first, of one s.62 category or of all."""
    actions = [action for action, c in CATEGORIES.items() if c == category]
    rows = con.execute(sql("audit/recent"), {"category": category, "actions": actions, "last": last})
    return [Event(*row) for row in rows.fetchall()]


@dataclass(frozen=True)
class ExportSummary:
    """An export of the log: its folder and files, the events it holds and their chain."""

    folder: Path
    events_file: Path
    manifest_file: Path
    count: int
    first_event_id: int | None
    last_event_id: int | None
    head_hash: str | None
    sha256: str


def export(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    *,
    now: datetime,
    since: date | None = None,
    until: date | None = None,
) -> ExportSummary:
    """Write the events (all columns, oldest first) as ``events.jsonl`` and a ``manifest.json``, owner-only.

    The first event's previous_hash is in the file, so a part of the log checks on its own;
    ``now`` is written to the manifest as the time of export.

    Raises:
        FileExistsError: ``out`` already holds an export (choose a new folder).
    """
    events_path, manifest_path = out / "events.jsonl", out / "manifest.json"
    for path in (events_path, manifest_path):
        if path.exists():
            raise FileExistsError(f"{path} already exists: export into a new folder")
    chosen = events(con, since, until)
    text = "".join(json.dumps(e.as_json(), ensure_ascii=False) + "\n" for e in chosen)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    first_id, last_id = (chosen[0].event_id, chosen[-1].event_id) if chosen else (None, None)
    head = chosen[-1].event_hash if chosen else None
    manifest = {
        "events_file": events_path.name, "events_sha256": digest, "count": len(chosen),
        "first_event_id": first_id, "last_event_id": last_id,
        "previous_hash_of_first": chosen[0].previous_hash if chosen else None, "head_hash": head,
        "since": since.isoformat() if since else None, "until": until.isoformat() if until else None,
        "exported_at": now.strftime(TIME_FORMAT), "serialisation": SERIALISATION, "categories": CATEGORIES,
    }  # fmt: skip
    write_private(events_path, text)
    write_private(manifest_path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return ExportSummary(out, events_path, manifest_path, len(chosen), first_id, last_id, head, digest)
