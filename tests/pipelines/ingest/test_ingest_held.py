"""Files held back rather than loaded: dated after the run, shorter than the copy they replace, or
still being written. Tiny partner-referral files written inline; every count worked out by hand."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from data_contracts.contract import load_contracts
from pipelines.cli import app
from pipelines.ingest import load as ingest
from pipelines.ingest.held import AcceptError, accept_shorter
from pipelines.ingest.run import IngestResult, run_ingest
from pipelines.warehouse.connection import connect
from tests.clock import MONDAY_MORNING, test_clock

pytestmark = pytest.mark.bad_input  # the bad-input corpus: `pytest -m bad_input`

RUN_DATE = date(2026, 11, 16)
SOURCE = "partner_referrals"
CONTRACTS = {SOURCE: load_contracts()[SOURCE]}
HEADER = (
    "Referral Ref,First Name,Last Name,Date of Birth,Gender,Postcode,Referral Date,Referrer Type,"
    "Date Entered\n"
)
ROWS = [
    "VRP-00000001,Ann,Able,01-Jan-2008,Female,B25 0GD,02-Nov-2026,SCHOOL,02-Nov-2026\n",
    "VRP-00000002,Bob,Baker,02-Feb-2008,Male,B25 1ZE,03-Nov-2026,PARENT,03-Nov-2026\n",
    "VRP-00000003,Cal,Cole,03-Mar-2008,Male,WS2 7DH,04-Nov-2026,POLICE,04-Nov-2026\n",
    "VRP-00000004,Dee,Dunn,04-Apr-2008,Female,WV8 2DL,05-Nov-2026,SOCIAL_CARE,05-Nov-2026\n",
]
NAME = "partner_referrals_2026-11-09.csv"
DELIVERED = datetime(2026, 11, 9, 6, 0)  # long before the test clock's 2026-11-16 07:00


def deliver(landing: Path, name: str, rows: list[str], at: datetime = DELIVERED) -> Path:
    """Write a file into the landing folder, modified ``at`` (UTC)."""
    landing.mkdir(exist_ok=True)
    path = landing / name
    path.write_text(HEADER + "".join(rows), "utf-8")
    stamp = at.replace(tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def run(tmp_path: Path, at: datetime = MONDAY_MORNING, run_date: date = RUN_DATE) -> IngestResult:
    return run_ingest(
        tmp_path / "landing", tmp_path / "w.duckdb", run_date, clock=test_clock(at), contracts=CONTRACTS
    )


def query(tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def gate(result: IngestResult, name: str) -> Any:
    return next(g for g in result.gates if g.gate == name)


def test_a_truncated_redelivery_is_held_and_the_longer_copy_stays_current(tmp_path: Path) -> None:
    deliver(tmp_path / "landing", NAME, ROWS)
    assert run(tmp_path).status == "succeeded"
    deliver(tmp_path / "landing", NAME, ROWS[:2])
    result = run(tmp_path)
    assert [(o.status, o.load_id) for o in result.outcomes] == [("held", 2)]
    assert result.status == "failed"
    held = gate(result, "held_redeliveries")
    assert not held.passed
    assert f"{NAME} 4 rows before, 2 after" in held.message and "--accept-shorter" in held.message
    assert query(tmp_path, "SELECT load_id, status, rows_raw FROM meta.load ORDER BY 1") == [
        (1, "loaded", 4), (2, "held", 2),
    ]  # fmt: skip
    assert query(tmp_path, "SELECT load_id, count(*) FROM staging.partner_referrals GROUP BY 1") == [(1, 4)]
    assert query(tmp_path, "SELECT action, load_id, rows FROM audit.event WHERE action = 'hold'") == [
        ("hold", 2, 2)
    ]
    assert "Ann" not in str(query(tmp_path, "SELECT detail FROM audit.event"))


def test_a_held_copy_stays_held_and_keeps_its_gate_failing_on_every_later_run(tmp_path: Path) -> None:
    deliver(tmp_path / "landing", NAME, ROWS)
    run(tmp_path)
    deliver(tmp_path / "landing", NAME, ROWS[:3])
    run(tmp_path)
    again = run(tmp_path)
    assert [o.status for o in again.outcomes] == ["skipped"]
    assert f"{NAME} 4 rows before, 3 after" in gate(again, "held_redeliveries").message
    assert query(tmp_path, "SELECT count(*) FROM meta.load") == [(2,)]


def test_a_header_only_copy_replacing_a_loaded_file_is_held(tmp_path: Path) -> None:
    deliver(tmp_path / "landing", NAME, ROWS)
    run(tmp_path)
    deliver(tmp_path / "landing", NAME, [])
    result = run(tmp_path)
    assert f"{NAME} 4 rows before, 0 after" in gate(result, "held_redeliveries").message
    assert query(tmp_path, "SELECT count(*) FROM staging.partner_referrals") == [(4,)]


def test_an_accepted_shorter_copy_supersedes_on_the_next_run_and_the_acceptance_is_audited(
    tmp_path: Path,
) -> None:
    deliver(tmp_path / "landing", NAME, ROWS)
    run(tmp_path)
    deliver(tmp_path / "landing", NAME, ROWS[:2])
    run(tmp_path)
    with connect(tmp_path / "w.duckdb") as con:
        held = accept_shorter(con, NAME, reason="two referrals withdrawn", by="user:ana", now=MONDAY_MORNING)
    assert (held.rows_before, held.rows_after) == (4, 2)
    result = run(tmp_path, MONDAY_MORNING + timedelta(hours=1))
    assert result.status == "succeeded"
    assert [(o.status, o.load_id) for o in result.outcomes] == [("loaded", 3)]
    assert query(tmp_path, "SELECT load_id, status FROM meta.load ORDER BY 1") == [
        (1, "superseded"), (2, "held"), (3, "loaded"),
    ]  # fmt: skip
    assert query(tmp_path, "SELECT load_id, count(*) FROM staging.partner_referrals GROUP BY 1") == [(3, 2)]
    assert query(
        tmp_path, "SELECT actor, load_id, rows FROM audit.event WHERE action = 'accept_shorter'"
    ) == [("user:ana", 2, 2)]


def test_accepting_a_file_that_is_not_held_or_without_a_reason_is_refused(tmp_path: Path) -> None:
    deliver(tmp_path / "landing", NAME, ROWS)
    run(tmp_path)
    with connect(tmp_path / "w.duckdb") as con:
        with pytest.raises(AcceptError, match=f"no copy of {NAME} is held \\(held now: none\\)"):
            accept_shorter(con, NAME, reason="withdrawn", by="user:ana", now=MONDAY_MORNING)
        with pytest.raises(AcceptError, match="--reason"):
            accept_shorter(con, NAME, reason="  ", by="user:ana", now=MONDAY_MORNING)


def test_the_cli_accepts_a_held_copy_then_loads_it_and_refuses_an_unknown_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deliver(tmp_path / "landing", NAME, ROWS)
    run(tmp_path)
    deliver(tmp_path / "landing", NAME, ROWS[:1])
    run(tmp_path)
    monkeypatch.setattr("pipelines.ingest.run.load_contracts", lambda: CONTRACTS)
    runner = CliRunner(env={"COLUMNS": "200", "COHORT_NOW": "2026-11-16T09:00:00"})
    base = ["ingest", "--landing", str(tmp_path / "landing"), "--warehouse", str(tmp_path / "w.duckdb"),
            "--run-date", "2026-11-16", "--by", "ana"]  # fmt: skip
    refused = runner.invoke(
        app, [*base, "--accept-shorter", "police_custody_2026-11-09.csv", "--reason", "x"]
    )
    assert refused.exit_code == 2, refused.output
    assert "no copy of police_custody_2026-11-09.csv is held" in refused.output and NAME in refused.output
    accepted = runner.invoke(app, [*base, "--accept-shorter", NAME, "--reason", "three withdrawn"])
    assert accepted.exit_code == 0, accepted.output
    assert query(tmp_path, "SELECT status, rows_raw FROM meta.load ORDER BY load_id") == [
        ("superseded", 4), ("held", 1), ("loaded", 1),
    ]  # fmt: skip


def test_a_full_redelivery_after_a_held_copy_supersedes_and_clears_the_gate(tmp_path: Path) -> None:
    deliver(tmp_path / "landing", NAME, ROWS[:3])
    run(tmp_path)
    deliver(tmp_path / "landing", NAME, ROWS[:1])
    run(tmp_path)
    deliver(tmp_path / "landing", NAME, ROWS)
    result = run(tmp_path)
    assert result.status == "succeeded" and gate(result, "held_redeliveries").passed
    assert query(tmp_path, "SELECT load_id, count(*) FROM staging.partner_referrals GROUP BY 1") == [(3, 4)]


def test_a_file_modified_within_the_settle_time_is_left_for_the_next_run(tmp_path: Path) -> None:
    deliver(tmp_path / "landing", NAME, ROWS, at=MONDAY_MORNING - timedelta(seconds=10))
    result = run(tmp_path)
    assert [(o.status, o.load_id) for o in result.outcomes] == [("held", None)]
    assert result.outcomes[0].problem is not None and "still being written" in result.outcomes[0].problem
    assert not gate(result, "settled_files").passed and NAME in gate(result, "settled_files").message
    assert query(tmp_path, "SELECT count(*) FROM meta.load") == [(0,)]
    later = run(tmp_path, MONDAY_MORNING + timedelta(minutes=5))
    assert [o.status for o in later.outcomes] == ["loaded"] and later.status == "succeeded"


def test_a_file_that_grows_while_it_is_read_is_not_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = deliver(tmp_path / "landing", NAME, ROWS[:2])
    real = ingest.read_extract

    def copy_still_running(file: Path, contract: Any) -> Any:
        rows = real(file, contract)
        with path.open("a", encoding="utf-8") as handle:  # the sender's copy goes on
            handle.write("".join(ROWS[2:]))
        return rows

    monkeypatch.setattr(ingest, "read_extract", copy_still_running)
    result = run(tmp_path)
    assert [(o.status, o.load_id) for o in result.outcomes] == [("held", None)]
    assert "changed while the run read it" in str(result.outcomes[0].problem)
    assert query(tmp_path, "SELECT count(*) FROM meta.load") == [(0,)]
    assert query(tmp_path, "SELECT count(*) FROM raw.partner_referrals") == [(0,)]


def test_a_file_dated_after_the_run_date_is_rejected_whole_and_never_counts_for_freshness(
    tmp_path: Path,
) -> None:
    deliver(tmp_path / "landing", NAME, ROWS)
    deliver(tmp_path / "landing", "partner_referrals_2099-01-01.csv", [])
    result = run(tmp_path)
    rejected = next(o for o in result.outcomes if o.status == "rejected")
    assert rejected.file_name == "partner_referrals_2099-01-01.csv"
    assert rejected.problem is not None
    assert "extract date (from the file name) 2099-01-01 is after the run date 2026-11-16" in rejected.problem
    assert "re-send" in rejected.problem
    assert (gate(result, "freshness").value, gate(result, "readable_files").passed) == (7, False)
    assert query(tmp_path, "SELECT file_name, status FROM meta.load ORDER BY file_name") == [
        (NAME, "loaded"), ("partner_referrals_2099-01-01.csv", "rejected"),
    ]  # fmt: skip


def test_a_file_rejected_for_its_date_is_judged_again_once_that_date_has_come(tmp_path: Path) -> None:
    deliver(tmp_path / "landing", "partner_referrals_2026-11-17.csv", ROWS)
    assert [o.status for o in run(tmp_path).outcomes] == ["rejected"]
    assert [o.status for o in run(tmp_path).outcomes] == ["skipped"]  # not rejected twice
    next_day = run(tmp_path, MONDAY_MORNING + timedelta(days=1), date(2026, 11, 17))
    assert [o.status for o in next_day.outcomes] == ["loaded"]
    assert gate(next_day, "freshness").value == 0


def test_a_future_file_loaded_earlier_does_not_keep_a_source_fresh(tmp_path: Path) -> None:
    deliver(tmp_path / "landing", "partner_referrals_2026-11-20.csv", ROWS)
    run(tmp_path, MONDAY_MORNING + timedelta(days=5), date(2026, 11, 21))  # loaded on its own day
    deliver(tmp_path / "landing", NAME, ROWS[:1])
    result = run(tmp_path)  # a run for 16 November, after it: the 20 November file is ahead of it
    assert gate(result, "freshness").value == 7
