"""The raw layer in Parquet files: lineage to file and row, reconciliation, old warehouses, rewrites,
the sweep and owner-only files (pipelines.warehouse.raw_files)."""

from __future__ import annotations

import hashlib
import stat
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from data_contracts.contract import load_contracts
from pipelines.ingest import load as ingest
from pipelines.ingest.landing import discover
from pipelines.ingest.readers import read_extract
from pipelines.ingest.reconcile import reconcile
from pipelines.ingest.run import run_ingest
from pipelines.paths import raw_folder
from pipelines.warehouse.connection import WarehouseUnavailable, connect
from pipelines.warehouse.copy import copy_warehouse
from pipelines.warehouse.migrations import migrations
from pipelines.warehouse.queries import sql
from pipelines.warehouse.raw_files import erase_raw_rows, registered, sweep_raw_files, write_raw_file
from tests.clock import test_clock

CONTRACTS = load_contracts()
RUN_DATE = date(2026, 11, 16)
World = tuple[Path, dict[str, object]]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def custody(rows: list[tuple[int, int, str]]) -> pl.DataFrame:
    """Raw police custody rows: (load, row, custody ref)."""
    return pl.DataFrame(
        rows, schema={"load_id": pl.Int32, "row_number": pl.Int64, "CUSTODY_REF": pl.String}, orient="row"
    )


def test_a_staged_row_leads_back_to_its_file_and_line(small_world: World, ingested: Path) -> None:
    with duckdb.connect(str(ingested), read_only=True) as con:
        load_id, row_number, record_id = con.execute(
            "SELECT load_id, row_number, record_id FROM staging.police_occurrences "
            "ORDER BY load_id DESC, row_number DESC LIMIT 1"
        ).fetchall()[0]
        file_name, path = con.execute(
            "SELECT l.file_name, f.path FROM meta.load l JOIN meta.raw_file f USING (load_id) "
            "WHERE load_id = ?",
            [load_id],
        ).fetchall()[0]
        raw = pl.from_arrow(
            con.sql(
                "SELECT * EXCLUDE (load_id, row_number) FROM raw.police_occurrences "
                "WHERE load_id = ? AND row_number = ?",
                params=[load_id, row_number],
            ).to_arrow_table()
        )
        assert isinstance(raw, pl.DataFrame)
    delimiter = CONTRACTS["police_occurrences"].delimiter
    sent = pl.read_csv(small_world[0] / "landing" / file_name, separator=delimiter, infer_schema=False)
    as_sent = sent.row(row_number - 1, named=True)  # row_number counts data rows from 1
    assert {column: raw.get_column(column)[0] for column in as_sent} == as_sent
    assert raw.get_column("RECORD_ID")[0] == record_id
    assert path == f"police_occurrences/{load_id}-{sha256(raw_folder(ingested) / path)[:16]}.parquet"


def test_every_load_has_one_registered_file_whose_hash_and_rows_are_right(ingested: Path) -> None:
    with duckdb.connect(str(ingested), read_only=True) as con:
        assert reconcile(con, CONTRACTS) == []
        loads = con.execute(
            "SELECT source, load_id, rows_raw FROM meta.load WHERE status = 'loaded' ORDER BY source, load_id"
        ).fetchall()
        files = registered(con)
    assert [(f.source, f.load_id, f.rows) for f in files] == loads
    for file in files:
        path = raw_folder(ingested) / file.path
        assert sha256(path) == file.sha256 and path.stat().st_size == file.bytes


def test_raw_files_and_their_folders_are_owner_only(ingested: Path) -> None:
    folder = raw_folder(ingested)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path


def test_a_copy_without_its_raw_folder_refuses_to_open_saying_what_to_do(
    ingested: Path, tmp_path: Path
) -> None:
    (tmp_path / "w.duckdb").write_bytes(ingested.read_bytes())
    with pytest.raises(
        WarehouseUnavailable, match=r"missing from .*w\.raw.*copy a warehouse with its \.raw folder"
    ):
        with connect(tmp_path / "w.duckdb"):
            pass
    copied = copy_warehouse(ingested, tmp_path / "copy" / "other.duckdb")
    with connect(copied) as con:
        assert reconcile(con, CONTRACTS) == []
        assert con.execute("SELECT count(*) FROM raw.police_occurrences").fetchall()[0][0] > 0


def legacy_warehouse(path: Path) -> None:
    """A warehouse as made before the raw files: migrations up to 0016, raw rows in raw tables."""
    with duckdb.connect(str(path)) as con:
        con.execute(sql("meta/migration_table"))
        for version, name, statements in migrations()[:16]:
            con.execute(statements)
            digest = hashlib.sha256(statements.encode("utf-8")).hexdigest()
            con.execute(sql("meta/record_migration"), [version, name, digest, datetime(2026, 1, 1)])
        con.execute(
            "INSERT INTO meta.load (load_id, run_id, source, file_name, sha256, size_bytes, extract_date, "
            "received_at, loaded_at, status, rows_raw, rows_staged, rows_quarantined) VALUES "
            "(1, 'r', 'police_custody', 'police_custody_2026-01-05.csv', 'x', 1, '2026-01-05', now(), now(), "
            "'loaded', 2, 1, 1)"
        )
        con.execute(
            'INSERT INTO raw.police_custody (load_id, row_number, "CUSTODY_REF") '
            "VALUES (1, 1, 'C1'), (1, 2, 'C2')"
        )
        con.execute(
            "INSERT INTO staging.police_custody (load_id, row_number, custody_ref) VALUES (1, 1, 'C1')"
        )
        con.execute(
            'INSERT INTO quarantine.police_custody (load_id, row_number, reasons, "CUSTODY_REF") '
            "VALUES (1, 2, [{'rule': 'r', 'message': 'm'}], 'C2')"
        )


def test_an_old_warehouse_keeps_its_raw_rows_and_new_loads_join_them(
    small_world: World, tmp_path: Path
) -> None:
    warehouse = tmp_path / "old.duckdb"
    legacy_warehouse(warehouse)
    with connect(warehouse) as con:  # migration 0017 moves the raw tables to raw_legacy
        legacy = con.execute("SELECT * FROM raw_legacy.police_custody ORDER BY row_number").fetchall()
        assert [row[:3] for row in legacy] == [(1, 1, "C1"), (1, 2, "C2")]
        assert con.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = 'raw' "
                           "AND table_name = 'police_custody'").fetchall() == [("VIEW",)]  # fmt: skip
        assert reconcile(con, CONTRACTS) == []
    run_ingest(small_world[0] / "landing", warehouse, RUN_DATE, clock=test_clock())
    with connect(warehouse) as con:
        assert reconcile(con, CONTRACTS) == []
        per_load = dict(
            con.execute("SELECT load_id, count(*) FROM raw.police_custody GROUP BY load_id").fetchall()
        )
        loaded = dict(con.execute("SELECT load_id, rows_raw FROM meta.load WHERE source = 'police_custody' "
                                  "AND status = 'loaded'").fetchall())  # fmt: skip
    assert per_load[1] == 2 and len(per_load) > 1
    assert per_load == {load: rows for load, rows in loaded.items() if rows}  # header-only files: no rows


def test_erasing_rows_rewrites_the_file_records_its_new_hash_and_the_sweep_removes_the_old(
    tmp_path: Path,
) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        first = write_raw_file(con, "police_custody", 1, custody([(1, 1, "C1"), (1, 2, "C2"), (1, 3, "C3")]))
        other = write_raw_file(con, "police_custody", 2, custody([(2, 1, "C4")]))
        con.begin()
        erase_raw_rows(con, "police_custody", "t.\"CUSTODY_REF\" IN ('C2')", {})
        con.commit()
        rewritten = {f.load_id: f for f in registered(con, "police_custody")}
        rows = con.execute(
            'SELECT load_id, row_number, "CUSTODY_REF" FROM raw.police_custody ORDER BY 1, 2'
        ).fetchall()
        old_file = raw_folder(tmp_path / "w.duckdb") / first.path
        assert old_file.exists()  # kept until the sweep: the transaction might have rolled back
        assert sweep_raw_files(con) == [old_file]
    assert rows == [(1, 1, "C1"), (1, 3, "C3"), (2, 1, "C4")]
    assert rewritten[2] == other  # a file with nothing to erase is left as it was
    new = rewritten[1]
    assert new.sha256 != first.sha256 and new.rows == 2
    assert sha256(raw_folder(tmp_path / "w.duckdb") / new.path) == new.sha256
    assert not old_file.exists()


def test_the_sweep_removes_unregistered_files_and_keeps_registered_ones(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        kept = write_raw_file(con, "police_custody", 1, custody([(1, 1, "C1")]))
        folder = raw_folder(tmp_path / "w.duckdb") / "police_custody"
        strays = [folder / "7-0123456789abcdef.parquet", folder / "8.partial"]
        for stray in strays:
            stray.write_bytes(b"left by a crashed load")
        notes = folder / "README"  # not ours to remove
        notes.write_text("x")
        assert sweep_raw_files(con) == strays
        assert (folder.parent / kept.path).exists() and notes.exists()


def test_a_load_that_fails_leaves_no_file_registered_or_on_disk(small_world: World, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    contract = CONTRACTS["health_referrals"]
    file = next(f for f in discover(small_world[0] / "landing", CONTRACTS) if f.source == "health_referrals")
    rows = read_extract(file.path, contract)

    def failing() -> pl.DataFrame:
        raise OSError("validation died")

    with connect(warehouse) as con:
        with pytest.raises(OSError, match="validation died"):
            ingest.record_load(con, "run", contract, file, rows, failing, datetime(2026, 11, 16, 6))
        assert registered(con) == []
        assert con.execute("SELECT count(*) FROM meta.load").fetchall()[0][0] == 0
        assert con.execute("SELECT count(*) FROM raw.health_referrals").fetchall()[0][0] == 0
    assert list(raw_folder(warehouse).rglob("*.parquet")) == []
    assert list(raw_folder(warehouse).rglob("*.partial")) == []
