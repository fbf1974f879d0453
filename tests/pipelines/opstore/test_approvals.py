"""Pair decisions (a later one replaces an untaken one) and model approvals by one or two different people."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from pipelines.opstore import approvals, journal
from pipelines.opstore.approvals import ModelApproval, PairDecision
from pipelines.opstore.decisions import DecisionError
from pipelines.opstore.engine import Store

AT = datetime(2026, 11, 16, 11, 0)


def test_a_later_pair_decision_replaces_an_untaken_one(any_store: Store) -> None:
    first = approvals.record_pair_decision(
        any_store, "p-17", "accept", "same school and address", by="ana", now=AT
    )
    assert first == PairDecision(
        "p-17", "accept", "same school and address", "ana", AT, None, None, first.decision_id
    )
    later = AT + timedelta(minutes=3)
    second = approvals.record_pair_decision(
        any_store, "p-17", "reject", "different mothers", by="bob", now=later
    )
    other = approvals.record_pair_decision(any_store, "p-18", "accept", "twins? no: one", by="ana", now=later)
    assert approvals.untaken_pair_decisions(any_store) == [second, other]
    details = [e.detail for e in journal.entries(any_store)]
    assert (
        details[1]
        == "pair p-17: reject, replacing an earlier decision not yet taken; applies from the next link run"
    )
    approvals.mark_pairs_taken(any_store, [(second.decision_id, "recorded")], now=later)
    assert approvals.untaken_pair_decisions(any_store) == [other]
    again = approvals.record_pair_decision(any_store, "p-17", "accept", "new evidence", by="ana", now=later)
    assert approvals.untaken_pair_decisions(any_store) == [other, again]


def test_a_pair_decision_made_while_the_sync_runs_waits_for_the_next_sync(any_store: Store) -> None:
    """The sync read the first decision; a second replaced it before the sync marked the first taken."""
    first = approvals.record_pair_decision(any_store, "p-9", "accept", "same school", by="ana", now=AT)
    (read_by_sync,) = approvals.untaken_pair_decisions(any_store)
    later = AT + timedelta(seconds=1)
    second = approvals.record_pair_decision(any_store, "p-9", "reject", "twins", by="bob", now=later)
    approvals.mark_pairs_taken(any_store, [(read_by_sync.decision_id, "recorded")], now=later)
    assert read_by_sync == first
    assert approvals.untaken_pair_decisions(any_store) == [second]


@pytest.mark.parametrize(
    ("decision", "reason", "message"), [("merge", "x", "one of"), ("accept", " ", "reason")]
)
def test_a_bad_pair_decision_is_refused(any_store: Store, decision: str, reason: str, message: str) -> None:
    with pytest.raises(DecisionError, match=message):
        approvals.record_pair_decision(any_store, "p-1", decision, reason, by="ana", now=AT)
    assert approvals.untaken_pair_decisions(any_store) == []


def test_one_approver_approves_a_model_at_once(any_store: Store) -> None:
    done = approvals.approve_model(
        any_store, "m-2026-11", "meets its targets", by="bea", approvers_required=1, now=AT
    )
    assert done == ModelApproval(done.approval_id, "m-2026-11", "meets its targets", "bea", AT, None, None,
                                 "approved", None, None)  # fmt: skip
    with pytest.raises(DecisionError, match="approved already"):
        approvals.approve_model(any_store, "m-2026-11", "again", by="cal", approvers_required=1, now=AT)
    assert approvals.untaken_model_approvals(any_store) == [done]
    approvals.mark_model_approvals_taken(any_store, [(done.approval_id, "approved in the warehouse")], now=AT)
    assert approvals.untaken_model_approvals(any_store) == []
    (taken,) = approvals.model_approvals(any_store)
    assert (taken.taken_at, taken.outcome) == (AT, "approved in the warehouse")


def test_two_approvers_must_be_different_people(any_store: Store) -> None:
    opened = approvals.approve_model(
        any_store, "m-1", "fair and calibrated", by="bea", approvers_required=2, now=AT
    )
    assert (opened.state, opened.second_by) == ("awaiting second approver", None)
    with pytest.raises(DecisionError, match="someone other than the first approver"):
        approvals.approve_model(any_store, "m-1", "me again", by="bea", approvers_required=2, now=AT)
    later = AT + timedelta(hours=2)
    done = approvals.approve_model(any_store, "m-1", "agreed", by="cal", approvers_required=2, now=later)
    assert (done.approval_id, done.state, done.first_by, done.second_by, done.second_at) == (
        opened.approval_id, "approved", "bea", "cal", later,
    )  # fmt: skip
    assert [e.detail for e in journal.entries(any_store)] == [
        "model m-1: first approval; awaiting a second approver",
        "model m-1: approved",
    ]


@pytest.mark.parametrize(
    ("required", "reason", "message"), [(3, "ok", "1 or 2"), (0, "ok", "1 or 2"), (1, "", "reason")]
)
def test_a_bad_model_approval_is_refused(any_store: Store, required: int, reason: str, message: str) -> None:
    with pytest.raises(DecisionError, match=message):
        approvals.approve_model(any_store, "m-1", reason, by="bea", approvers_required=required, now=AT)
    assert approvals.model_approvals(any_store) == []
