"""Checking the audit log's hash chain against a checkpoint kept outside the warehouse.

Anyone who can write the warehouse can rewrite the whole chain, or blank every hash, so the chain
alone proves nothing about the log's completeness. The checkpoint, ``<stem>.audit-checkpoint.json``
beside the warehouse, holds the id and hash of the last event seen intact. It is:

- started when the first events of an empty log are committed (:func:`advance_checkpoint`, called
  by ``pipelines.warehouse.connection.connect`` when a connection's work is done), or explicitly by
  ``cohort audit checkpoint``, which records that it did so in the log itself;
- moved to the new head whenever the events after it form an intact chain from it;
- never started silently for a log that already holds events, and never moved when broken.

A log with events is intact only if every event has a hash, the chain recomputes, and the checkpoint
exists and agrees with the log. An empty log without a checkpoint is intact (nothing was recorded).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import duckdb

from pipelines.files import write_private
from pipelines.warehouse.audit_log import Event, event_hash, events
from pipelines.warehouse.queries import sql

Head = tuple[int, str | None]
"""The last event of the log: its id and hash (None: not sealed)."""


class Problem(NamedTuple):
    """Something wrong with the log: the event it concerns (None: the log as a whole) and what."""

    event_id: int | None
    what: str


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found: events checked, the head of the chain, and every problem."""

    checked: int
    head_id: int | None
    head_hash: str | None
    problems: list[Problem]
    unsealed: int = 0  # events with no hash: from before the chain existed, or blanked

    @property
    def intact(self) -> bool:
        return not self.problems


def checkpoint_path(warehouse: Path) -> Path:
    """Where the audit checkpoint of a warehouse lives: ``<stem>.audit-checkpoint.json`` beside it."""
    return warehouse.with_name(f"{warehouse.stem}.audit-checkpoint.json")


def head(con: duckdb.DuckDBPyConnection) -> Head | None:
    """The last event's id and hash, or None for an empty log."""
    found = con.execute(sql("audit/head")).fetchall()
    return (int(found[0][0]), found[0][1]) if found else None


def write_checkpoint(checkpoint: Path, event: Event, checked_at: datetime | None = None) -> None:
    """Record ``event`` (the head of an intact chain) as the checkpoint, owner-only."""
    saved: dict[str, object] = {
        "event_id": event.event_id, "event_hash": event.event_hash, "when": event.occurred_at.isoformat(),
    }  # fmt: skip
    if checked_at is not None:
        saved["checked_at"] = checked_at.isoformat()
    write_private(checkpoint, json.dumps(saved, indent=2) + "\n", own_folder=False)


def advance_checkpoint(con: duckdb.DuckDBPyConnection, warehouse: Path, at_open: Head | None) -> None:
    """Move the checkpoint to the log's head once a connection's events are committed.

    Args:
        warehouse: the warehouse file (the checkpoint is beside it).
        at_open: the head when the connection was opened: a checkpoint is started only for a log
            that was empty then, so a deleted checkpoint is never silently replaced.
    """
    now_head = head(con)
    if now_head is None or now_head == at_open or not now_head[1]:
        return
    checkpoint = checkpoint_path(warehouse)
    if checkpoint.exists():
        saved = _read(checkpoint)
        if saved is None:
            return
        tail = _events_from(con, saved[0])
        if not tail or (tail[0].event_id, tail[0].event_hash) != saved[:2]:
            return
    elif at_open is None:
        tail = _events_from(con, 1)
        if not tail or tail[0].event_id != 1 or tail[0].previous_hash != "":
            return
    else:
        return
    if _linked(tail):
        write_checkpoint(checkpoint, tail[-1])


def _events_from(con: duckdb.DuckDBPyConnection, first: int) -> list[Event]:
    return [Event(*row) for row in con.execute(sql("audit/events_from"), {"first": first}).fetchall()]


def _linked(tail: list[Event]) -> bool:
    """Every event has its own hash, the next id, and the hash of the one before as previous_hash."""
    for before, event in zip(tail, tail[1:], strict=False):
        if event.event_id != before.event_id + 1 or event.previous_hash != before.event_hash:
            return False
    return all(e.event_hash and e.event_hash == event_hash(e) for e in tail)


def verify(con: duckdb.DuckDBPyConnection, checkpoint: Path | None, now: datetime) -> Verification:
    """Check the hash chain and, against the checkpoint, the whole log; move the checkpoint when intact.

    Args:
        checkpoint: the checkpoint file (JSON: event_id, event_hash, when), or None to check the chain
            alone (a part of the log, or a copy away from its checkpoint).
        now: when the check is made (kept in the checkpoint as checked_at).

    Returns:
        The events checked, the head and every problem found.
    """
    log = events(con)
    blank = sum(not e.event_hash for e in log)
    problems = _chain_problems(log) if blank < len(log) else []
    if blank == len(log) and log:
        problems.append(Problem(None, (
            f"none of the {len(log)} events has a hash: the chain was removed, or the log predates it "
            "(then run `cohort audit checkpoint`, which seals it and records that it did)"
        )))  # fmt: skip
    if checkpoint is not None and checkpoint.exists():
        problems += _checkpoint_problems(log, checkpoint)
    elif checkpoint is not None and log:
        problems.append(Problem(None, (
            f"there is no checkpoint ({checkpoint}) for a log of {len(log)} events, so a rewritten or "
            "cut log cannot be told from a whole one: it was deleted, or the warehouse was copied "
            "without it (then copy it too), or the log predates it (then run `cohort audit checkpoint`)"
        )))  # fmt: skip
    last = log[-1] if log else None
    if checkpoint is not None and checkpoint.exists() and last is not None and not problems:
        write_checkpoint(checkpoint, last, now)
    return Verification(
        len(log), last.event_id if last else None, last.event_hash if last else None, problems, blank
    )


def _chain_problems(log: list[Event]) -> list[Problem]:
    problems = []
    expected_id, link = 1, ""
    for event in log:
        n = event.event_id
        gap = n > expected_id
        if gap:
            span = f"event {expected_id}" if n - 1 == expected_id else f"events {expected_id}-{n - 1}"
            problems.append(Problem(expected_id, f"{span} deleted (the event ids jump to {n})"))
        computed = event_hash(event)
        if not event.event_hash:
            problems.append(Problem(n, f"event {n}: its hash is blank although the log is sealed"))
        elif event.event_hash != computed:
            problems.append(Problem(n, f"event {n}: edited (its hash does not match its contents)"))
        if not gap and event.previous_hash != link:
            problems.append(Problem(n, (
                f"event {n}: its previous_hash is not the hash of event {n - 1}: an event before it was "
                "deleted, inserted, moved, or edited and re-hashed"
            ) if n > 1 else f"event {n}: the first event's previous_hash is not empty"))  # fmt: skip
        expected_id, link = n + 1, event.event_hash or computed
    return problems


def _read(checkpoint: Path) -> tuple[int, str, str] | None:
    """The checkpoint's event id, hash and when, or None if it cannot be read."""
    try:
        saved = json.loads(checkpoint.read_text(encoding="utf-8"))
        when = datetime.fromisoformat(str(saved["when"])).strftime("%d/%m/%Y %H:%M UTC")
        return int(saved["event_id"]), str(saved["event_hash"]), when
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _checkpoint_problems(log: list[Event], checkpoint: Path) -> list[Problem]:
    saved = _read(checkpoint)
    if saved is None:
        return [Problem(None, f"the checkpoint {checkpoint} cannot be read: it was damaged")]
    point, digest, taken = saved
    found = next((e for e in log if e.event_id == point), None)
    last = log[-1].event_id if log else 0
    if last < point:
        return [Problem(point, (
            f"the log ends at event {last} but the checkpoint of {taken} recorded event {point}: "
            "the tail was deleted"
        ))]  # fmt: skip
    if found is None:
        return [Problem(point, f"event {point}, recorded in the checkpoint of {taken}, is missing")]
    if found.event_hash != digest:
        return [Problem(point, (
            f"event {point} differs from the checkpoint of {taken}: the log was rewritten up to there"
        ))]  # fmt: skip
    return []
