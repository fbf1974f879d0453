"""The console in the browser with its operational store on PostgreSQL: the read model published into a
fresh database, then signing in, a person's page and a decision, journalled there and taken in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import duckdb
import pytest

from pipelines.console.sync.publish import publish
from pipelines.console.sync.sync import sync
from pipelines.opstore import decisions, journal, reading
from pipelines.opstore.engine import Store, open_store
from pipelines.opstore.reading import ListFilter
from pipelines.warehouse.connection import connect
from tests.pipelines.console.browser.console_pages import Console
from tests.pipelines.console.conftest import PUBLISHED_AT, ConsoleWorld
from tests.pipelines.console.web_client import add_user, make_app
from tests.servers import live_server


@pytest.fixture
def store(fresh_postgres_url: str, world: ConsoleWorld) -> Iterator[Store]:
    """A fresh PostgreSQL database with the read model published from the world's warehouse, and ana."""
    opened = open_store(fresh_postgres_url)
    try:
        with connect(world.warehouse) as con:
            publish(con, opened, now=PUBLISHED_AT, by="user:tester")
        add_user(opened, "ana", ["analyst"])
        yield opened
    finally:
        opened.engine.dispose()


@pytest.fixture
def server(store: Store) -> Iterator[str]:
    with live_server(lambda: make_app(store), ready_path="/sign-in") as url:
        yield url


def test_sign_in_a_person_and_a_decision_on_postgresql(
    console: Console, store: Store, world: ConsoleWorld
) -> None:
    assert store.dialect == "postgresql"
    person = reading.list_page(store, world.run_id, ListFilter(), per_page=5).rows[2]
    before = journal.entries(store)[-1].seq
    console.sign_in("ana")
    assert console.heading() == "Weekly list for 16/11/2026"
    console.open_person(person.name, "consider")
    assert console.heading() == person.name
    console.decide("decline", "supported by the family support team")
    assert console.notice().startswith("Saved: decline by you")
    assert "supported by the family support team" in console.section("Decisions")

    (record,) = decisions.for_person(store, person.person_id)
    assert (record.decision, record.made_by, record.state) == ("decline", "ana", "final")
    assert [(e.action, e.person_id) for e in journal.entries(store, since_seq=before)] == [
        ("sign_in", None), ("view_list", None), ("view_person", person.person_id),
        ("decision", person.person_id), ("view_person", person.person_id),
    ]  # fmt: skip
    assert journal.verify(store) == []

    synced = sync(world.warehouse, store, now=datetime(2026, 11, 16, 18), by="user:tester")
    assert (synced.taken.decisions, synced.taken.refused) == (1, 0)
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        stored = con.execute("SELECT person_id, decision, reviewer FROM review.decision").fetchall()
    assert stored == [(person.person_id, "decline", "ana")]
