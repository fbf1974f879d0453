"""The warehouse: owner-only, migrated in order, with tables exactly as the contracts declare."""

from __future__ import annotations

import stat
from pathlib import Path

import duckdb
import polars as pl
import pytest

from data_contracts.contract import load_contracts
from data_contracts.staging import SQL_TYPES, staging_schema
from pipelines.warehouse.connection import WarehouseUnavailable, connect, warehouse_path
from pipelines.warehouse.migrations import MigrationError, migrate, migrations
from pipelines.warehouse.queries import extract_tables_sql, replace_rows


def test_warehouse_path_prefers_the_option_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COHORT_WAREHOUSE", raising=False)
    assert warehouse_path(None, create=True) == Path("data/warehouse.duckdb")
    monkeypatch.setenv("COHORT_WAREHOUSE", "/srv/cohort.duckdb")
    assert warehouse_path(None, create=True) == Path("/srv/cohort.duckdb")
    assert warehouse_path(Path("x.duckdb"), create=True) == Path("x.duckdb")


def test_a_missing_warehouse_is_refused_unless_the_command_may_make_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COHORT_WAREHOUSE", str(tmp_path / "typo.duckdb"))
    with pytest.raises(WarehouseUnavailable) as refused:
        warehouse_path(None)
    assert str(refused.value) == (
        f"no warehouse at {tmp_path / 'typo.duckdb'}: check --warehouse / $COHORT_WAREHOUSE, "
        "or run cohort ingest first"
    )
    (tmp_path / "typo.duckdb").touch()
    assert warehouse_path(None) == tmp_path / "typo.duckdb"


def test_a_file_or_folder_that_is_not_a_warehouse_is_refused_in_one_line(tmp_path: Path) -> None:
    text = tmp_path / "notes.duckdb"
    text.write_text("not a database\n" * 100)
    for path, wanted in ((text, "cannot be opened as a DuckDB warehouse"), (tmp_path, "is a folder")):
        with pytest.raises(WarehouseUnavailable, match=wanted), connect(path):
            pass


def test_a_new_warehouse_is_owner_only_and_fully_migrated(tmp_path: Path) -> None:
    path = tmp_path / "wh" / "w.duckdb"
    with connect(path) as con:
        applied = con.execute("SELECT version, name FROM meta.schema_migration ORDER BY version").fetchall()
    assert [name for _, name in applied] == [name for _, name, _ in migrations()]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with connect(path):
        pass
    with connect(path) as con:
        assert migrate(con) == []
        assert con.execute("SELECT count(*) FROM meta.schema_migration").fetchall()[0][0] == len(migrations())


def test_an_edited_migration_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with connect(path) as con:
        con.execute("UPDATE meta.schema_migration SET sha256 = 'edited' WHERE version = 2")
    with pytest.raises(MigrationError, match="never edit an applied migration"), connect(path):
        pass


def test_every_layer_has_a_schema(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        schemas = {
            s for (s,) in con.execute("SELECT schema_name FROM information_schema.schemata").fetchall()
        }
    assert {
        "raw",
        "staging",
        "quarantine",
        "link",
        "features",
        "scoring",
        "lists",
        "review",
        "audit",
        "meta",
    } <= schemas


def columns_of(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    return [
        (str(name), str(kind))
        for name, kind in con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
            [schema, table],
        ).fetchall()
    ]


def test_extract_tables_match_their_contracts(tmp_path: Path) -> None:
    """A contract changed without a new migration fails here; the message prints the DDL to add."""
    with connect(tmp_path / "w.duckdb") as con:
        for contract in load_contracts().values():
            keys = [("load_id", "INTEGER"), ("row_number", "BIGINT")]
            text = [(c.name, "VARCHAR") for c in contract.columns]
            typed = [(n, SQL_TYPES[type(t)]) for n, t in list(staging_schema(contract).items())[2:]]
            expected = {
                "raw": keys + text,
                "staging": keys + typed,
                "quarantine": [*keys, ("reasons", 'STRUCT("rule" VARCHAR, message VARCHAR)[]'), *text],
            }
            for layer, want in expected.items():
                assert columns_of(con, layer, contract.name) == want, (
                    f"{layer}.{contract.name} differs from its contract; add a migration with:\n"
                    + extract_tables_sql(contract)
                )


def test_replace_rows_writes_only_what_changed_and_leaves_the_table_equal_to_the_frame() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (k1 VARCHAR, k2 INTEGER, v DOUBLE, tags VARCHAR[], run_id VARCHAR, "
                "PRIMARY KEY (k1, k2))")  # fmt: skip
    con.execute(
        "INSERT INTO t VALUES ('a', 1, 0.5, ['x'], 'r1'), ('a', 2, NULL, [], 'r1'), "
        "('b', 1, 1.0, NULL, 'r1'), ('c', 1, 2.0, ['y', 'z'], 'r1')"
    )
    frame = pl.DataFrame(
        {
            "k1": ["a", "a", "b", "d"],
            "k2": [1, 2, 1, 1],
            "v": [0.5, None, 1.5, 3.0],  # (a, 1) and (a, 2) unchanged, nulls included; (b, 1) changed
            "tags": [["x"], [], None, ["w"]],  # (c, 1) gone, (d, 1) new
        },
        schema={"k1": pl.String, "k2": pl.Int32, "v": pl.Float64, "tags": pl.List(pl.String)},
    )
    con.begin()
    written = replace_rows(con, "t", frame, ("k1", "k2"), {"run_id": "r2"})
    con.commit()
    assert written == 2
    assert con.sql("SELECT * FROM t ORDER BY k1, k2").fetchall() == [
        ("a", 1, 0.5, ["x"], "r1"),
        ("a", 2, None, [], "r1"),
        ("b", 1, 1.5, None, "r2"),
        ("d", 1, 3.0, ["w"], "r2"),
    ]
