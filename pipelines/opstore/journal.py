"""The console's journal: each view and action in the web app, hash-chained, for the sync to audit.

Each entry is one s.62 event (``ACTIONS`` gives its category; the same action names and categories
as :data:`pipelines.warehouse.audit_log.CATEGORIES`, so the sync maps them one to one). Consultations
must give a purpose. The entries form a hash chain, so that editing, deleting, inserting or
reordering any entry shows (:func:`verify`):

- ``previous_hash`` is the ``entry_hash`` of the entry before it ("" for the first, seq 1);
- ``entry_hash`` is the SHA-256, written as 64 lower-case hexadecimal digits, of the UTF-8 bytes of
  the JSON array ``[seq, occurred_at, actor, action, category, purpose, detail, person_id, run_id,
  rows, previous_hash]`` in that order: no whitespace, missing values as ``null``, seq, person_id,
  run_id and rows as JSON integers, every other field a JSON string, non-ASCII characters written as
  themselves; ``occurred_at`` is the UTC time as ``YYYY-MM-DDTHH:MM:SS.ffffff``. In Python
  (the serialisation of :mod:`pipelines.warehouse.audit_log`): ``hashlib.sha256(json.dumps(values,
  ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest()``.

The single ``journal_head`` row holds the last seq and hash. Appends are serialised so the chain
never forks: on SQLite every transaction begins IMMEDIATE (one writer at a time); on PostgreSQL the
append locks the head row (``SELECT ... FOR UPDATE``) inside its transaction. The head also lets
:func:`verify` see entries cut off the end.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy
from sqlalchemy import insert, select, update

from pipelines.opstore.engine import Store, naive_utc, read_connection
from pipelines.opstore.schema import journal, journal_head

ACTIONS: dict[str, str] = {
    "view_list": "consultation",  # a list page (or the second-review queue) shown
    "view_person": "consultation",  # a listed person's page opened
    "view_pair": "consultation",  # an identity pair shown side by side
    "view_departures": "consultation",  # the people who left a list shown
    "decision": "alteration",  # an analyst's decision on a listed person
    "decision_review": "alteration",  # a second reviewer approved or refused a decision
    "pair_decision": "alteration",  # a reviewer settled whether two records are one person
    "model_approval": "alteration",  # a board member approved a model version
    "account_change": "alteration",  # an account added, its roles, password or activity changed
    "sign_in": "alteration",  # a session opened
    "sign_in_refused": "alteration",  # a sign-in refused
    "sign_out": "alteration",  # a session ended
}
JUSTIFIED = ("consultation", "disclosure")
HASHED = ("seq", "occurred_at", "actor", "action", "category", "purpose", "detail", "person_id",
          "run_id", "rows", "previous_hash")  # fmt: skip
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


@dataclass(frozen=True)
class JournalEntry:
    """One journal entry (see the module docstring for the hash)."""

    seq: int
    occurred_at: datetime
    actor: str
    action: str
    category: str
    purpose: str | None
    detail: str
    person_id: int | None
    run_id: int | None
    rows: int | None
    previous_hash: str
    entry_hash: str


def entry_hash(entry: JournalEntry) -> str:
    """The SHA-256 of the entry's canonical serialisation (see the module docstring)."""
    values: list[Any] = [getattr(entry, name) for name in HASHED]
    values[1] = entry.occurred_at.strftime(TIME_FORMAT)
    canonical = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def append(
    store: Store,
    *,
    now: datetime,
    actor: str,
    action: str,
    detail: str,
    purpose: str | None = None,
    person_id: int | None = None,
    run_id: int | None = None,
    rows: int | None = None,
    connection: sqlalchemy.Connection | None = None,
) -> JournalEntry:
    """Append one entry to the chain.

    Args:
        store: the operational store.
        now: when it happened (UTC).
        actor: who, e.g. ``user:alice``.
        action: one of ``ACTIONS``.
        detail: what, without personal data (ids and counts only).
        purpose: why; required for consultations.
        person_id: the person concerned, if one.
        run_id: the list run concerned, if one.
        rows: how many rows were shown or changed, if it matters.
        connection: the caller's transaction to append in; without it the entry is committed in its
            own transaction before this returns.

    Returns:
        The entry as stored.

    Raises:
        ValueError: an unknown action, or a consultation without a purpose.
    """
    category = ACTIONS.get(action)
    if category is None:
        raise ValueError(f"journal action '{action}' is not one of {', '.join(ACTIONS)}")
    if category in JUSTIFIED and not (purpose or "").strip():
        raise ValueError(f"a {category} ('{action}') must give its purpose")
    fields = {
        "occurred_at": naive_utc(now), "actor": actor, "action": action, "category": category,
        "purpose": purpose, "detail": detail, "person_id": person_id, "run_id": run_id, "rows": rows,
    }  # fmt: skip
    if connection is not None:
        return _append(connection, fields)
    with store.engine.begin() as own:
        return _append(own, fields)


def _append(connection: sqlalchemy.Connection, fields: dict[str, Any]) -> JournalEntry:
    """Lock the head (PostgreSQL; SQLite's BEGIN IMMEDIATE already excludes other writers), chain, insert."""
    head = connection.execute(
        select(journal_head.c.seq, journal_head.c.entry_hash).where(journal_head.c.id == 1).with_for_update()
    ).first()
    if head is None:
        connection.execute(insert(journal_head).values(id=1, seq=0, entry_hash=""))
        seq, previous = 0, ""
    else:
        seq, previous = int(head.seq), str(head.entry_hash)
    unsealed = JournalEntry(seq=seq + 1, previous_hash=previous, entry_hash="", **fields)
    entry = JournalEntry(**{**unsealed.__dict__, "entry_hash": entry_hash(unsealed)})
    connection.execute(insert(journal).values(**entry.__dict__))
    connection.execute(
        update(journal_head).where(journal_head.c.id == 1).values(seq=entry.seq, entry_hash=entry.entry_hash)
    )
    return entry


def entries(store: Store, *, since_seq: int = 0, limit: int | None = None) -> list[JournalEntry]:
    """The entries after ``since_seq``, oldest first (at most ``limit``)."""
    query = select(*_columns()).where(journal.c.seq > since_seq).order_by(journal.c.seq).limit(limit)
    with read_connection(store) as connection:
        return [_entry(row) for row in connection.execute(query)]


def untaken(store: Store, limit: int = 10_000) -> list[JournalEntry]:
    """The entries the sync has not yet taken into audit.event, oldest first (at most ``limit``)."""
    query = select(*_columns()).where(journal.c.taken_at.is_(None)).order_by(journal.c.seq).limit(limit)
    with read_connection(store) as connection:
        return [_entry(row) for row in connection.execute(query)]


def mark_taken(store: Store, taken: list[tuple[int, int]], *, now: datetime) -> None:
    """Record that entries became audit events (after the warehouse committed them).

    Args:
        store: the operational store.
        taken: (seq, audit.event event_id) pairs.
        now: when (UTC).
    """
    if not taken:
        return
    statement = (
        update(journal)
        .where(journal.c.seq == sqlalchemy.bindparam("b_seq"))
        .values(taken_at=naive_utc(now), event_id=sqlalchemy.bindparam("b_event"))
    )
    with store.engine.begin() as connection:
        connection.execute(statement, [{"b_seq": seq, "b_event": event} for seq, event in taken])


def verify(store: Store) -> list[str]:
    """Recompute the chain.

    Returns:
        One sentence per problem (an edited, deleted, inserted or reordered entry, or entries cut off
        the end); an empty list when the chain is intact.
    """
    problems: list[str] = []
    expected_seq, previous = 1, ""
    with read_connection(store) as connection:
        head = connection.execute(select(journal_head.c.seq, journal_head.c.entry_hash)).first()
        for row in connection.execute(select(*_columns()).order_by(journal.c.seq)):
            entry = _entry(row)
            if entry.seq != expected_seq:
                problems.append(f"entries {expected_seq} to {entry.seq - 1} are missing (deleted)")
            if entry.previous_hash != previous:
                problems.append(
                    f"entry {entry.seq} does not follow the entry before it (deleted, inserted or reordered)"
                )
            if entry_hash(entry) != entry.entry_hash:
                problems.append(
                    f"entry {entry.seq} does not match its hash (edited, or moved from elsewhere)"
                )
            expected_seq, previous = entry.seq + 1, entry.entry_hash
    last = expected_seq - 1
    if head is not None and (int(head.seq), str(head.entry_hash)) != (last, previous):
        if int(head.seq) > last:
            problems.append(f"entries {last + 1} to {head.seq} are missing from the end (deleted)")
        else:
            problems.append(f"the journal's head (entry {head.seq}) does not match its last entry ({last})")
    return problems


def _columns() -> list[sqlalchemy.Column[Any]]:
    return [journal.c[name] for name in (*HASHED, "entry_hash")]


def _entry(row: sqlalchemy.Row[Any]) -> JournalEntry:
    values = row._mapping
    return JournalEntry(
        seq=int(values["seq"]), occurred_at=values["occurred_at"], actor=values["actor"],
        action=values["action"], category=values["category"], purpose=values["purpose"],
        detail=values["detail"], person_id=values["person_id"], run_id=values["run_id"],
        rows=values["rows"], previous_hash=values["previous_hash"], entry_hash=values["entry_hash"],
    )  # fmt: skip
