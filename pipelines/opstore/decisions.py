"""Console decisions on listed people: optimistic concurrency, second review, taken in by the sync.

Each (run, person) has a head row with a version. A decision is saved against the version its form
was shown with: the head moves from that version to the next with a conditional UPDATE (``WHERE
version = seen``), or is inserted when nobody has decided yet (seen 0, relying on the primary key).
If someone else moved it first, nothing is written and :class:`Conflict` carries their decision, so
two people can never both save from the same version and nothing is overwritten. A second review
moves the head too, so a form shown before the review conflicts rather than ignoring it.

A decision the policy sends for a second review is "awaiting second review" until another person
approves ("approved") or refuses ("refused") it; only final and approved decisions go to the
warehouse. Every change is journalled in its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy
from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from lists.entries import DECISIONS as DECISIONS
from pipelines.opstore import engine, journal
from pipelines.opstore.engine import Store, naive_utc, read_connection
from pipelines.opstore.schema import decision as decision_table
from pipelines.opstore.schema import decision_head

FINAL, AWAITING, APPROVED, REFUSED = "final", "awaiting second review", "approved", "refused"
STATES = (FINAL, AWAITING, APPROVED, REFUSED)


@dataclass(frozen=True)
class DecisionRecord:
    """One console decision and what became of it."""

    decision_id: int
    run_id: int
    person_id: int
    decision: str
    reason: str
    pathway: str | None
    made_by: str
    made_at: datetime
    state: str
    second_by: str | None
    second_at: datetime | None
    second_reason: str | None
    version: int  # the (run, person) head's version after this decision's last change
    taken_at: datetime | None
    outcome: str | None


class Conflict(Exception):
    """Someone else decided first; ``current`` is their decision (None if it cannot be read)."""

    def __init__(self, current: DecisionRecord | None) -> None:
        self.current = current
        said = f": {current.made_by} recorded {current.decision}" if current else ""
        super().__init__(f"someone else decided first{said}; nothing was overwritten")


class DecisionError(ValueError):
    """A refused decision or review: blank reason, unknown decision, reviewing one's own decision..."""


class _Moved(Exception):
    """The head is not at the version the caller saw (rolls the transaction back)."""


def current_version(store: Store, run_id: int, person_id: int) -> int:
    """The (run, person) decision version: 0 when nobody has decided in the console."""
    query = select(decision_head.c.version).where(
        decision_head.c.run_id == run_id, decision_head.c.person_id == person_id
    )
    with read_connection(store) as connection:
        found = connection.execute(query).scalar()
    return int(found or 0)


def record(
    store: Store,
    *,
    run_id: int,
    person_id: int,
    decision: str,
    reason: str,
    pathway: str | None,
    by: str,
    seen_version: int,
    needs_second_review: bool,
    now: datetime,
) -> DecisionRecord:
    """Save a decision made from a page showing ``seen_version``, with its journal entry, in one transaction.

    Args:
        store: the operational store.
        run_id: the list run.
        person_id: the listed person.
        decision: one of ``DECISIONS``.
        reason: why (not blank).
        pathway: the pathway chosen, if any.
        by: who (a username).
        seen_version: the version the page was shown with (``current_version`` then).
        needs_second_review: the policy sends this decision to another person.
        now: when (UTC).

    Returns:
        The saved decision.

    Raises:
        DecisionError: an unknown decision or a blank reason.
        Conflict: someone else moved the version since ``seen_version``.
    """
    if decision not in DECISIONS:
        raise DecisionError(f"a decision is one of {', '.join(DECISIONS)}")
    if not reason.strip():
        raise DecisionError("give a reason for the decision")
    at, version = naive_utc(now), seen_version + 1
    row = {
        "run_id": run_id, "person_id": person_id, "decision": decision, "reason": reason.strip(),
        "pathway": (pathway or "").strip() or None, "made_by": by, "made_at": at,
        "state": AWAITING if needs_second_review else FINAL, "version": version,
    }  # fmt: skip
    try:
        with store.engine.begin() as connection:
            added = insert(decision_table).values(**row).returning(decision_table.c.decision_id)
            decision_id = int(connection.execute(added).scalar_one())
            _move_head(connection, run_id, person_id, seen_version, decision_id)
            journal.append(
                store, now=now, actor=_actor(by), action="decision", run_id=run_id, person_id=person_id,
                detail=f"decision {decision} on run {run_id}"  # the person is in person_id, never in words
                + (" (awaiting a second review)" if needs_second_review else ""),
                connection=connection,
            )  # fmt: skip
    except (_Moved, IntegrityError):
        raise Conflict(_head_record(store, run_id, person_id)) from None
    return _record({**row, "decision_id": decision_id})


def review(
    store: Store, decision_id: int, *, by: str, approve: bool, reason: str, now: datetime
) -> DecisionRecord:
    """A second person approves or refuses a decision awaiting review.

    Args:
        store: the operational store.
        decision_id: the decision reviewed.
        by: the reviewer (not the decision's maker).
        approve: approve it (True) or refuse it (False).
        reason: why (not blank).
        now: when (UTC).

    Returns:
        The decision as reviewed.

    Raises:
        DecisionError: no such decision, one's own decision, a blank reason, or one that no longer
            awaits review (reviewed by someone else, or a newer decision recorded since).
    """
    if not reason.strip():
        raise DecisionError("give a reason for the review")
    with store.engine.begin() as connection:
        found = connection.execute(
            select(decision_table).where(decision_table.c.decision_id == decision_id)
        ).first()
        if found is None:
            raise DecisionError("there is no such decision")
        made = _record(found._mapping)
        if made.made_by == by:
            raise DecisionError("a decision must be reviewed by someone other than the person who made it")
        if made.state != AWAITING:
            raise DecisionError(f"the decision is {made.state} already ({made.second_by or made.made_by})")
        head = _head(connection, made.run_id, made.person_id)
        if head is None or head.decision_id != decision_id:
            raise DecisionError("a newer decision on this person was recorded since; it replaces this one")
        try:
            _move_head(connection, made.run_id, made.person_id, int(head.version), decision_id)
        except _Moved:
            raise DecisionError("someone else changed this decision just now: look again") from None
        values = {
            "state": APPROVED if approve else REFUSED, "second_by": by, "second_at": naive_utc(now),
            "second_reason": reason.strip(), "version": int(head.version) + 1,
        }  # fmt: skip
        connection.execute(
            update(decision_table).where(decision_table.c.decision_id == decision_id).values(**values)
        )
        journal.append(
            store, now=now, actor=_actor(by), action="decision_review", run_id=made.run_id,
            person_id=made.person_id, connection=connection,
            detail=f"decision {decision_id} ({made.decision} on run {made.run_id}) "
            f"{'approved' if approve else 'refused'}",
        )  # fmt: skip
    return _record({**found._mapping, **values})


def awaiting_review(store: Store) -> list[DecisionRecord]:
    """Decisions awaiting a second review (still the latest on their person), oldest first."""
    query = (
        select(decision_table)
        .join(decision_head, decision_head.c.decision_id == decision_table.c.decision_id)
        .where(decision_table.c.state == AWAITING)
        .order_by(decision_table.c.made_at, decision_table.c.decision_id)
    )
    return _select(store, query)


def for_person(store: Store, person_id: int) -> list[DecisionRecord]:
    """A person's console decisions on every run, newest first."""
    query = (
        select(decision_table)
        .where(decision_table.c.person_id == person_id)
        .order_by(decision_table.c.made_at.desc(), decision_table.c.decision_id.desc())
    )
    return _select(store, query)


def latest_for_run(store: Store, run_id: int) -> dict[int, DecisionRecord]:
    """The latest console decision on each person of a run, by person id."""
    query = (
        select(decision_table)
        .join(decision_head, decision_head.c.decision_id == decision_table.c.decision_id)
        .where(decision_head.c.run_id == run_id)
    )
    return {d.person_id: d for d in _select(store, query)}


def untaken(store: Store) -> list[DecisionRecord]:
    """Final and approved decisions the sync has not yet taken into the warehouse, oldest first."""
    query = (
        select(decision_table)
        .where(decision_table.c.state.in_((FINAL, APPROVED)), decision_table.c.taken_at.is_(None))
        .order_by(decision_table.c.made_at, decision_table.c.decision_id)
    )
    return _select(store, query)


def mark_taken(store: Store, outcomes: list[tuple[int, str]], *, now: datetime) -> None:
    """Record what the warehouse did with decisions: (decision_id, outcome text) pairs."""
    engine.mark_taken(store, decision_table.c.decision_id, outcomes, now=now)


def _move_head(
    connection: sqlalchemy.Connection, run_id: int, person_id: int, seen: int, decision_id: int
) -> None:
    """Move the (run, person) head from ``seen`` to the next version, or raise _Moved (or IntegrityError)."""
    if seen == 0:
        connection.execute(
            insert(decision_head).values(
                run_id=run_id, person_id=person_id, version=1, decision_id=decision_id
            )
        )
        return
    moved = connection.execute(
        update(decision_head)
        .where(and_(decision_head.c.run_id == run_id, decision_head.c.person_id == person_id))
        .where(decision_head.c.version == seen)
        .values(version=seen + 1, decision_id=decision_id)
    )
    if moved.rowcount != 1:
        raise _Moved


def _head(connection: sqlalchemy.Connection, run_id: int, person_id: int) -> sqlalchemy.Row[Any] | None:
    return connection.execute(
        select(decision_head).where(decision_head.c.run_id == run_id, decision_head.c.person_id == person_id)
    ).first()


def _head_record(store: Store, run_id: int, person_id: int) -> DecisionRecord | None:
    """The decision the (run, person) head points at now (read after the refused transaction ended)."""
    query = (
        select(decision_table)
        .join(decision_head, decision_head.c.decision_id == decision_table.c.decision_id)
        .where(decision_head.c.run_id == run_id, decision_head.c.person_id == person_id)
    )
    found = _select(store, query)
    return found[0] if found else None


def _select(store: Store, query: sqlalchemy.Select[Any]) -> list[DecisionRecord]:
    with read_connection(store) as connection:
        return [_record(row._mapping) for row in connection.execute(query)]


def _record(values: Any) -> DecisionRecord:
    return DecisionRecord(
        decision_id=int(values["decision_id"]), run_id=int(values["run_id"]),
        person_id=int(values["person_id"]),
        decision=values["decision"], reason=values["reason"], pathway=values.get("pathway"),
        made_by=values["made_by"], made_at=values["made_at"], state=values["state"],
        second_by=values.get("second_by"), second_at=values.get("second_at"),
        second_reason=values.get("second_reason"), version=int(values["version"]),
        taken_at=values.get("taken_at"), outcome=values.get("outcome"),
    )  # fmt: skip


def _actor(by: str) -> str:
    return by if ":" in by else f"user:{by}"
