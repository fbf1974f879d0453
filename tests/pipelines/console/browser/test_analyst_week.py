"""An analyst's week in the browser: filter, sort, page and search the list (htmx updates the results in
place), open a person with a purpose, record decisions that show at once; then the sync takes them into
the warehouse, and the next week's list shows their effect exactly as the workbook route's would."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from governance.console_settings import load_console_policy
from pipelines.cli import app
from pipelines.opstore import reading
from pipelines.opstore.engine import Store
from pipelines.opstore.reading import ListFilter, ListRow, PersonView
from pipelines.warehouse.connection import connect
from pipelines.weekly.decisions import import_workbook
from pipelines.weekly.run import run_weekly
from tests.pipelines.console.browser.console_pages import Console
from tests.pipelines.console.conftest import AS_OF, NEXT, ConsoleWorld, copy_world
from tests.pipelines.console.web_client import make_app
from tests.servers import live_server

PAGE_SIZE = 10
"""Small pages, so the list (24 people) pages."""
NEXT_RUN_AT = datetime(2026, 11, 23, 7)
REVIEWED_AT = datetime(2026, 11, 16, 18)
"""When the workbook route's decisions are imported."""
DECLINE_REASON = "already supported by the youth offending team"
DEFER_REASON = "look again after the school meeting"


@pytest.fixture(scope="module")
def server(store: Store) -> Iterator[str]:
    """The console with 10 people a page."""
    policy = replace(load_console_policy(), page_size=PAGE_SIZE)
    with live_server(lambda: make_app(store, policy=policy), ready_path="/sign-in") as url:
        yield url


def rows(store: Store, run_id: int, chosen: ListFilter, sort: str = "rank") -> list[ListRow]:
    return reading.list_page(store, run_id, chosen, sort=sort, per_page=1000).rows


def the_declined(store: Store, run_id: int) -> PersonView:
    """The first very-high person who meets a rule and has a safeguarding note and factors both ways."""
    for row in rows(store, run_id, ListFilter(band="very high")):
        view = reading.person(store, run_id, row.person_id)
        if view and view.rules_met and view.safeguarding and view.raising and view.lowering:
            return view
    raise AssertionError("no one on the test list has rules, factors and a safeguarding note")


Rows = list[tuple[Any, ...]]


def warehouse_rows(warehouse: Path, query: str, params: list[object] | None = None) -> Rows:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(query, params or []).fetchall()


def cohort(*args: str, now: str) -> str:
    """Run a cohort command (by tester, at ``now``); its output."""
    result = CliRunner(env={"COLUMNS": "200", "COHORT_NOW": now}).invoke(app, [*args, "--by", "tester"])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def next_week(warehouse: Path, key_file: Path) -> int:
    """The list for NEXT drawn up in ``warehouse``; its run id."""
    return run_weekly(warehouse, NEXT, now=NEXT_RUN_AT, by="tester", key_file=key_file).run_id


def next_list(warehouse: Path, run_id: int) -> tuple[Rows, Rows, dict[int, str | None]]:
    """The run's entries (person, rank, route, change), departures (person, rank, why), last decisions."""
    entries = warehouse_rows(
        warehouse, "SELECT person_id, rank, route, change, explanation FROM lists.entry WHERE run_id = ? "
        "ORDER BY rank", [run_id],
    )  # fmt: skip
    gone = warehouse_rows(
        warehouse, "SELECT person_id, previous_rank, why FROM lists.departure WHERE run_id = ? "
        "ORDER BY previous_rank", [run_id],
    )  # fmt: skip
    last = {int(e[0]): json.loads(e[4]).get("last_decision") for e in entries}
    return [e[:4] for e in entries], gone, last


def workbook_route(
    console_world: ConsoleWorld, folder: Path, decided: dict[int, tuple[str, str]]
) -> tuple[Rows, Rows, dict[int, str | None]]:
    """The same decisions written into the published workbook by ana and imported (`cohort review
    import`'s function) on a fresh copy of the world; the next list drawn up there."""
    world = copy_world(console_world, folder)
    (workbook,) = (world.folder / "lists").glob(f"{AS_OF}-run-{world.run_id}/list.xlsx")
    book = openpyxl.load_workbook(workbook)
    sheet = book["List"]
    header = next(r for r in range(1, 10) if "decision" in [c.value for c in sheet[r]])
    columns = {cell.value: cell.column for cell in sheet[header]}
    for row in range(header + 1, sheet.max_row + 1):
        person = sheet.cell(row, columns["person id"]).value
        if person is not None and int(person) in decided:
            decision, reason = decided[int(person)]
            for name, value in (("decision", decision), ("reason", reason), ("reviewer", "ana")):
                sheet.cell(row, columns[name], value)
    filled = folder / "reviewed.xlsx"
    book.save(filled)
    with connect(world.warehouse) as con:
        outcome = import_workbook(con, filled, decided_on=AS_OF, by="user:ana", now=REVIEWED_AT)
    assert (outcome.added, outcome.problems) == (len(decided), [])
    found = next_list(world.warehouse, next_week(world.warehouse, world.key_file))
    shutil.rmtree(folder, ignore_errors=True)
    return found


def test_an_analysts_week_from_the_list_to_the_next_weeks_list(
    console: Console, store: Store, world: ConsoleWorld, console_world: ConsoleWorld, tmp_path: Path
) -> None:
    run = world.run_id
    declined = the_declined(store, run)
    console.sign_in("ana")
    assert console.heading() == "Weekly list for 16/11/2026"
    assert console.listed_names() == [r.name for r in rows(store, run, ListFilter())][:PAGE_SIZE]

    # filter by band: htmx swaps the results in place, the address bar keeps no filter
    very_high = rows(store, run, ListFilter(band="very high"))
    assert len(very_high) > PAGE_SIZE
    assert console.filter_list(band="very high")
    assert console.path == "/list"
    assert f"{len(very_high)} people shown (filtered)." in console.text()
    assert console.listed_names() == [r.name for r in very_high][:PAGE_SIZE]
    assert all("(very high)" in cells[3] for cells in console.list_rows())

    # sort by name (a link htmx follows in place), then the next page
    by_name = sorted(r.name for r in very_high)
    assert console.sort_by("Name")
    assert console.listed_names() == by_name[:PAGE_SIZE]
    assert "Page 1 of 2" in console.text()
    assert console.page_to("Next")
    assert console.listed_names() == by_name[PAGE_SIZE:]
    assert console.sort_by("Name")  # again: descending
    assert console.listed_names() == sorted(by_name, reverse=True)[:PAGE_SIZE]

    # a rule as well: the sort chosen stays; then a search, which is POSTed, never in the address bar
    rule = dict(console_rule_options(store, run))[declined.rules_met[0][0]]
    assert console.filter_list(rule=rule)
    with_rule = rows(store, run, ListFilter(band="very high", rule=rule), sort="name")
    assert console.listed_names() == [r.name for r in reversed(with_rule)]
    assert "Name ▼" in console.list_headings()
    surname = declined.name.split()[-1]
    assert console.filter_list(search=surname.lower())
    found = rows(store, run, ListFilter(band="very high", rule=rule, search=surname.lower()), sort="name")
    assert console.listed_names() == [r.name for r in reversed(found)]
    assert declined.name in console.listed_names()
    assert surname.lower() not in console.driver.current_url.lower()
    assert "search" not in console.driver.current_url

    # open the person: why first, then the page, the safeguarding note apart from the offending
    console.click_person(declined.name)
    assert console.heading() == "Why are you opening this record?"
    assert declined.name not in console.source()
    console.give_purpose("safeguarding", "school raised a worry")
    assert console.heading() == declined.name
    assert "Opened for: A safeguarding concern: school raised a worry." in console.text()
    rules_met = console.section("Rules met")
    assert all(text in rules_met and reason in rules_met for text, reason in declined.rules_met)
    weighed = console.section("What the model weighed")
    assert all(f.text in weighed for f in declined.raising + declined.lowering)
    safeguarding = console.section("Safeguarding")
    for note in declined.safeguarding:
        assert note in safeguarding and note not in rules_met and note not in weighed

    # decide: saved at once, on the page and on the list
    console.decide("decline", DECLINE_REASON)
    assert console.notice().startswith("Saved: decline by you at 16/11/2026")
    assert f"decline {DECLINE_REASON} ana" in console.section("Decisions")
    console.go("/list")
    deferred = next(r for r in rows(store, run, ListFilter()) if r.person_id != declined.person_id)
    row = dict((cells[1], cells) for cells in console.list_rows())[declined.name]
    assert row[-1] == "decline by ana"
    console.open_person(deferred.name, "consider")
    console.decide("defer", DEFER_REASON)
    assert console.notice().startswith("Saved: defer by you")

    # the sync takes both in; the next week's list is drawn up and published
    synced = cohort("app", "sync", "--warehouse", str(world.warehouse), now="2026-11-16T18:00:00")
    assert "2 decisions (0 refused)" in synced
    stored = warehouse_rows(
        world.warehouse, "SELECT person_id, decision, reason, reviewer, decided_on, console_decision_id "
        "FROM review.decision ORDER BY person_id",
    )  # fmt: skip
    assert {(p, d, r, v, on) for p, d, r, v, on, _ in stored} == {
        (declined.person_id, "decline", DECLINE_REASON, "ana", AS_OF),
        (deferred.person_id, "defer", DEFER_REASON, "ana", AS_OF),
    }
    assert all(console_id is not None for *_, console_id in stored)
    next_run = next_week(world.warehouse, world.key_file)
    cohort("app", "sync", "--warehouse", str(world.warehouse), now="2026-11-23T07:30:00")

    # in the browser: the declined person has left the list, and says why; the deferred one is back
    console.go("/list")
    assert console.heading() == "Weekly list for 23/11/2026"
    assert console.filter_list(search=declined.name)
    assert console.listed_names() == [] and "No one on this list matches." in console.text()
    console.go("/list")
    console.submit(console.driver.find_element("link text", "Who left and why"))
    gone = {cells[0]: cells[2] for cells in _table_rows(console)}
    assert gone[declined.name] == "decision: declined on review on 16/11/2026 (7 days ago); nothing new since"
    console.go("/list")
    assert console.filter_list(search=deferred.name)
    console.open_person(deferred.name, "consider")
    assert "16/11/2026" in console.section("History on past lists")
    assert f"defer {DEFER_REASON}" in console.section("Decisions")

    # exactly what the same decisions give by the workbook route
    console_route = next_list(world.warehouse, next_run)
    last_decision = console_route[2][deferred.person_id]
    assert last_decision == f"defer on 16/11/2026 by ana: {DEFER_REASON} (list run {run})"
    assert declined.person_id in [p for p, *_ in console_route[1]]
    decided = {declined.person_id: ("decline", DECLINE_REASON), deferred.person_id: ("defer", DEFER_REASON)}
    assert workbook_route(console_world, tmp_path / "workbook", decided) == console_route


def console_rule_options(store: Store, run_id: int) -> list[tuple[str, str]]:
    """(rule text, rule id) as the rule filter offers them."""
    page = reading.list_page(store, run_id, ListFilter(), per_page=1)
    return [(text, value) for value, text in page.options["rule"]]


def _table_rows(console: Console) -> list[list[str]]:
    found = console.driver.find_elements("css selector", "main table tbody tr")
    return [[str(c.text) for c in row.find_elements("tag name", "td")] for row in found]
