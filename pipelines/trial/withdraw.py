"""Withdrawals from the trial (`cohort trial withdraw`): recorded once, audited, and never a change of arm.

A withdrawn person stays in the arm they were allocated to: the evaluation compares arms as
allocated (intention to treat) and counts withdrawals. A programme place frees up from the day of
the withdrawal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from pipelines.trial.allocate_store import PURPOSE
from pipelines.trial.refusals import TrialRefused
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.audit_chain import head
from pipelines.warehouse.connection import connect
from pipelines.warehouse.queries import sql, transaction


@dataclass(frozen=True)
class Withdrawal:
    """A withdrawal recorded: the allocation, from when, and its audit event."""

    allocation_id: int
    withdrawn_on: date
    event_id: int


def record_withdrawal(
    warehouse: Path, allocation_id: int, withdrawn_on: date, reason: str, *, now: datetime, by: str
) -> Withdrawal:
    """Record that an allocated person is withdrawn from ``withdrawn_on``, with an audit event.

    Args:
        reason: why (kept with the withdrawal; the audit event does not repeat it, as it may name
            the person).
        now: when it is recorded; by: who records it.

    Raises:
        TrialRefused: no such allocation, it is withdrawn already, the date is before the allocation
            or after today, or no reason is given.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise TrialRefused("say why the person is withdrawn (--reason): it is kept with the withdrawal")
    with connect(warehouse) as con:
        found = con.execute(sql("trial/allocation_of"), {"allocation_id": allocation_id}).fetchall()
        if not found:
            raise TrialRefused(
                f"there is no allocation {allocation_id}: `cohort trial export-allocation` lists them"
            )
        _, allocated_on, already = found[0]
        if already is not None:
            raise TrialRefused(
                f"allocation {allocation_id} was withdrawn already, from {already:%d/%m/%Y}: a withdrawal is "
                "recorded once (the person stays in their arm)"
            )
        if withdrawn_on < allocated_on or withdrawn_on > now.date():
            raise TrialRefused(
                f"--on {withdrawn_on:%d/%m/%Y}: a withdrawal falls between the allocation "
                f"({allocated_on:%d/%m/%Y}) and today ({now:%d/%m/%Y})"
            )
        with transaction(con):
            audit.record(
                con, f"user:{by}", "trial_withdrawal",
                f"trial allocation {allocation_id} withdrawn from {withdrawn_on:%d/%m/%Y} (the reason is "
                "kept with the withdrawal; the person stays in their arm)",
                at=now, purpose=PURPOSE,
            )  # fmt: skip
            event = head(con)
            assert event is not None
            con.execute(
                sql("trial/insert_withdrawal"),
                {
                    "allocation_id": allocation_id, "withdrawn_on": withdrawn_on, "reason": reason,
                    "recorded_by": by, "recorded_at": now, "event_id": event[0],
                },
            )  # fmt: skip
    return Withdrawal(allocation_id, withdrawn_on, event[0])
