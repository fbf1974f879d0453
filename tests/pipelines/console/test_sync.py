"""The sync: console decisions and journal entries taken into the warehouse (idempotently), feeding the
next list exactly as imported decisions do; the weekly run refused when the store cannot be reached."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.console.sync import take_in as take_in_module
from pipelines.console.sync.sync import sync
from pipelines.opstore import decisions, journal, reading
from pipelines.opstore.engine import Store, open_store
from pipelines.opstore.reading import ListFilter
from pipelines.warehouse.connection import connect
from pipelines.weekly.run import run_weekly
from tests.pipelines.console.conftest import NEXT, ConsoleWorld, copy_world

DECIDED_AT = datetime(2026, 11, 17, 9, 30)
TAKEN_AT = datetime(2026, 11, 17, 12, 0)


@pytest.fixture
def world(console_world: ConsoleWorld, tmp_path: Path) -> Iterator[tuple[ConsoleWorld, Store]]:
    copied = copy_world(console_world, tmp_path / "world")
    store = open_store(copied.store_url)
    yield copied, store
    store.engine.dispose()


def listed(world: ConsoleWorld, rank: int) -> int:
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        return int(
            con.execute(
                "SELECT person_id FROM lists.entry WHERE run_id = ? AND rank = ?", [world.run_id, rank]
            ).fetchall()[0][0]
        )


def warehouse_rows(world: ConsoleWorld, query: str, params: list[object] | None = None) -> list[tuple]:
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        return con.execute(query, params or []).fetchall()


def decide(
    store: Store, world: ConsoleWorld, person: int, decision: str, *, at: datetime = DECIDED_AT
) -> None:
    decisions.record(
        store, run_id=world.run_id, person_id=person, decision=decision, reason="seen at the panel",
        pathway=None, by="alice", seen_version=decisions.current_version(store, world.run_id, person),
        needs_second_review=False, now=at,
    )  # fmt: skip


def test_a_console_accept_feeds_the_next_list_like_an_imported_one(world: tuple[ConsoleWorld, Store]) -> None:
    copied, store = world
    accepted, declined = listed(copied, 1), listed(copied, 2)
    decide(store, copied, accepted, "accept")
    decide(store, copied, declined, "decline")

    # before the sync the list page already shows the console's decisions
    page = reading.list_page(store, copied.run_id, ListFilter(decided=True), per_page=500)
    assert {r.person_id: r.decision for r in page.rows} == {accepted: "accept", declined: "decline"}

    synced = sync(copied.warehouse, store, now=TAKEN_AT, by="user:tester")
    assert (synced.taken.decisions, synced.taken.refused) == (2, 0)
    stored = warehouse_rows(
        copied, "SELECT person_id, decision, reviewer, made_at, decided_on, recorded_by, console_decision_id "
        "FROM review.decision ORDER BY person_id",
    )  # fmt: skip
    assert {(p, d, r, m, str(on), b) for p, d, r, m, on, b, _ in stored} == {
        (accepted, "accept", "alice", DECIDED_AT, "2026-11-17", "alice"),
        (declined, "decline", "alice", DECIDED_AT, "2026-11-17", "alice"),
    }
    assert all(c is not None for *_, c in stored)
    assert all(d.taken_at is not None and d.outcome for d in decisions.for_person(store, accepted))
    view = reading.person(store, copied.run_id, accepted)
    assert view is not None and len(view.decisions) == 1  # shown once, though both sides have it

    result = run_weekly(
        copied.warehouse, NEXT, now=datetime(2026, 11, 23, 7), by="tester", key_file=copied.key_file
    )
    listed_next = dict(
        warehouse_rows(
            copied, "SELECT person_id, explanation FROM lists.entry WHERE run_id = ?", [result.run_id]
        )
    )
    assert accepted not in listed_next  # in the cohort now: not put forward again
    why = dict(
        warehouse_rows(copied, "SELECT person_id, why FROM lists.departure WHERE run_id = ?", [result.run_id])
    )
    assert "accept" in why[accepted]
    if declined in listed_next:
        assert "decline" in (json.loads(listed_next[declined])["last_decision"] or "")


def test_a_decision_for_someone_not_on_the_run_is_refused_and_says_why(
    world: tuple[ConsoleWorld, Store],
) -> None:
    copied, store = world
    decide(store, copied, 10**12, "accept")
    synced = sync(copied.warehouse, store, now=TAKEN_AT, by="user:tester")
    assert (synced.taken.decisions, synced.taken.refused) == (0, 1)
    (record,) = decisions.for_person(store, 10**12)
    assert record.taken_at is not None and record.outcome is not None and "not on list run" in record.outcome
    assert warehouse_rows(copied, "SELECT count(*) FROM review.decision") == [(0,)]


def test_journal_entries_become_audit_events_and_the_chain_stays_intact(
    world: tuple[ConsoleWorld, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    copied, store = world
    journal.append(
        store, now=DECIDED_AT, actor="user:alice", action="view_list", detail="list run 1: page 1",
        purpose="review of the weekly consideration list", run_id=copied.run_id, rows=50,
    )  # fmt: skip
    journal.append(store, now=DECIDED_AT, actor="user:alice", action="sign_out", detail="signed out")
    untaken = journal.untaken(store)
    sync(copied.warehouse, store, now=TAKEN_AT, by="user:tester")
    assert journal.untaken(store) == []
    events = warehouse_rows(
        copied,
        "SELECT j.seq, j.entry_hash, e.actor, e.action, e.category, e.purpose, e.detail "
        "FROM audit.console_journal j JOIN audit.event e USING (event_id) ORDER BY j.seq",
    )
    assert [(s, h) for s, h, *_ in events] == [(e.seq, e.entry_hash) for e in untaken]
    assert [(a, ac, c) for _, _, a, ac, c, _, _ in events[-2:]] == [
        ("user:alice", "view_list", "consultation"), ("user:alice", "sign_out", "alteration"),
    ]  # fmt: skip
    monkeypatch.setenv("COHORT_NOW", "2026-11-17T13:00:00")
    result = CliRunner().invoke(app, ["audit", "verify", "--warehouse", str(copied.warehouse)])
    assert result.exit_code == 0 and "intact" in result.output, result.output


def test_no_audit_event_taken_in_names_a_person(world: tuple[ConsoleWorld, Store]) -> None:
    """The journal keeps who was looked at or decided on in its person_id column; the warehouse's audit
    events, like every other audit event, never name a person (not even by id)."""
    copied, store = world
    person = listed(copied, 2)
    made = decisions.record(
        store, run_id=copied.run_id, person_id=person, decision="accept", reason="seen at the panel",
        pathway=None, by="alice", seen_version=0, needs_second_review=True, now=DECIDED_AT,
    )  # fmt: skip
    decisions.review(store, made.decision_id, by="rita", approve=True, reason="agreed", now=DECIDED_AT)
    journal.append(
        store, now=DECIDED_AT, actor="user:alice", action="view_person", detail="person page, list run 1",
        purpose="deciding", person_id=person, run_id=copied.run_id,
    )  # fmt: skip
    assert {e.person_id for e in journal.untaken(store) if e.person_id} == {person}
    sync(copied.warehouse, store, now=TAKEN_AT, by="user:tester")
    details = warehouse_rows(
        copied, "SELECT e.detail FROM audit.console_journal j JOIN audit.event e USING (event_id)"
    )
    assert len(details) >= 3
    assert not [d for (d,) in details if re.search(rf"(?<![0-9a-f]){person}(?![0-9a-f])", d)]


def test_taking_in_twice_after_a_crash_before_marking_never_doubles(
    world: tuple[ConsoleWorld, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    copied, store = world
    decide(store, copied, listed(copied, 3), "defer")
    journal.append(store, now=DECIDED_AT, actor="user:alice", action="sign_out", detail="signed out")
    # the warehouse commits, then the process dies before the store marks anything taken
    monkeypatch.setattr(take_in_module.journal, "mark_taken", lambda *a, **k: None)
    monkeypatch.setattr(take_in_module.decisions, "mark_taken", lambda *a, **k: None)
    with connect(copied.warehouse) as con:
        take_in_module.take_in(con, store, now=TAKEN_AT)
    counts = "SELECT (SELECT count(*) FROM review.decision), (SELECT count(*) FROM audit.console_journal), " \
             "(SELECT count(*) FROM audit.event)"  # fmt: skip
    before = warehouse_rows(copied, counts)
    monkeypatch.undo()
    with connect(copied.warehouse) as con:
        again = take_in_module.take_in(con, store, now=TAKEN_AT)
    assert warehouse_rows(copied, counts) == before
    assert again.decisions == 1 and again.journal >= 1  # recognised as taken, and now marked
    assert journal.untaken(store) == [] and decisions.untaken(store) == []


def test_the_weekly_run_is_refused_when_the_console_store_cannot_be_reached(
    world: tuple[ConsoleWorld, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    copied, _ = world
    monkeypatch.setenv(
        "COHORT_OPS_URL", "postgresql+psycopg://cohort:s3cret@127.0.0.1:1/ops?connect_timeout=2"
    )
    monkeypatch.setenv("COHORT_NOW", "2026-11-23T07:00:00")
    monkeypatch.setenv("COHORT_PSEUDONYM_KEY_FILE", str(copied.key_file))
    runs = warehouse_rows(copied, "SELECT count(*) FROM lists.run")
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        app, ["weekly", "--as-of", NEXT.isoformat(), "--warehouse", str(copied.warehouse), "--by", "tester"]
    )
    assert result.exit_code == 1, result.output
    assert "review console" in result.output and "missing from this list" in result.output
    assert "s3cret" not in result.output
    assert warehouse_rows(copied, "SELECT count(*) FROM lists.run") == runs


def test_cohort_weekly_takes_in_first_and_publishes_after(
    world: tuple[ConsoleWorld, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    copied, store = world
    accepted = listed(copied, 1)
    decide(store, copied, accepted, "accept")
    monkeypatch.setenv("COHORT_NOW", "2026-11-23T07:00:00")
    monkeypatch.setenv("COHORT_PSEUDONYM_KEY_FILE", str(copied.key_file))
    monkeypatch.delenv("COHORT_OPS_URL", raising=False)  # the store beside the warehouse is in use
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        app, ["weekly", "--as-of", NEXT.isoformat(), "--warehouse", str(copied.warehouse), "--by", "tester"]
    )
    assert result.exit_code == 0, result.output
    assert decisions.untaken(store) == []
    latest = reading.latest_run(store)
    assert latest is not None and latest.as_of == NEXT and latest.run_id != copied.run_id
    assert reading.person(store, latest.run_id, accepted) is None  # accepted: not on the next list
    assert any("accept" in why for _, _, why in reading.changes(store, latest.run_id).departures)
