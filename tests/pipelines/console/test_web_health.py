"""The data-health page over the published test world: sources, gates (failed first, with what to do),
rejected files and runs, as the store holds them; only data engineers open it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, update

from pipelines.opstore import reading, reading_governance
from pipelines.opstore.engine import Store
from pipelines.opstore.read_tables import rm_gate, rm_rejected, rm_run, rm_source
from tests.pipelines.console.conftest import PUBLISHED_AT, ConsoleWorld
from tests.pipelines.console.web_client import (
    client,
    make_app,
    opened_copy,
    sign_in,
    store_with_accounts,
)

REJECTED_WHY = "the header has 11 columns; the contract names 12 (missing: custody_end)"
OVERRIDE = "gate quarantine_share failed for police_custody (overridden: the partnership meets today)"


@pytest.fixture(scope="module")
def store_file(console_world: ConsoleWorld, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published store with a data engineer and one account of each other role (hashed once)."""
    accounts = [("eve", "data_engineer"), ("ann", "board"), ("ali", "analyst"), ("rex", "reviewer"),
                ("root", "admin")]  # fmt: skip
    return store_with_accounts(
        tmp_path_factory.mktemp("health") / "ops.sqlite",
        [(name, [role]) for name, role in accounts],
        published=console_world.folder / "warehouse.ops.sqlite",
    )


@pytest.fixture
def store(store_file: Path, tmp_path: Path) -> Iterator[Store]:
    with opened_copy(store_file, tmp_path) as opened:
        yield opened


def _page(store: Store) -> str:
    browser = client(make_app(store))
    sign_in(browser, "eve")
    answer = browser.get("/health")
    assert answer.status_code == 200
    text: str = answer.text
    return text


def _row(page: str, first_cell: str) -> str:
    """The text of the table row whose first cell is ``first_cell`` (tags stripped, spaces squeezed)."""
    found = re.search(rf"<tr[^>]*><t[hd][^>]*>{re.escape(first_cell)}</t[hd]>(.*?)</tr>", page, re.S)
    assert found, f"no row for {first_cell}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_the_page_shows_the_published_sources_gates_and_runs(store: Store) -> None:
    health = reading_governance.data_health(store)
    page = _page(store)
    assert f"last published <strong>{PUBLISHED_AT:%d/%m/%Y %H:%M}</strong> by user:tester" in page
    assert len(health.sources) == 10
    for s in health.sources:
        assert s.newest_extract is not None and not s.stale
        assert _row(page, s.source) == (
            f"{s.newest_extract:%d/%m/%Y} Up to date {s.files:,} {s.rejected:,} {s.rows:,} {s.quarantined:,}"
        )
    assert (
        _row(page, "education_attendance") == "01/09/2026 Up to date 2 0 12,253 67"
    )  # by hand, as published
    assert f"{len(health.gates)} of {len(health.gates)} passed" in page
    assert "comes first" not in page and "What to do" not in page
    (ingest,) = health.ingest_runs
    assert _row(page, f"{ingest[0]:%d/%m/%Y %H:%M}") == f"{ingest[1]:,} {ingest[2]:,} {ingest[3]:,}"
    (link,) = health.link_runs
    assert _row(page, link[0]) == f"{link[1]:%d/%m/%Y %H:%M} succeeded"
    (run,) = reading.runs(store)
    assert _row(page, str(run.run_id)).endswith(f"published rules and model {run.entries} no failed check")
    assert "No file has been rejected." in page


def test_failed_gates_come_first_with_what_to_do_and_stale_sources_and_rejected_files_show(
    store: Store,
) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(rm_gate).where(rm_gate.c.seq == 7).values(
            passed=False, message="2.50% of rows quarantined (limit 2.00%)"))  # fmt: skip
        conn.execute(update(rm_source).where(rm_source.c.source == "police_custody").values(stale=True))
        conn.execute(insert(rm_rejected).values(
            load_id=900, file_name="police_custody_20261116.csv", source="police_custody",
            received_at=datetime(2026, 11, 16, 6, 30), reason=REJECTED_WHY))  # fmt: skip
        conn.execute(update(rm_run).values(failed_checks=json.dumps([OVERRIDE])))
    gates = reading_governance.data_health(store).gates
    failed = next(g for g in gates if not g[2])
    page = _page(store)
    rows = re.findall(r"<tr( class=\"failed\")?><td>([a-z_]+)</td><td>([^<]*)</td>", page)
    assert rows[0] == (' class="failed"', failed[0], failed[1] or "all sources")  # the failed gate first...
    assert all(not css for css, _, _ in rows[1:]) and len(rows) == len(gates)  # ...then the passed ones
    assert (
        "1 gate failed at the latest ingest." in page
        and f"{len(gates) - 1} of {len(gates)} passed; the failed one comes first" in page
    )
    assert "2.50% of rows quarantined (limit 2.00%)" in page
    assert "What to do: fix what the message names" in page and "run <code>cohort ingest</code> again" in page
    assert "Stale: police_custody.</strong> What to do: ask the source for a new extract" in page
    assert "Stale" in _row(page, "police_custody")
    assert _row(page, "police_custody_20261116.csv") == f"police_custody 16/11/2026 06:30 {REJECTED_WHY}"
    assert OVERRIDE in page


@pytest.mark.parametrize("name", ["ann", "ali", "rex", "root"])
def test_only_data_engineers_open_the_page(store: Store, name: str) -> None:
    browser = client(make_app(store))
    sign_in(browser, name)
    answer = browser.get("/health")
    assert answer.status_code == 403
    assert "You cannot open this page" in answer.text and "<table" not in answer.text


def test_a_signed_out_browser_is_sent_to_sign_in(store: Store) -> None:
    answer = client(make_app(store)).get("/health")
    assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in")
