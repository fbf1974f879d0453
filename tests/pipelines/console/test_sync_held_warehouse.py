"""While a flow holds the DuckDB warehouse, the web app's side (the store) still reads and writes."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.opstore import decisions, reading
from pipelines.opstore.engine import open_store
from pipelines.opstore.reading import ListFilter
from tests.pipelines.console.conftest import ConsoleWorld, copy_world

HOLD = (
    "import sys, duckdb\n"
    "con = duckdb.connect(sys.argv[1])\n"
    "con.execute('BEGIN TRANSACTION'); con.execute('SELECT count(*) FROM lists.entry').fetchall()\n"
    "print('held', flush=True)\n"
    "sys.stdin.read()\n"  # until the test closes our stdin
)


def test_the_store_works_while_another_process_holds_the_warehouse(
    console_world: ConsoleWorld, tmp_path: Path
) -> None:
    world = copy_world(console_world, tmp_path / "world")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(world.warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    store = open_store(world.store_url)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(duckdb.IOException):  # the warehouse is taken: a second writer is refused
            duckdb.connect(str(world.warehouse)).close()
        page = reading.list_page(store, world.run_id, ListFilter())
        person = page.rows[0].person_id
        assert reading.person(store, world.run_id, person) is not None
        decisions.record(
            store, run_id=world.run_id, person_id=person, decision="defer", reason="next panel", pathway=None,
            by="alice", seen_version=0, needs_second_review=False, now=datetime(2026, 11, 17, 9),
        )  # fmt: skip
        again = reading.list_page(store, world.run_id, ListFilter(decided=True))
        assert [(r.person_id, r.decision) for r in again.rows] == [(person, "defer")]
    finally:
        store.engine.dispose()
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
