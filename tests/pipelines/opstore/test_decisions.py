"""Console decisions: saved against the version shown, never overwriting someone else's; second review."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from pipelines.opstore import decisions, journal
from pipelines.opstore.decisions import Conflict, DecisionError, DecisionRecord
from pipelines.opstore.engine import Store

AT = datetime(2026, 11, 16, 10, 0)
RUN, PERSON = 7, 4_000_000_123


def _decide(
    store: Store, by: str, seen: int, decision: str = "defer", *, second: bool = False, minutes: int = 0,
    person: int = PERSON,
) -> DecisionRecord:  # fmt: skip
    return decisions.record(
        store, run_id=RUN, person_id=person, decision=decision, reason=f"{by} thinks so", pathway=None,
        by=by, seen_version=seen, needs_second_review=second, now=AT + timedelta(minutes=minutes),
    )  # fmt: skip


def test_a_decision_moves_the_version_and_is_journalled_without_its_reason(any_store: Store) -> None:
    assert decisions.current_version(any_store, RUN, PERSON) == 0
    first = _decide(any_store, "ana", 0, "accept")
    assert (first.state, first.version, first.made_by, first.taken_at) == ("final", 1, "ana", None)
    second = _decide(any_store, "bob", 1, "decline", minutes=5)
    assert decisions.current_version(any_store, RUN, PERSON) == 2
    assert decisions.for_person(any_store, PERSON) == [second, first]
    assert decisions.latest_for_run(any_store, RUN) == {PERSON: second}
    (entry, _) = journal.entries(any_store)
    assert (entry.action, entry.actor, entry.run_id, entry.person_id) == ("decision", "user:ana", RUN, PERSON)
    assert entry.detail == f"decision accept on run {RUN}" and "thinks" not in entry.detail


def test_a_decision_from_an_old_version_is_a_conflict_naming_the_current_one(any_store: Store) -> None:
    saved = _decide(any_store, "ana", 0, "accept")
    for stale in (0, 2):
        with pytest.raises(Conflict) as raised:
            _decide(any_store, "bob", stale, "decline")
        assert raised.value.current == saved
    assert decisions.for_person(any_store, PERSON) == [saved]
    assert len(journal.entries(any_store)) == 1


@pytest.mark.parametrize("seen", [0, 1])
def test_two_people_deciding_at_once_from_one_version_one_wins_the_other_is_told(
    any_store: Store, seen: int
) -> None:
    if seen:
        _decide(any_store, "first", 0)
    start = threading.Barrier(2)
    outcomes: dict[str, DecisionRecord | Conflict | BaseException] = {}

    def work(by: str) -> None:
        start.wait()
        try:
            outcomes[by] = _decide(any_store, by, seen, "accept" if by == "ana" else "decline")
        except (Conflict, BaseException) as error:  # noqa: BLE001  (checked below)
            outcomes[by] = error

    threads = [threading.Thread(target=work, args=(by,)) for by in ("ana", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saved = [o for o in outcomes.values() if isinstance(o, DecisionRecord)]
    refused = [o for o in outcomes.values() if isinstance(o, Conflict)]
    assert len(saved) == 1 and len(refused) == 1, outcomes
    assert refused[0].current == saved[0] and saved[0].made_by in str(refused[0])
    assert decisions.current_version(any_store, RUN, PERSON) == seen + 1
    assert [d.made_by for d in decisions.for_person(any_store, PERSON)][0] == saved[0].made_by
    assert journal.verify(any_store) == []


@pytest.mark.parametrize(
    ("decision", "reason", "message"), [("maybe", "why", "one of"), ("accept", "  ", "reason")]
)
def test_an_unknown_decision_or_a_blank_reason_is_refused(
    any_store: Store, decision: str, reason: str, message: str
) -> None:
    with pytest.raises(DecisionError, match=message):
        decisions.record(
            any_store, run_id=RUN, person_id=PERSON, decision=decision, reason=reason, pathway=None, by="ana",
            seen_version=0, needs_second_review=False, now=AT,
        )  # fmt: skip
    assert decisions.current_version(any_store, RUN, PERSON) == 0


def test_a_second_review_by_another_person_approves_or_refuses(any_store: Store) -> None:
    waiting = _decide(any_store, "ana", 0, "accept", second=True)
    other = _decide(any_store, "ana", 0, "accept", second=True, person=PERSON + 1)
    assert waiting.state == "awaiting second review"
    assert decisions.awaiting_review(any_store) == [waiting, other]
    assert decisions.untaken(any_store) == []
    with pytest.raises(DecisionError, match="someone other than"):
        decisions.review(any_store, waiting.decision_id, by="ana", approve=True, reason="fine", now=AT)
    approved = decisions.review(
        any_store, waiting.decision_id, by="rita", approve=True, reason="checked", now=AT
    )
    refused = decisions.review(any_store, other.decision_id, by="rita", approve=False, reason="no", now=AT)
    assert (approved.state, approved.second_by, approved.second_reason, approved.version) == (
        "approved", "rita", "checked", 2,
    )  # fmt: skip
    assert refused.state == "refused" and decisions.awaiting_review(any_store) == []
    assert decisions.untaken(any_store) == [approved]
    with pytest.raises(DecisionError, match="approved already"):
        decisions.review(any_store, waiting.decision_id, by="sam", approve=False, reason="late", now=AT)
    assert [e.action for e in journal.entries(any_store)][-2:] == ["decision_review", "decision_review"]


def test_a_review_moves_the_version_so_a_page_shown_before_it_conflicts(any_store: Store) -> None:
    waiting = _decide(any_store, "ana", 0, "accept", second=True)
    decisions.review(any_store, waiting.decision_id, by="rita", approve=False, reason="not yet", now=AT)
    with pytest.raises(Conflict) as raised:
        _decide(any_store, "bob", 1, "defer")
    assert raised.value.current is not None and raised.value.current.state == "refused"


def test_a_decision_replaced_before_its_review_can_no_longer_be_reviewed(any_store: Store) -> None:
    waiting = _decide(any_store, "ana", 0, "accept", second=True)
    _decide(any_store, "bob", 1, "defer", minutes=1)
    assert decisions.awaiting_review(any_store) == []
    with pytest.raises(DecisionError, match="newer decision"):
        decisions.review(any_store, waiting.decision_id, by="rita", approve=True, reason="ok", now=AT)
    with pytest.raises(DecisionError, match="no such decision"):
        decisions.review(any_store, 999, by="rita", approve=True, reason="ok", now=AT)


def test_taken_decisions_keep_their_outcome(any_store: Store) -> None:
    first = _decide(any_store, "ana", 0, "accept")
    second = _decide(any_store, "bob", 1, "known", minutes=1)
    assert decisions.untaken(any_store) == [first, second]
    decisions.mark_taken(any_store, [(first.decision_id, "stored")], now=AT + timedelta(hours=1))
    (rest,) = decisions.untaken(any_store)
    assert rest == second
    (_, taken) = decisions.for_person(any_store, PERSON)
    assert (taken.taken_at, taken.outcome) == (AT + timedelta(hours=1), "stored")
