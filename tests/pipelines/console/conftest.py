"""The review console's test world: a warehouse with an approved model and one published weekly list,
and the read model published into a SQLite operational store beside it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from pipelines.train.run import run_training
from pipelines.warehouse.connection import connect
from pipelines.warehouse.copy import copy_warehouse
from pipelines.warehouse.model_registry import set_status
from pipelines.weekly.run import run_weekly
from tests.clock import test_clock
from tests.pipelines.cli.test_cli_model import small_settings

AS_OF = date(2026, 11, 16)
"""The published list's reference date."""
NEXT = date(2026, 11, 23)
"""The following week's reference date."""
PUBLISHED_AT = datetime(2026, 11, 16, 7, 30)
"""When the fixture's list run was made and the read model published."""


@dataclass(frozen=True)
class ConsoleWorld:
    """A folder holding a warehouse and its operational store, with one published list."""

    folder: Path
    warehouse: Path
    store_url: str  # sqlite:///<folder>/warehouse.ops.sqlite
    run_id: int
    as_of: date
    model_version: str
    key_file: Path  # the pseudonymisation key the list was published with


def copy_world(world: ConsoleWorld, folder: Path) -> ConsoleWorld:
    """A copy of the world (warehouse, audit checkpoint, store, lists, models, key) in ``folder``,
    for tests that write; the session's world must stay as it is."""
    shutil.copytree(world.folder, folder, dirs_exist_ok=True)
    warehouse = folder / world.warehouse.name
    store = folder / f"{warehouse.stem}.ops.sqlite"
    return ConsoleWorld(
        folder, warehouse, f"sqlite:///{store}", world.run_id, world.as_of, world.model_version,
        folder / world.key_file.relative_to(world.folder),
    )  # fmt: skip


@pytest.fixture(scope="session")
def console_world(linked: Path, tmp_path_factory: pytest.TempPathFactory) -> ConsoleWorld:
    """The linked small world with a small model trained and approved, the list for 16/11/2026
    published, and the read model published into ``warehouse.ops.sqlite`` (do not write to it:
    use :func:`copy_world`)."""
    from pipelines.console.sync.publish import publish
    from pipelines.opstore.engine import open_store

    folder = tmp_path_factory.mktemp("console")
    warehouse = folder / "warehouse.duckdb"
    copy_warehouse(linked, warehouse)
    trained = run_training(
        warehouse, folder / "models", clock=test_clock(), settings_file=small_settings(folder), by="test"
    )
    with connect(warehouse) as con:
        set_status(
            con, trained.version, "approved", "demo", "synthetic demo world: approved to test the console",
            datetime(2026, 11, 16, 6),
        )  # fmt: skip
    key_file = folder / "secrets" / "pseudonym.key"
    result = run_weekly(warehouse, AS_OF, now=PUBLISHED_AT, by="tester", key_file=key_file)
    url = f"sqlite:///{folder / 'warehouse.ops.sqlite'}"
    store = open_store(url)
    try:
        with connect(warehouse) as con:
            publish(con, store, now=PUBLISHED_AT, by="user:tester")
    finally:
        store.engine.dispose()
    return ConsoleWorld(folder, warehouse, url, result.run_id, AS_OF, trained.version, key_file)
