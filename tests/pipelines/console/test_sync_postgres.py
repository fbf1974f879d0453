"""The read model and the take-in on PostgreSQL: the same SQLAlchemy Core code as on SQLite."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pipelines.console.sync.sync import sync
from pipelines.opstore import decisions, reading, reading_governance
from pipelines.opstore.engine import open_store
from pipelines.opstore.reading import ListFilter
from tests.pipelines.console.conftest import ConsoleWorld, copy_world

DECIDED = datetime(2026, 11, 17, 9)


def test_publish_read_and_take_in_on_postgresql(
    console_world: ConsoleWorld, fresh_postgres_url: str, tmp_path: Path
) -> None:
    world = copy_world(console_world, tmp_path / "world")
    store = open_store(fresh_postgres_url)
    try:
        first = sync(world.warehouse, store, now=datetime(2026, 11, 17, 8), by="user:tester")
        (run,) = reading.runs(store)
        assert run.run_id == world.run_id and first.published.entries_added == run.entries
        page = reading.list_page(store, world.run_id, ListFilter(search="a"), sort="name", per_page=5)
        assert page.rows and all("a" in r.name.lower() for r in page.rows)
        person = page.rows[0].person_id
        decisions.record(
            store, run_id=world.run_id, person_id=person, decision="known", reason="with a mentor",
            pathway=None, by="alice", seen_version=0, needs_second_review=False, now=DECIDED,
        )  # fmt: skip
        assert reading.list_page(store, world.run_id, ListFilter(decided=True), sort="decision").total == 1
        second = sync(world.warehouse, store, now=datetime(2026, 11, 17, 10), by="user:tester")
        assert (second.taken.decisions, second.published.entries_added) == (1, 0)
        view = reading.person(store, world.run_id, person)
        assert view is not None and [d[1] for d in view.decisions] == ["known"]
        assert reading_governance.models(store) and reading_governance.data_health(store).sources
        assert reading_governance.pairs(store)
    finally:
        store.engine.dispose()
