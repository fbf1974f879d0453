"""Identity pair decisions and model approvals made in the console, taken into the warehouse by the sync.

A pair decision (accept: the two registrations are one person; reject: they are not) waits for the
next sync; a later decision on the same pair before then replaces it (both journalled). A model
approval needs ``approvers_required`` people (1 or 2): the first opens it, a second, different person
completes it. At most one decision per pair and one approval per model version is open at a time
(unique partial indexes), so concurrent writers on PostgreSQL cannot both open one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from pipelines.opstore import engine, journal
from pipelines.opstore.decisions import DecisionError
from pipelines.opstore.engine import Store, naive_utc, read_connection
from pipelines.opstore.schema import model_approval, pair_decision

PAIR_DECISIONS = ("accept", "reject")
AWAITING_SECOND, APPROVED = "awaiting second approver", "approved"
ATTEMPTS = 3  # a pair decision raced by another one on PostgreSQL tries again, to replace it


@dataclass(frozen=True)
class PairDecision:
    """A console decision on an identity pair."""

    pair_id: str
    decision: str  # accept | reject
    reason: str
    made_by: str
    made_at: datetime
    taken_at: datetime | None
    outcome: str | None
    decision_id: int = 0  # pair_decision_id in the store (0 until recorded)


@dataclass(frozen=True)
class ModelApproval:
    """A console approval of a model version, by one or two people."""

    approval_id: int
    version: str
    reason: str
    first_by: str
    first_at: datetime
    second_by: str | None
    second_at: datetime | None
    state: str  # "awaiting second approver" | "approved"
    taken_at: datetime | None
    outcome: str | None


def record_pair_decision(
    store: Store, pair_id: str, decision: str, reason: str, *, by: str, now: datetime
) -> PairDecision:
    """Decide whether a pair's two registrations are one person (replacing an earlier one not yet taken).

    Args:
        store: the operational store.
        pair_id: the pair in the review queue.
        decision: "accept" or "reject".
        reason: why (not blank).
        by: who (a username).
        now: when (UTC).

    Returns:
        The decision as recorded.

    Raises:
        DecisionError: an unknown decision or a blank reason.
    """
    if decision not in PAIR_DECISIONS:
        raise DecisionError(f"a pair decision is one of {', '.join(PAIR_DECISIONS)}")
    if not reason.strip():
        raise DecisionError("give a reason for the pair decision")
    at = naive_utc(now)
    made = PairDecision(pair_id, decision, reason.strip(), by, at, None, None)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with store.engine.begin() as connection:
                decision_id = _record_pair(connection, store, made, now)
            return replace(made, decision_id=decision_id)
        except IntegrityError:
            if attempt == ATTEMPTS:
                raise DecisionError(
                    "others are deciding on this pair at the same moment: look again"
                ) from None
    raise AssertionError("unreachable")


def _record_pair(connection: sqlalchemy.Connection, store: Store, made: PairDecision, now: datetime) -> int:
    """Insert ``made`` (replacing the pair's open decision) and journal it; its pair_decision_id."""
    replaced = connection.execute(
        update(pair_decision)
        .where(
            pair_decision.c.pair_id == made.pair_id,
            pair_decision.c.taken_at.is_(None),
            pair_decision.c.replaced_at.is_(None),
        )
        .values(replaced_at=made.made_at)
    ).rowcount
    added = insert(pair_decision).values(
        pair_id=made.pair_id,
        decision=made.decision,
        reason=made.reason,
        made_by=made.made_by,
        made_at=made.made_at,
    )
    decision_id = int(connection.execute(added.returning(pair_decision.c.pair_decision_id)).scalar_one())
    journal.append(
        store, now=now, actor=_actor(made.made_by), action="pair_decision", connection=connection,
        detail=f"pair {made.pair_id}: {made.decision}"
        + (", replacing an earlier decision not yet taken" if replaced else "")
        + "; applies from the next link run",
    )  # fmt: skip
    return decision_id


def untaken_pair_decisions(store: Store) -> list[PairDecision]:
    """Pair decisions the sync has not yet taken (the latest on each pair), oldest first."""
    query = (
        select(pair_decision)
        .where(pair_decision.c.taken_at.is_(None), pair_decision.c.replaced_at.is_(None))
        .order_by(pair_decision.c.made_at, pair_decision.c.pair_decision_id)
    )
    with read_connection(store) as connection:
        return [_pair(row._mapping) for row in connection.execute(query)]


def mark_pairs_taken(store: Store, outcomes: list[tuple[int, str]], *, now: datetime) -> None:
    """Record what the warehouse did with pair decisions: (decision_id, outcome text) pairs.

    Marked by the decision's id, not its pair: a decision made on the same pair while the sync ran
    replaces the one taken but stays untaken itself, for the next sync.
    """
    engine.mark_taken(store, pair_decision.c.pair_decision_id, outcomes, now=now)


def approve_model(
    store: Store, version: str, reason: str, *, by: str, approvers_required: int, now: datetime
) -> ModelApproval:
    """Approve a model version: open an approval, or complete one another person opened.

    Args:
        store: the operational store.
        version: the model version.
        reason: why (not blank).
        by: who (a username).
        approvers_required: how many different people must approve (1 or 2); an open approval keeps
            the number it was opened with.
        now: when (UTC).

    Returns:
        The approval: "approved" when complete, else "awaiting second approver".

    Raises:
        DecisionError: a blank reason, a bad number of approvers, the same person approving twice,
            a version approved already and awaiting the sync, or another approval racing this one.
    """
    if approvers_required not in (1, 2):
        raise DecisionError("a model approval needs 1 or 2 approvers")
    if not reason.strip():
        raise DecisionError("give a reason for the approval")
    at = naive_utc(now)
    try:
        with store.engine.begin() as connection:
            approval_id = _approve(connection, version, reason.strip(), by, approvers_required, at)
            done = _approval_by_id(connection, approval_id)
            what = "approved" if done.state == APPROVED else "first approval; awaiting a second approver"
            journal.append(
                store, now=now, actor=_actor(by), action="model_approval", connection=connection,
                detail=f"model {version}: {what}",
            )  # fmt: skip
    except IntegrityError:
        raise DecisionError("someone else is approving this model at the same moment: look again") from None
    return done


def _approve(
    connection: sqlalchemy.Connection, version: str, reason: str, by: str, required: int, at: datetime
) -> int:
    """Complete the open approval of ``version`` or open one; its id."""
    open_ = connection.execute(
        select(model_approval).where(model_approval.c.version == version, model_approval.c.taken_at.is_(None))
    ).first()
    if open_ is None:
        state = APPROVED if required == 1 else AWAITING_SECOND
        added = insert(model_approval).values(
            version=version, reason=reason, approvers_required=required, first_by=by, first_at=at, state=state
        )
        return int(connection.execute(added.returning(model_approval.c.approval_id)).scalar_one())
    if open_.state == APPROVED:
        raise DecisionError(f"model {version} is approved already; the next sync records it")
    if open_.first_by == by:
        raise DecisionError("a second approval must come from someone other than the first approver")
    completed = connection.execute(
        update(model_approval)
        .where(model_approval.c.approval_id == open_.approval_id, model_approval.c.state == AWAITING_SECOND)
        .values(second_by=by, second_at=at, second_reason=reason, state=APPROVED)
    ).rowcount
    if completed != 1:
        raise DecisionError("someone else approved this model just now: look again")
    return int(open_.approval_id)


def model_approvals(store: Store) -> list[ModelApproval]:
    """Every console model approval, oldest first."""
    return _approvals(
        store, select(model_approval).order_by(model_approval.c.first_at, model_approval.c.approval_id)
    )


def untaken_model_approvals(store: Store) -> list[ModelApproval]:
    """Approvals the sync has not yet taken (complete or not: only complete ones go to the warehouse)."""
    query = (
        select(model_approval)
        .where(model_approval.c.taken_at.is_(None))
        .order_by(model_approval.c.first_at, model_approval.c.approval_id)
    )
    return _approvals(store, query)


def mark_model_approvals_taken(store: Store, outcomes: list[tuple[int, str]], *, now: datetime) -> None:
    """Record what the warehouse did with approvals: (approval_id, outcome text) pairs."""
    engine.mark_taken(store, model_approval.c.approval_id, outcomes, now=now)


def _approvals(store: Store, query: sqlalchemy.Select[Any]) -> list[ModelApproval]:
    with read_connection(store) as connection:
        return [_approval(row._mapping) for row in connection.execute(query)]


def _approval_by_id(connection: sqlalchemy.Connection, approval_id: int) -> ModelApproval:
    row = connection.execute(select(model_approval).where(model_approval.c.approval_id == approval_id)).one()
    return _approval(row._mapping)


def _approval(values: Any) -> ModelApproval:
    return ModelApproval(
        approval_id=int(values["approval_id"]), version=values["version"], reason=values["reason"],
        first_by=values["first_by"], first_at=values["first_at"], second_by=values["second_by"],
        second_at=values["second_at"], state=values["state"], taken_at=values["taken_at"],
        outcome=values["outcome"],
    )  # fmt: skip


def _pair(values: Any) -> PairDecision:
    return PairDecision(
        pair_id=values["pair_id"], decision=values["decision"], reason=values["reason"],
        made_by=values["made_by"], made_at=values["made_at"], taken_at=values["taken_at"],
        outcome=values["outcome"], decision_id=int(values["pair_decision_id"]),
    )  # fmt: skip


def _actor(by: str) -> str:
    return by if ":" in by else f"user:{by}"
