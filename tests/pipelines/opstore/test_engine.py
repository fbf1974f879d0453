"""Opening the store: owner-only SQLite files, pragmas, schema versions, bad URLs, DuckDB held elsewhere."""

from __future__ import annotations

import multiprocessing
import stat
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import InternalError, OperationalError

from pipelines.opstore import decisions, journal
from pipelines.opstore.engine import (
    SCHEMA_VERSION,
    StoreError,
    masked,
    open_store,
    read_connection,
    store_url,
)
from pipelines.opstore.schema import journal as journal_table
from pipelines.opstore.schema import schema_version

AT = datetime(2026, 11, 16, 8, 0)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_store_and_its_side_files_are_owner_only_in_wal_mode(tmp_path: Path) -> None:
    file = tmp_path / "warehouse.ops.sqlite"
    store = open_store(f"sqlite:///{file}")
    journal.append(store, now=AT, actor="user:ana", action="sign_in", detail="signed in")
    with store.engine.connect() as connection:  # held open, so the -wal and -shm files stay
        pragmas = [connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in
                   ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")]  # fmt: skip
        sides = [file.with_name(file.name + suffix) for suffix in ("-wal", "-shm")]
        assert all(side.exists() for side in sides)
        assert [_mode(path) for path in (file, *sides)] == [0o600, 0o600, 0o600]
    assert pragmas == ["wal", 2, 30_000, 1]  # synchronous 2 is FULL
    store.engine.dispose()


def test_a_folder_made_for_the_store_is_owner_only(tmp_path: Path) -> None:
    file = tmp_path / "new" / "warehouse.ops.sqlite"
    open_store(f"sqlite:///{file}").engine.dispose()
    assert (_mode(file.parent), _mode(file)) == (0o700, 0o600)


def test_the_store_lies_beside_the_warehouse_unless_a_url_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COHORT_OPS_URL", raising=False)
    assert store_url(tmp_path / "cohort.duckdb") == f"sqlite:///{tmp_path / 'cohort.ops.sqlite'}"
    monkeypatch.setenv("COHORT_OPS_URL", "postgresql+psycopg://app:pw@db/cohort")
    assert store_url(tmp_path / "cohort.duckdb") == "postgresql+psycopg://app:pw@db/cohort"
    assert masked("postgresql+psycopg://app:s3cret@db/cohort") == "postgresql+psycopg://app:***@db/cohort"


def test_opening_twice_keeps_what_was_written(any_store_url: str) -> None:
    first = open_store(any_store_url)
    journal.append(first, now=AT, actor="user:ana", action="sign_in", detail="signed in")
    first.engine.dispose()
    again = open_store(any_store_url)
    assert [e.seq for e in journal.entries(again)] == [1] and journal.verify(again) == []
    again.engine.dispose()


def test_a_store_from_a_newer_cohort_is_refused(any_store_url: str) -> None:
    store = open_store(any_store_url)
    with store.engine.begin() as connection:
        connection.execute(update(schema_version).values(version=SCHEMA_VERSION + 1))
    store.engine.dispose()
    with pytest.raises(StoreError, match=f"schema version {SCHEMA_VERSION + 1}, newer than this cohort"):
        open_store(any_store_url)


def test_an_unreachable_database_is_named_without_its_password() -> None:
    with pytest.raises(StoreError) as raised:
        open_store("postgresql+psycopg://app:s3cret@127.0.0.1:1/cohort?connect_timeout=2")
    message = str(raised.value)
    assert "s3cret" not in message and "postgresql+psycopg://app:***@127.0.0.1:1/cohort" in message
    with pytest.raises(StoreError, match="use SQLite"):
        open_store("mysql://app@db/cohort")
    with pytest.raises(StoreError, match="not a database URL"):
        open_store("not a url")


def _hold_duckdb(path: str, ready: object, release: object) -> None:
    import duckdb

    con = duckdb.connect(path)  # the writing process: nobody else may open the file now
    con.execute("CREATE TABLE held (x INTEGER)")
    ready.set()  # type: ignore[attr-defined]
    release.wait(60)  # type: ignore[attr-defined]
    con.close()


def test_the_store_works_while_another_process_holds_the_warehouse(tmp_path: Path) -> None:
    warehouse = tmp_path / "cohort.duckdb"
    spawn = multiprocessing.get_context("spawn")
    ready, release = spawn.Event(), spawn.Event()
    holder = spawn.Process(target=_hold_duckdb, args=(str(warehouse), ready, release))
    holder.start()
    try:
        assert ready.wait(60)
        store = open_store(store_url(warehouse))
        saved = decisions.record(
            store, run_id=1, person_id=2, decision="defer", reason="wait", pathway=None, by="ana",
            seen_version=0, needs_second_review=False, now=AT,
        )  # fmt: skip
        assert decisions.for_person(store, 2) == [saved] and journal.verify(store) == []
        store.engine.dispose()
    finally:
        release.set()
        holder.join(60)
    assert holder.exitcode == 0


def test_a_reader_neither_waits_for_a_writer_nor_sees_its_uncommitted_work(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'warehouse.ops.sqlite'}")
    journal.append(store, now=AT, actor="user:ana", action="sign_in", detail="signed in")
    with store.engine.begin() as writer:  # BEGIN IMMEDIATE: holds the write lock until the block ends
        journal.append(
            store, now=AT, actor="user:bob", action="sign_in", detail="signed in", connection=writer
        )
        with read_connection(store) as reader:
            reader.connection.dbapi_connection.execute("PRAGMA busy_timeout=0")  # type: ignore[union-attr]
            seen = reader.execute(select(journal_table.c.seq)).scalars().all()
            with pytest.raises(OperationalError, match="locked"):  # a writer would have to wait
                writing = store.engine.connect()
                writing.connection.dbapi_connection.execute("PRAGMA busy_timeout=0")  # type: ignore[union-attr]
                writing.execute(select(journal_table.c.seq))
            writing.close()
    assert seen == [1]
    assert [e.seq for e in journal.entries(store)] == [1, 2]
    store.engine.dispose()


def test_a_reader_cannot_write_on_postgresql(fresh_postgres_url: str) -> None:
    store = open_store(fresh_postgres_url)
    with pytest.raises(InternalError, match="read-only transaction"), read_connection(store) as reader:
        reader.execute(update(schema_version).values(version=SCHEMA_VERSION))
    store.engine.dispose()
