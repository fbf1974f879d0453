"""Two analysts in two browsers open the same person and save their decisions at the same moment: one
is saved, the other is told who decided first, and nothing is overwritten, in the store or, after the
sync, in the warehouse."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime

import duckdb
import pytest
from selenium.webdriver.chromium.webdriver import ChromiumDriver

from pipelines.console.sync.sync import sync
from pipelines.opstore import decisions, journal, reading
from pipelines.opstore.engine import Store
from pipelines.opstore.reading import ListFilter
from tests.pipelines.console.browser.console_pages import Console, browser
from tests.pipelines.console.conftest import ConsoleWorld

TRIED = {"ana": ("decline", "already supported by the youth team"), "bob": ("defer", "wait for the panel")}


@pytest.fixture(scope="module")
def second_chromium() -> Iterator[ChromiumDriver]:
    """The other analyst's browser (its own profile, so its own cookies)."""
    with browser() as driver:
        yield driver


def test_two_analysts_deciding_at_once_one_is_saved_the_other_told_and_nothing_overwritten(
    console: Console, second_chromium: ChromiumDriver, server: str, store: Store, world: ConsoleWorld
) -> None:
    bob = Console(second_chromium, server)
    bob.reset()
    browsers = {"ana": console, "bob": bob}
    person = reading.list_page(store, world.run_id, ListFilter(), per_page=1).rows[0]
    for name, page in browsers.items():
        page.sign_in(name)
        page.open_person(person.name, "consider")
        page.fill_decision(*TRIED[name])
    before = journal.entries(store)[-1].seq

    start = threading.Barrier(len(browsers))
    failures: list[BaseException] = []

    def save(page: Console) -> None:
        try:
            start.wait()
            page.save_decision(may_conflict=True)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=save, args=(page,)) for page in browsers.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []

    notices = {name: page.notice() for name, page in browsers.items()}
    saved = [name for name, notice in notices.items() if notice.startswith("Saved:")]
    assert len(saved) == 1, notices
    (winner,) = saved
    (loser,) = set(browsers) - {winner}
    decision, reason = TRIED[winner]
    assert notices[winner].startswith(f"Saved: {decision} by you at 16/11/2026")
    told = notices[loser]
    assert told.startswith("Not saved: someone else decided first.")
    assert f"{winner} recorded {decision} at 16/11/2026" in told and f"(final): “{reason}”" in told
    assert f"Nothing was overwritten. Your {TRIED[loser][0]} was not recorded" in told
    # the loser's page now shows the winner's decision, and only that
    shown = browsers[loser].section("Decisions")
    assert reason in shown and TRIED[loser][1] not in shown
    assert bob.problems() == []

    # the store: the winner's decision alone, and only the winner's decision in the journal
    (record,) = decisions.for_person(store, person.person_id)
    assert (record.made_by, record.decision, record.reason) == (winner, decision, reason)
    assert record.state == "final"
    written = [e for e in journal.entries(store, since_seq=before) if e.action == "decision"]
    assert [(e.actor, e.person_id) for e in written] == [(f"user:{winner}", person.person_id)]

    # the warehouse after the sync: exactly that one decision, nothing from the other analyst
    synced = sync(world.warehouse, store, now=datetime(2026, 11, 16, 18), by="user:tester")
    assert (synced.taken.decisions, synced.taken.refused) == (1, 0)
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        stored = con.execute(
            "SELECT person_id, decision, reason, reviewer, console_decision_id FROM review.decision"
        ).fetchall()
        mentions = con.execute(
            "SELECT count(*) FROM audit.event WHERE action = 'decision' AND actor = ?", [f"user:{loser}"]
        ).fetchall()
    assert stored == [(person.person_id, decision, reason, winner, record.decision_id)]
    assert mentions == [(0,)]
