"""The read model: published from the console world's warehouse, read as the web app reads it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import duckdb
import polars as pl
import pytest

from pipelines.opstore import reading, reading_governance
from pipelines.opstore.engine import Store, open_store
from pipelines.opstore.reading import ListFilter
from tests.pipelines.console.conftest import AS_OF, PUBLISHED_AT, ConsoleWorld


@pytest.fixture(scope="module")
def store(console_world: ConsoleWorld) -> Iterator[Store]:
    opened = open_store(console_world.store_url)
    yield opened
    opened.engine.dispose()


@pytest.fixture(scope="module")
def entries(console_world: ConsoleWorld) -> list[tuple[int, int, str, str | None, str, bool, str]]:
    """The run's entries in the warehouse: person, rank, route, band, change, identity, explanation."""
    with duckdb.connect(str(console_world.warehouse), read_only=True) as con:
        return con.execute(
            "SELECT person_id, rank, route, band, change, coalesce(identity_review, false), explanation "
            "FROM lists.entry WHERE run_id = ? ORDER BY rank",
            [console_world.run_id],
        ).fetchall()


def test_the_run_is_summarised_with_its_model_and_checks(store: Store, console_world: ConsoleWorld) -> None:
    (run,) = reading.runs(store)
    assert reading.latest_run(store) == run
    assert (run.run_id, run.as_of, run.status, run.mode) == (
        console_world.run_id,
        AS_OF,
        "published",
        "rules and model",
    )
    assert run.model_version == console_world.model_version
    assert run.model_approval is not None and "approved by demo" in run.model_approval
    assert reading.refreshed(store) == (PUBLISHED_AT, "user:tester")


def test_the_list_pages_in_rank_order_with_every_entry(
    store: Store, console_world: ConsoleWorld, entries: list
) -> None:
    first = reading.list_page(store, console_world.run_id, ListFilter(), per_page=5)
    assert first.total == len(entries) and first.pages == -(-len(entries) // 5)
    assert [r.rank for r in first.rows] == [1, 2, 3, 4, 5]
    last = reading.list_page(store, console_world.run_id, ListFilter(), per_page=5, page=99)
    assert last.page == last.pages and last.rows[-1].rank == len(entries)
    top = first.rows[0]
    assert top.person_id == entries[0][0] and top.name and "%" in top.probability_text
    assert top.rules == [m["text"] for m in json.loads(entries[0][6])["rules_met"]]


@pytest.mark.parametrize("name", ["route", "band", "change", "identity_review", "rule", "pathway"])
def test_each_filter_keeps_exactly_the_matching_entries(
    store: Store, console_world: ConsoleWorld, entries: list, name: str
) -> None:
    def value_of(entry: tuple) -> set[object]:
        explanation = json.loads(entry[6])
        return {
            "route": {entry[2]}, "band": {entry[3]}, "change": {entry[4]}, "identity_review": {entry[5]},
            "rule": {m["rule_id"] for m in explanation["rules_met"]},
            "pathway": {p["pathway"] for p in explanation["pathways"]},
        }[name]  # fmt: skip

    chosen = sorted({v for e in entries for v in value_of(e) if v is not None}, key=str)[0]
    expected = [e[0] for e in entries if chosen in value_of(e)]
    assert 0 < len(expected) < len(entries) or name == "change"
    page = reading.list_page(store, console_world.run_id, ListFilter(**{name: chosen}), per_page=500)
    assert [r.person_id for r in page.rows] == expected and page.total == len(expected)


def test_search_finds_by_part_of_a_name_or_by_id(store: Store, console_world: ConsoleWorld) -> None:
    row = reading.list_page(store, console_world.run_id, ListFilter()).rows[2]
    part = row.name.split()[-1][1:4].lower()
    found = reading.list_page(store, console_world.run_id, ListFilter(search=part), per_page=500).rows
    assert row.person_id in [r.person_id for r in found] and all(part in r.name.lower() for r in found)
    by_id = reading.list_page(store, console_world.run_id, ListFilter(search=str(row.person_id))).rows
    assert [r.person_id for r in by_id] == [row.person_id]
    assert reading.list_page(store, console_world.run_id, ListFilter(search="%")).total == 0  # no wildcard


@pytest.mark.parametrize("sort", reading.SORTS)
def test_every_sort_orders_the_whole_list(store: Store, console_world: ConsoleWorld, sort: str) -> None:
    rows = reading.list_page(
        store, console_world.run_id, ListFilter(), sort=sort, descending=True, per_page=500
    ).rows
    key = {"rank": lambda r: r.rank, "age": lambda r: r.age, "name": lambda r: r.name.casefold(),
           "change": lambda r: r.change, "decision": lambda r: r.decision or ""}  # fmt: skip
    if sort in key:
        values = [key[sort](r) for r in rows]
        assert values == sorted(values, reverse=True)
    assert len(rows) == reading.list_page(store, console_world.run_id, ListFilter()).total
    with pytest.raises(ValueError, match="sort must be one of"):
        reading.list_page(store, console_world.run_id, ListFilter(), sort="dob")


def test_nobody_is_decided_yet(store: Store, console_world: ConsoleWorld, entries: list) -> None:
    assert reading.list_page(store, console_world.run_id, ListFilter(decided=True)).total == 0
    assert reading.list_page(store, console_world.run_id, ListFilter(decided=False)).total == len(entries)


def test_changes_count_new_and_continuing(store: Store, console_world: ConsoleWorld, entries: list) -> None:
    changes = reading.changes(store, console_world.run_id)
    assert changes.new + changes.continuing == len(entries) and changes.departures == []


def test_a_person_page_has_the_explanation_history_and_pending_pairs(
    store: Store, console_world: ConsoleWorld, entries: list
) -> None:
    flagged = [e for e in entries if e[5]]
    person_id, rank, route, band, change, _, explanation = flagged[0] if flagged else entries[0]
    view = reading.person(store, console_world.run_id, person_id)
    assert view is not None and (view.rank, view.route, view.band, view.change) == (rank, route, band, change)
    stored = json.loads(explanation)
    assert [t for t, _ in view.rules_met] == [m["text"] for m in stored["rules_met"]]
    assert [f.text for f in view.raising] == [f["text"] for f in stored["raising"]]
    assert view.history == [(console_world.run_id, AS_OF, rank, route, band, change)]
    assert view.decisions == [] and view.version == 0
    if flagged:
        assert view.identity_review and view.pending_pairs
        assert all(reading_governance.pair(store, p) is not None for p in view.pending_pairs)
    assert reading.person(store, console_world.run_id, 10**12) is None


def test_pairs_are_shown_side_by_side(store: Store, console_world: ConsoleWorld) -> None:
    with duckdb.connect(str(console_world.warehouse), read_only=True) as con:
        queued = con.execute("SELECT count(*) FROM link.review_pair").fetchall()[0][0]
    listed = reading_governance.pairs(store)
    assert len(listed) == queued > 0
    assert [p.match_probability for p in listed] == sorted(
        (p.match_probability for p in listed), reverse=True
    )
    shown = reading_governance.pair(store, listed[0].pair_id)
    assert shown is not None and [f for f, _, _ in shown.fields][:4] == [
        "registration",
        "forename",
        "middle_names",
        "surname",
    ]
    assert reading_governance.pair(store, "no-such-pair") is None


def test_models_carry_their_checks_and_history(store: Store, console_world: ConsoleWorld) -> None:
    (model,) = reading_governance.models(store)
    assert (model.version, model.status) == (console_world.model_version, "approved")
    assert [h[0] for h in model.history] == ["candidate", "approved"] or {h[0] for h in model.history} == {
        "candidate", "approved"
    }  # fmt: skip
    assert isinstance(model.breaches, list) and isinstance(model.unmet_targets, list)
    assert model.approval is None


def test_fairness_over_time_has_the_run_s_shares(store: Store, console_world: ConsoleWorld) -> None:
    (point,) = reading_governance.fairness_over_time(store)
    assert point.run_id == console_world.run_id and "sex" in point.shares
    assert sum(v for v in point.shares["sex"].values() if v is not None) == pytest.approx(1.0)


def test_data_health_lists_every_source_and_the_latest_gates(store: Store) -> None:
    health = reading_governance.data_health(store)
    assert health.refreshed_at == PUBLISHED_AT
    assert {s.source for s in health.sources} >= {"police_occurrences", "health_referrals"}
    assert health.gates and all(isinstance(g[2], bool) for g in health.gates)
    assert len(health.ingest_runs) == 1 and len(health.link_runs) == 1


def test_names_and_probabilities_read_as_the_published_list_shows_them(
    store: Store, console_world: ConsoleWorld
) -> None:
    (folder,) = (console_world.folder / "lists").iterdir()
    published = pl.read_csv(folder / "list.csv", infer_schema=False)
    shown = {int(p): (n, t) for p, n, t in published.select("person id", "name", "probability").iter_rows()}
    rows = reading.list_page(store, console_world.run_id, ListFilter(), per_page=500).rows
    assert {r.person_id: (r.name, r.probability_text) for r in rows} == shown
