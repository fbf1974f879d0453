"""The audit chain holds every view made in the browser: each list page, person page and identity pair
is a journal entry before the page renders; after the sync each is an audit event in the warehouse with
its user, purpose and time, counted exactly, and both chains check out intact."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.console.sync.sync import sync
from pipelines.console.web import pages
from pipelines.opstore import journal, reading, reading_governance
from pipelines.opstore.engine import Store
from pipelines.opstore.reading import ListFilter
from tests.pipelines.console.browser.console_pages import Console
from tests.pipelines.console.conftest import ConsoleWorld

VIEWS = {
    "list/page.html.j2": "view_list",
    "person/page.html.j2": "view_person",
    "linkage/queue.html.j2": "view_list",
    "linkage/pair.html.j2": "view_pair",
}
"""The pages that show personal data, and the journal action each must have written before it renders."""
LIST = "Reviewing the weekly list"
CONSIDER = "Deciding whether to consider them for the cohort"
SAFEGUARDING = "A safeguarding concern: a referral came in this morning"
QUEUE = "Reviewing identity matches awaiting a decision"
DATA_QUALITY = "Checking a data-quality question: same school, different surname"


def test_every_view_in_the_browser_is_journalled_before_it_shows_and_audited_after_the_sync(
    console: Console, store: Store, world: ConsoleWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = journal.entries(store)[-1].seq
    rendered: list[tuple[str, journal.JournalEntry | None]] = []
    render = pages.templates.TemplateResponse

    def noting_the_journal(*args: Any, **kwargs: Any) -> Any:
        name = str(args[1] if len(args) > 1 else kwargs["name"])
        if name in VIEWS:  # the server's thread: what the journal held as the page began to render
            written = journal.entries(store, since_seq=before)
            rendered.append((name, written[-1] if written else None))
        return render(*args, **kwargs)

    monkeypatch.setattr(pages.templates, "TemplateResponse", noting_the_journal)
    first, second = reading.list_page(store, world.run_id, ListFilter(), per_page=2).rows

    console.sign_in("ana")  # the list (1)
    assert console.filter_list(band=first.band or "")  # (2)
    assert console.filter_list(search=first.name)  # (3)
    console.open_person(first.name, "consider")  # a person (1)
    console.go("/list")  # (4)
    console.open_person(second.name, "safeguarding", "a referral came in this morning")  # a person (2)
    console.sign_out()
    console.sign_in("dan")
    console.submit(console.driver.find_element("link text", "Linkage queue"))  # the queue
    console.submit(console.driver.find_element("link text", "Review pair 1"))
    top_pair = reading_governance.pair(store, reading_governance.pairs(store)[0].pair_id)
    assert top_pair is not None and top_pair.people
    pair_people = list(top_pair.people)  # the pair's view is journalled once for each of them
    assert console.heading() == "Why are you opening this pair of records?"
    console.give_purpose("data_quality", "same school, different surname", button="Open the pair")  # a pair
    assert console.heading() == "Are these two registrations one person?"
    console.sign_out()

    # each page showing people rendered only after its own view was in the journal
    assert [(name, entry.action if entry else None) for name, entry in rendered] == [
        (name, VIEWS[name]) for name, _ in rendered
    ]
    assert [name for name, _ in rendered] == ["list/page.html.j2"] * 3 + [
        "person/page.html.j2", "list/page.html.j2", "person/page.html.j2", "linkage/queue.html.j2",
        "linkage/pair.html.j2",
    ]  # fmt: skip
    written = journal.entries(store, since_seq=before)
    assert [(e.actor, e.action, e.purpose, e.person_id) for e in written] == [
        ("user:ana", "sign_in", None, None),
        ("user:ana", "view_list", LIST, None),
        ("user:ana", "view_list", LIST, None),
        ("user:ana", "view_list", LIST, None),
        ("user:ana", "view_person", CONSIDER, first.person_id),
        ("user:ana", "view_list", LIST, None),
        ("user:ana", "view_person", SAFEGUARDING, second.person_id),
        ("user:ana", "sign_out", None, None),
        ("user:dan", "sign_in", None, None),
        ("user:dan", "view_list", QUEUE, None),
        *[("user:dan", "view_pair", DATA_QUALITY, person) for person in pair_people],
        ("user:dan", "sign_out", None, None),
    ]
    assert [e.rows for e in written if e.action == "view_pair"] == [2] * len(pair_people)
    assert journal.verify(store) == []

    # the sync: every entry an audit event, with its user, purpose and time, and nothing else of ours
    untaken = journal.untaken(store)
    synced = sync(world.warehouse, store, now=datetime(2026, 11, 16, 18), by="user:tester")
    assert synced.taken.journal == len(untaken) and journal.untaken(store) == []
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        audited = con.execute(
            "SELECT j.seq, e.actor, e.action, e.category, e.purpose, e.occurred_at "
            "FROM audit.console_journal j JOIN audit.event e USING (event_id) WHERE j.seq > ? ORDER BY j.seq",
            [before],
        ).fetchall()
        consultations = con.execute(
            "SELECT count(*) FROM audit.event "
            "WHERE actor IN ('user:ana', 'user:dan') AND category = 'consultation'"
        ).fetchall()
    assert audited == [(e.seq, e.actor, e.action, e.category, e.purpose, e.occurred_at) for e in written]
    # four list pages, two people, the linkage queue and a pair (an entry for each person it shows)
    assert consultations == [(7 + len(pair_people),)]
    result = CliRunner(env={"COLUMNS": "200", "COHORT_NOW": "2026-11-16T18:05:00"}).invoke(
        app, ["audit", "verify", "--warehouse", str(world.warehouse)]
    )
    assert result.exit_code == 0 and "the audit log is intact" in result.output, result.output
