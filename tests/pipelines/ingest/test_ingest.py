"""Ingest end to end on a small world: every row accounted for; reruns and restarts change nothing."""

from __future__ import annotations

import shutil
import stat
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from data_contracts.contract import load_contracts
from pipelines.ingest import load as ingest
from pipelines.ingest.reconcile import ReconciliationError, reconcile
from pipelines.ingest.run import IngestResult, run_ingest
from tests.clock import test_clock

RUN_DATE = date(2026, 11, 16)
CONTRACTS = load_contracts()
World = tuple[Path, dict[str, object]]


@pytest.fixture(scope="module")
def ingested(small_world: World, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, IngestResult]:
    folder = tmp_path_factory.mktemp("ingest")
    path = folder / "w.duckdb"
    return path, run_ingest(small_world[0] / "landing", path, RUN_DATE, clock=test_clock())


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's content, leaving out what differs between runs by nature (run ids, clock times)."""
    tables = {
        "meta.load": "SELECT * EXCLUDE (run_id, loaded_at) FROM meta.load ORDER BY load_id",
        # the hash chain covers the clock times, so it differs too
        "audit.event": "SELECT * EXCLUDE (occurred_at, previous_hash, event_hash) FROM audit.event "
        "ORDER BY event_id",
    }
    for name in CONTRACTS:
        for layer in ("raw", "staging", "quarantine"):
            tables[f"{layer}.{name}"] = f"SELECT * FROM {layer}.{name} ORDER BY load_id, row_number"
    return {table: query(path, sql) for table, sql in tables.items()}


def test_the_demo_world_passes_every_gate(ingested: tuple[Path, IngestResult]) -> None:
    _, result = ingested
    assert result.status == "succeeded", result.failed_gates
    assert all(o.status == "loaded" for o in result.outcomes)


def test_quarantine_holds_exactly_the_rows_the_world_spoiled(
    small_world: World, ingested: tuple[Path, IngestResult]
) -> None:
    path, _ = ingested
    planted = pl.read_parquet(small_world[0] / "ground_truth" / "invalid_rows.parquet")
    found = set()
    for name, contract in CONTRACTS.items():
        rows = query(
            path,
            f'SELECT l.file_name, q."{contract.record_id}" '
            f"FROM quarantine.{name} q JOIN meta.load l USING (load_id)",
        )
        found |= {(name, f, str(r)) for f, r in rows}
    assert found == set(planted.select("source", "file", "source_record_id").iter_rows())


def test_every_row_is_in_staging_or_quarantine_and_the_counts_are_stored(
    ingested: tuple[Path, IngestResult],
) -> None:
    path, result = ingested
    with duckdb.connect(str(path), read_only=True) as con:
        assert reconcile(con, CONTRACTS) == []
    stored = query(path, "SELECT sum(rows_raw), sum(rows_staged), sum(rows_quarantined) FROM meta.load")[0]
    assert stored == (sum(o.rows for o in result.outcomes), sum(o.staged for o in result.outcomes),
                      sum(o.quarantined for o in result.outcomes))  # fmt: skip
    assert stored[0] == stored[1] + stored[2] > 0


def test_each_load_is_recorded_once_in_the_audit_log(ingested: tuple[Path, IngestResult]) -> None:
    path, result = ingested
    events = query(path, "SELECT action, count(*), count(DISTINCT load_id) FROM audit.event GROUP BY action")
    assert events == [("collect", len(result.outcomes), len(result.outcomes))]


def test_staging_dates_are_dates_and_names_are_upper_case(ingested: tuple[Path, IngestResult]) -> None:
    path, _ = ingested
    row = query(path, "SELECT min(offence_date), max(offence_date), bool_and(surname = upper(surname)) "
                      "FROM staging.police_occurrences")[0]  # fmt: skip
    assert row[0] < row[1] <= RUN_DATE and row[2]


def test_the_report_is_owner_only_and_shows_no_personal_data(ingested: tuple[Path, IngestResult]) -> None:
    path, result = ingested
    html = result.report_path.read_text("utf-8")
    assert stat.S_IMODE(result.report_path.stat().st_mode) == 0o600
    assert "quarantine_share" in html and "upn:check_digit" in html
    personal = query(path, 'SELECT "SURNAME", "DOB", "PNC_ID" FROM quarantine.police_occurrences')
    for surname, dob, pnc in personal:
        for value in (surname, dob, pnc):
            assert value is None or f"'{value}'" not in html


def test_a_second_run_skips_every_file_and_changes_nothing(small_world: World, tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    run_ingest(small_world[0] / "landing", path, RUN_DATE, clock=test_clock())
    before = snapshot(path)
    again = run_ingest(small_world[0] / "landing", path, RUN_DATE, clock=test_clock())
    assert {o.status for o in again.outcomes} == {"skipped"}
    assert snapshot(path) == before


def test_a_run_killed_half_way_then_restarted_equals_one_clean_run(
    small_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = small_world[0] / "landing"
    clean = tmp_path / "clean.duckdb"
    run_ingest(landing, clean, RUN_DATE, clock=test_clock())

    killed = tmp_path / "killed.duckdb"
    calls = {"n": 0}
    real = ingest.record_load

    def dies_on_the_ninth_file(*args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 9:
            raise KeyboardInterrupt  # as if the process were stopped while writing
        return real(*args)

    monkeypatch.setattr(ingest, "record_load", dies_on_the_ninth_file)
    with pytest.raises(KeyboardInterrupt):
        run_ingest(landing, killed, RUN_DATE, clock=test_clock())
    monkeypatch.setattr(ingest, "record_load", real)
    assert query(killed, "SELECT count(*) FROM meta.load")[0][0] == 8
    restarted = run_ingest(landing, killed, RUN_DATE, clock=test_clock())
    assert restarted.status == "succeeded"
    assert snapshot(killed) == snapshot(clean)
    assert query(killed, "SELECT status FROM meta.run ORDER BY started_at") == [
        ("interrupted",),
        ("succeeded",),
    ]


def test_an_overdue_source_fails_the_run_after_loading_everything(small_world: World, tmp_path: Path) -> None:
    result = run_ingest(
        small_world[0] / "landing", tmp_path / "w.duckdb", date(2026, 12, 31), clock=test_clock()
    )
    assert result.status == "failed"
    failed = {(g.gate, g.source) for g in result.failed_gates}
    assert ("freshness", "police_occurrences") in failed
    assert ("freshness", "education_attendance") not in failed  # termly: 121 days is within 140
    assert all(o.status == "loaded" for o in result.outcomes)
    assert query(tmp_path / "w.duckdb", "SELECT status FROM meta.run") == [("failed",)]


def test_rows_that_do_not_reconcile_stop_the_run_and_keep_nothing_of_the_file(
    small_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    shutil.copy(small_world[0] / "landing" / "health_referrals_2026-11-16.csv", landing)
    count = ingest._count  # staging seems to lose a row, however many the file has
    monkeypatch.setattr(
        ingest, "_count", lambda con, table, load_id: count(con, table, load_id) - table.startswith("staging")
    )
    with pytest.raises(ReconciliationError, match="health_referrals_2026-11-16.csv"):
        run_ingest(landing, tmp_path / "w.duckdb", RUN_DATE, clock=test_clock())
    assert query(tmp_path / "w.duckdb", "SELECT count(*) FROM raw.health_referrals") == [(0,)]
    assert query(tmp_path / "w.duckdb", "SELECT count(*) FROM meta.load") == [(0,)]


def test_resending_the_original_after_a_correction_makes_it_current_again(
    small_world: World, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    original = (small_world[0] / "landing" / "health_referrals_2026-08-24.csv").read_text("utf-8")
    target = landing / "health_referrals_2026-08-24.csv"
    header, *rows = original.splitlines(keepends=True)
    path = tmp_path / "w.duckdb"
    for text in (original, header + "".join(reversed(rows)), original):  # a correction: rows changed
        target.write_text(text, "utf-8")
        run_ingest(landing, path, RUN_DATE, contracts=CONTRACTS, clock=test_clock())
    assert query(path, "SELECT status FROM meta.load ORDER BY load_id") == [
        ("superseded",),
        ("superseded",),
        ("loaded",),
    ]
    assert query(path, "SELECT count(*) FROM staging.health_referrals") == [(len(rows) - query(
        path, "SELECT count(*) FROM quarantine.health_referrals")[0][0],)]  # fmt: skip


def test_a_number_that_is_not_a_number_is_quarantined_not_a_crash(small_world: World, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    header, first, *rest = (
        (small_world[0] / "landing" / "education_attendance_2026-09-01.csv").read_text("utf-8").splitlines()
    )
    fields = first.split(",")
    fields[header.split(",").index("sessions_possible")] = "12.5"
    (landing / "education_attendance_2026-09-01.csv").write_text(
        "\n".join([header, ",".join(fields), *rest]) + "\n"
    )
    result = run_ingest(landing, tmp_path / "w.duckdb", RUN_DATE, contracts=CONTRACTS, clock=test_clock())
    reasons = query(
        tmp_path / "w.duckdb", "SELECT reasons FROM quarantine.education_attendance WHERE row_number = 1"
    )
    assert [r["rule"] for r in reasons[0][0]] == ["sessions_possible:whole_number"]
    assert result.outcomes[0].rows == len(rest) + 1
