"""Retention erases rows, and every later stage still runs: ingest, retention, ingest, link, weekly list.

On a copy of the small world's ingested warehouse: `cohort retention apply --yes` erases the extract
rows older than six years, and the next `cohort ingest` reconciles (raw = staged + quarantined, less
what was erased, per load) instead of stopping with "rows do not reconcile".
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from data_contracts.contract import load_contracts
from pipelines.cli import app
from pipelines.ingest.reconcile import reconcile
from pipelines.link.run import run_link
from pipelines.warehouse.connection import connect
from pipelines.warehouse.copy import copy_warehouse
from pipelines.weekly.run import run_weekly
from tests.clock import test_clock

pytestmark = pytest.mark.bad_input  # the bad-input corpus: `pytest -m bad_input`

RUN_DATE = date(2026, 11, 16)  # the small world's last Monday: extracts before 16/11/2020 are due
runner = CliRunner(env={"COLUMNS": "200", "COHORT_NOW": "2026-11-16T08:00:00"})


def invoke(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.output, result.exception)
    return result.output


def query(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.slow
def test_ingest_link_and_the_weekly_list_run_after_retention_has_erased_rows(
    small_world: tuple[Path, dict[str, object]], ingested: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    copy_warehouse(ingested, warehouse, checkpoint=False)
    loaded = query(warehouse, "SELECT sum(rows_raw) FROM meta.load WHERE status = 'loaded'")[0][0]
    w = ("--warehouse", str(warehouse))
    invoke("retention", "apply", "--as-of", RUN_DATE.isoformat(), *w, "--yes", "--by", "dpo")
    erased = query(
        warehouse,
        "SELECT sum(rows_erased_raw), sum(rows_erased_staged), sum(rows_erased_quarantined) FROM meta.load",
    )[0]
    assert erased[0] > 0 and erased[0] == erased[1] + erased[2]
    held = sum(query(warehouse, f"SELECT count(*) FROM raw.{s}")[0][0] for s in load_contracts())
    assert held == loaded - erased[0]  # every erased row counted against its load, none lost besides

    output = invoke("ingest", "--landing", str(small_world[0] / "landing"), *w, "--run-date", "2026-11-16")
    assert "Stopped" not in output and "do not reconcile" not in output
    with connect(warehouse) as con:
        assert reconcile(con, load_contracts()) == []
    assert query(warehouse, "SELECT status FROM meta.run ORDER BY started_at DESC LIMIT 1") == [
        ("succeeded",)
    ]
    assert query(warehouse, "SELECT count(*) FROM audit.event WHERE action = 'erase'")[0][0] > 0

    linked = run_link(warehouse, clock=test_clock())
    assert linked is not None
    weekly = run_weekly(
        warehouse, RUN_DATE, now=datetime(2026, 11, 16, 9), lists_dir=tmp_path / "lists", by="tester",
        key_file=tmp_path / "secrets" / "key",
    )  # fmt: skip
    assert weekly.entries > 0
    oldest = query(warehouse, "SELECT min(offence_date) FROM staging.police_occurrences")[0][0]
    assert oldest >= date(2020, 11, 16)
