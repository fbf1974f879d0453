"""The Prefect flow runs the same ingest as the CLI, as task runs a data engineer can watch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

World = tuple[Path, dict[str, object]]


@pytest.fixture(scope="module")
def prefect_server() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def test_ingest_flow_loads_the_world_and_fails_on_an_overdue_source(
    prefect_server: None, small_world: World, tmp_path: Path
) -> None:
    from pipelines.flows import ingest_extracts

    landing, warehouse = small_world[0] / "landing", tmp_path / "w.duckdb"
    state = ingest_extracts(landing, warehouse, date(2026, 11, 16), return_state=True)
    assert state.is_completed()
    assert state.result().status == "succeeded"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM meta.load WHERE status = 'loaded'").fetchall()[0][0] > 0

    late = ingest_extracts(landing, warehouse, date(2027, 3, 1), return_state=True)
    assert late.is_failed()
    assert "freshness" in str(late.message) or "freshness" in repr(late.result(raise_on_failure=False))


def test_link_flow_links_the_ingested_world_as_task_runs(
    prefect_server: None, small_world: World, tmp_path: Path
) -> None:
    from pipelines.flows import ingest_extracts, link_identities

    warehouse = tmp_path / "w.duckdb"
    ingest_extracts(small_world[0] / "landing", warehouse, date(2026, 11, 16))
    state = link_identities(warehouse, return_state=True)
    assert state.is_completed()
    result = state.result()
    assert result.persons > 0 and result.trained
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM link.xref").fetchall()[0][0] == result.records
