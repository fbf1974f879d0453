"""Nothing is lost: the app's process SIGKILLed right after a decision keeps the decision and every
journal entry; while another process holds the DuckDB warehouse for writing, the app keeps working in
the browser, and once it lets go the sync takes everything in."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta

import duckdb
import pytest

from pipelines.console.sync.sync import sync
from pipelines.opstore import decisions, journal, reading
from pipelines.opstore.engine import URL_VARIABLE, Store
from pipelines.opstore.reading import ListFilter, ListRow
from pipelines.warehouse.connection import WarehouseUnavailable
from tests.pipelines.console.browser.console_pages import Console
from tests.pipelines.console.browser.served import CLOCK_VARIABLE, FACTORY
from tests.pipelines.console.conftest import ConsoleWorld
from tests.pipelines.console.web_client import NOW
from tests.servers import ServerProcess, live_server_process

HOLD = (
    "import sys, duckdb\n"
    "con = duckdb.connect(sys.argv[1])\n"  # for writing, as a flow holds it
    "con.execute('BEGIN TRANSACTION'); con.execute('SELECT count(*) FROM lists.entry').fetchall()\n"
    "print('held', flush=True)\n"
    "sys.stdin.read()\n"  # until the test closes our stdin
    "con.close()\n"
)


@pytest.fixture(scope="module")
def served(world: ConsoleWorld) -> Iterator[ServerProcess]:
    """The console in its own process (so it can be SIGKILLed) over the module's store."""
    env = {URL_VARIABLE: world.store_url, CLOCK_VARIABLE: NOW.isoformat()}
    with live_server_process(FACTORY, env, ready_path="/sign-in") as server:
        yield server


@pytest.fixture(scope="module")
def server(served: ServerProcess) -> str:
    return served.url


def listed(store: Store, world: ConsoleWorld, index: int) -> ListRow:
    return reading.list_page(store, world.run_id, ListFilter(), per_page=10).rows[index]


def test_a_killed_app_keeps_the_decision_and_every_journal_entry(
    console: Console, served: ServerProcess, store: Store, world: ConsoleWorld
) -> None:
    person = listed(store, world, 0)
    before = journal.entries(store)[-1].seq
    console.sign_in("ana")
    console.open_person(person.name, "consider")
    console.decide("known", "already with the youth offending team")
    assert console.notice().startswith("Saved: known by you")
    served.kill()  # at once: no shutdown code runs

    (record,) = decisions.for_person(store, person.person_id)
    assert (record.decision, record.made_by, record.state) == ("known", "ana", "final")
    written = journal.entries(store, since_seq=before)
    assert [(e.actor, e.action, e.person_id) for e in written] == [
        ("user:ana", "sign_in", None),
        ("user:ana", "view_list", None),
        ("user:ana", "view_person", person.person_id),
        ("user:ana", "decision", person.person_id),
        ("user:ana", "view_person", person.person_id),  # the page shown again with the decision saved
    ]
    assert journal.verify(store) == []

    # started again (its clock later): the browser's session goes on, and the decision is on the list
    served.env[CLOCK_VARIABLE] = (NOW + timedelta(minutes=5)).isoformat()
    served.start(ready_path="/sign-in")
    console.go("/list")
    assert console.path == "/list"
    row = {cells[1]: cells for cells in console.list_rows()}[person.name]
    assert row[-1] == "known by ana"
    assert [e.action for e in journal.entries(store, since_seq=before)] == [e.action for e in written] + [
        "view_list"
    ]
    assert journal.verify(store) == []


def test_the_app_works_while_a_flow_holds_the_warehouse_and_the_sync_takes_everything_in_after(
    console: Console, store: Store, world: ConsoleWorld
) -> None:
    person = listed(store, world, 1)
    command = [sys.executable, "-c", HOLD, str(world.warehouse)]
    holder = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(WarehouseUnavailable):  # really held: no other process may write
            sync(world.warehouse, store, now=datetime(2026, 11, 16, 12), by="user:tester")
        console.sign_in("ana")
        assert console.heading() == "Weekly list for 16/11/2026"
        assert console.filter_list(band=person.band or "")
        console.open_person(person.name, "other", "the flow is running")
        assert console.heading() == person.name
        console.decide("defer", "see them at next week's panel")
        assert console.notice().startswith("Saved: defer by you")
        console.go("/list")
        row = {cells[1]: cells for cells in console.list_rows()}[person.name]
        assert row[-1] == "defer by ana"
        console.sign_out()
        assert holder.poll() is None  # held throughout
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)

    untaken, waiting = journal.untaken(store), decisions.untaken(store)
    assert {d.person_id for d in waiting} >= {person.person_id}
    synced = sync(world.warehouse, store, now=datetime(2026, 11, 16, 12, 30), by="user:tester")
    taken = synced.taken
    assert (taken.journal, taken.decisions, taken.refused) == (len(untaken), len(waiting), 0)
    assert journal.untaken(store) == [] and decisions.untaken(store) == []
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        stored = con.execute("SELECT console_decision_id FROM review.decision").fetchall()
        audited = con.execute("SELECT seq FROM audit.console_journal ORDER BY seq").fetchall()
    assert sorted(c for (c,) in stored) == sorted(d.decision_id for d in waiting)
    assert [s for (s,) in audited] == [e.seq for e in journal.entries(store)]
