"""Rejection messages quote at most a short escaped excerpt of a file, and the audit log none of it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from data_contracts.contract import load_contracts
from pipelines.ingest.rejected import excerpt
from pipelines.ingest.run import run_ingest
from tests.clock import test_clock

pytestmark = pytest.mark.bad_input  # the bad-input corpus: `pytest -m bad_input`

CONTRACTS = {"police_occurrences": load_contracts()["police_occurrences"]}
NAME = "police_occurrences_2026-11-16.csv"


def test_an_excerpt_escapes_invisible_characters_and_stops_at_40() -> None:
    assert excerpt("NOTES") == "'NOTES'"
    assert excerpt("A\u202eB\u200bC\x00'") == "'A\\u202eB\\u200bC\\x00\\''"
    assert excerpt("X" * 50_000) == "'" + "X" * 40 + "'… (50,000 characters)"
    assert excerpt("\u202e" * 10) == "'" + "\\u202e" * 6 + "'… (10 characters)"  # 6 escapes fit in 40


def test_a_planted_column_name_reaches_no_audit_event_and_only_an_excerpt_elsewhere(tmp_path: Path) -> None:
    planted = "\u202eSMITH JOHN 01/02/2008 " + "Z" * 30_000
    landing = tmp_path / "landing"
    landing.mkdir()
    header = [*CONTRACTS["police_occurrences"].column_names, planted]
    (landing / NAME).write_text(",".join(header) + "\n")

    result = run_ingest(
        landing, tmp_path / "w.duckdb", date(2026, 11, 16), clock=test_clock(), report_dir=tmp_path / "r",
        contracts=CONTRACTS,
    )  # fmt: skip

    (outcome,) = result.outcomes
    shown = "'\\u202eSMITH JOHN 01/02/2008 " + "Z" * 12 + "'… (30,023 characters)"  # 40 shown
    assert outcome.problem == (
        f"{NAME}, column {shown}: the file has a column the contract does not declare; if the sender has "
        "added a column on purpose, add it to the contract (and a migration); otherwise ask the sender to "
        "re-send it"
    )
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        ((detail,),) = con.execute("SELECT detail FROM audit.event WHERE action = 'reject'").fetchall()
        ((stored,),) = con.execute("SELECT problem FROM meta.load").fetchall()
    assert detail == outcome.problem.replace(f"column {shown}", "column 15 of the header")
    assert stored == outcome.problem
    report = result.report_path.read_text(encoding="utf-8")
    assert "SMITH JOHN" not in detail and "\u202e" not in report and "Z" * 100 not in report
