"""The console journal: a hash chain that shows edits, deletions and reordering, and never forks."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, update

from pipelines.opstore import journal
from pipelines.opstore.engine import Store, open_store
from pipelines.opstore.schema import journal as journal_table
from pipelines.warehouse.audit_log import CATEGORIES

AT = datetime(2026, 11, 16, 9, 30, 0, 123456)


def _append(store: Store, n: int, *, actor: str = "user:ana") -> list[journal.JournalEntry]:
    return [
        journal.append(
            store, now=AT + timedelta(seconds=i), actor=actor, action="sign_in", detail=f"entry {i}"
        )
        for i in range(n)
    ]


def test_entries_chain_by_the_documented_serialisation(any_store: Store) -> None:
    first = journal.append(
        any_store, now=AT, actor="user:ana", action="view_person", detail="person shown", purpose="review",
        person_id=4_000_000_001, run_id=3, rows=1,
    )  # fmt: skip
    second = journal.append(any_store, now=AT, actor="user:ana", action="sign_out", detail="signed out – bye")
    values = [1, "2026-11-16T09:30:00.123456", "user:ana", "view_person", "consultation", "review",
              "person shown", 4_000_000_001, 3, 1, ""]  # fmt: skip
    expected = hashlib.sha256(
        json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()
    assert (first.seq, first.previous_hash, first.entry_hash) == (1, "", expected)
    assert (second.seq, second.previous_hash, second.category) == (2, expected, "alteration")
    assert journal.entries(any_store) == [first, second]
    assert journal.entries(any_store, since_seq=1) == [second]
    assert journal.verify(any_store) == []


def test_a_consultation_needs_a_purpose_and_an_action_must_be_known(any_store: Store) -> None:
    with pytest.raises(ValueError, match="purpose"):
        journal.append(any_store, now=AT, actor="user:ana", action="view_list", detail="list", purpose="  ")
    with pytest.raises(ValueError, match="not one of"):
        journal.append(any_store, now=AT, actor="user:ana", action="peek", detail="x")
    assert journal.entries(any_store) == []


def test_the_actions_are_the_audit_logs_with_the_same_categories() -> None:
    assert {a: CATEGORIES.get(a) for a in journal.ACTIONS} == journal.ACTIONS


def test_an_entry_in_the_callers_transaction_goes_when_it_rolls_back(any_store: Store) -> None:
    with pytest.raises(RuntimeError), any_store.engine.begin() as connection:
        journal.append(
            any_store, now=AT, actor="user:ana", action="sign_in", detail="x", connection=connection
        )
        raise RuntimeError("the change it journals failed")
    assert journal.entries(any_store) == []
    assert journal.append(any_store, now=AT, actor="user:ana", action="sign_in", detail="x").seq == 1


def test_verify_names_an_edited_entry(any_store: Store) -> None:
    _append(any_store, 4)
    with any_store.engine.begin() as connection:
        connection.execute(update(journal_table).where(journal_table.c.seq == 2).values(actor="user:eve"))
    assert journal.verify(any_store) == ["entry 2 does not match its hash (edited, or moved from elsewhere)"]


def test_verify_names_a_deleted_entry_in_the_middle_and_at_the_end(any_store: Store) -> None:
    _append(any_store, 5)
    with any_store.engine.begin() as connection:
        connection.execute(delete(journal_table).where(journal_table.c.seq.in_((3, 5))))
    problems = journal.verify(any_store)
    assert "entries 3 to 3 are missing (deleted)" in problems
    assert "entry 4 does not follow the entry before it (deleted, inserted or reordered)" in problems
    assert "entries 5 to 5 are missing from the end (deleted)" in problems


def test_verify_names_reordered_entries(any_store: Store) -> None:
    _append(any_store, 3)
    with any_store.engine.begin() as connection:  # swap entries 1 and 2
        connection.execute(update(journal_table).where(journal_table.c.seq == 1).values(seq=-1))
        connection.execute(update(journal_table).where(journal_table.c.seq == 2).values(seq=1))
        connection.execute(update(journal_table).where(journal_table.c.seq == -1).values(seq=2))
    problems = journal.verify(any_store)
    assert "entry 1 does not match its hash (edited, or moved from elsewhere)" in problems
    assert "entry 2 does not follow the entry before it (deleted, inserted or reordered)" in problems


def test_taken_entries_are_not_offered_again(any_store: Store) -> None:
    _append(any_store, 3)
    assert [e.seq for e in journal.untaken(any_store, limit=2)] == [1, 2]
    journal.mark_taken(any_store, [(1, 101), (2, 102)], now=AT)
    assert [e.seq for e in journal.untaken(any_store)] == [3]
    assert journal.verify(any_store) == []  # taking is not part of the chain


def test_eight_threads_appending_at_once_make_one_unbroken_chain(any_store: Store) -> None:
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def work(thread: int) -> None:
        try:
            start.wait()
            _append(any_store, 25, actor=f"user:t{thread}")
        except BaseException as error:  # noqa: BLE001  (reported below)
            failures.append(error)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    found = journal.entries(any_store)
    assert [e.seq for e in found] == list(range(1, 201))
    assert {e.actor for e in found} == {f"user:t{t}" for t in range(8)}
    assert journal.verify(any_store) == []


def _append_in_a_process(url: str, actor: str, count: int) -> None:
    store = open_store(url)
    _append(store, count, actor=actor)
    store.engine.dispose()


def test_two_processes_appending_to_one_sqlite_file_make_one_unbroken_chain(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warehouse.ops.sqlite'}"
    open_store(url).engine.dispose()
    spawn = multiprocessing.get_context("spawn")
    workers = [spawn.Process(target=_append_in_a_process, args=(url, f"user:p{p}", 40)) for p in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0]
    store = open_store(url)
    found = journal.entries(store)
    assert [e.seq for e in found] == list(range(1, 81))
    assert journal.verify(store) == []
