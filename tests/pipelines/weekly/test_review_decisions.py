"""Analysts' decisions are never lost or overwritten, and the weekly run is honest about its data:
tiny warehouses made inline, answers worked out by hand."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
import typer
from rich.console import Console

from lists.checks import RunChecks
from lists.settings import settings_text
from pipelines.warehouse.connection import connect
from pipelines.weekly.checks import AsOfRefused, GatesFailed, check_as_of, enforce, read_checks
from pipelines.weekly.decisions import ROWS_SCHEMA, listed_run, record_decisions
from pipelines.weekly.review_terminal import card_panel, review_at_terminal
from tests.clock import test_clock

pytestmark = pytest.mark.bad_input  # the bad-input corpus: `pytest -m bad_input`

MONDAY = datetime(2026, 11, 16, 7, 0)
TUESDAY = datetime(2026, 11, 17, 9, 0)
WEDNESDAY = datetime(2026, 11, 18, 10, 0)


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A warehouse holding list run 1 (as of 16/11/2026) with persons 101 and 102."""
    with connect(tmp_path / "w.duckdb") as con:
        con.execute(
            "INSERT INTO lists.run (run_id, as_of, created_at, created_by, status, mode, load_ids, "
            "decisions_until, rules_version, rulebook, code_version, parameters, entries, within_capacity, "
            "folder, files) VALUES (1, DATE '2026-11-16', ?, 'tester', 'published', 'rules alone', [], 0, "
            "'r', '{}', 'c', ?, 2, 2, 'x', '{}')",
            [MONDAY, json.dumps({"list_settings": settings_text(None)})],
        )
        for rank, person in enumerate((101, 102), start=1):
            con.execute(
                "INSERT INTO lists.entry (run_id, person_id, rank, within_capacity, route, age, change, "
                "review_by, explanation, identity_review) VALUES (1, ?, ?, true, 'rule', 17, 'new', "
                "DATE '2026-11-23', ?, ?)",
                [person, rank, json.dumps(EXPLANATION), person == 102],
            )
        yield con


EXPLANATION: dict[str, Any] = {
    "rules_met": [], "raising": [], "lowering": [], "safeguarding": [], "pathways": [], "last_decision": None,
}  # fmt: skip


def rows(*decisions: tuple[int, int, str, datetime, str]) -> pl.DataFrame:
    """(row, person, decision, made at, reviewer) as checked decision rows."""
    return pl.DataFrame(
        [(row, person, d, f"because {d}", reviewer, None, at) for row, person, d, at, reviewer in decisions],
        schema=ROWS_SCHEMA,
        orient="row",
    )


def stored(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute(
        "SELECT person_id, decision, reviewer, recorded_by, made_at FROM review.decision ORDER BY decision_id"
    ).fetchall()


def record(
    con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, by: str, now: datetime
) -> tuple[int, int, list[str]]:
    run = listed_run(con, 1)
    return record_decisions(
        con, run, frame, decided_on=now.date(), source="test", actor=f"user:{by}", now=now
    )


def test_an_older_workbook_row_is_refused_by_row_and_person_and_never_overwrites_a_newer_decision(
    con: duckdb.DuckDBPyConnection,
) -> None:
    record(con, rows((4, 101, "defer", TUESDAY, "A. Analyst")), "importer", TUESDAY)
    record(con, rows((4, 101, "accept", WEDNESDAY, "B. Analyst")), "B. Analyst", WEDNESDAY)
    # the old copy of Tuesday's workbook imported again on Thursday: defer, made Tuesday
    added, unchanged, problems = record(
        con, rows((4, 101, "defer", TUESDAY, "A. Analyst")), "importer", WEDNESDAY
    )
    assert (added, unchanged) == (0, 0)
    assert len(problems) == 1
    assert problems[0].startswith(
        "row 4: person 101: this defer (made 17/11/2026 09:00) is not newer than the accept"
    )
    assert "(made 18/11/2026 10:00)" in problems[0]
    assert [d[1] for d in stored(con)] == ["defer", "accept"]  # accept is still the latest


def test_a_newer_row_is_stored_and_an_identical_one_is_unchanged(con: duckdb.DuckDBPyConnection) -> None:
    record(con, rows((4, 101, "defer", TUESDAY, "A. Analyst")), "importer", TUESDAY)
    assert record(con, rows((4, 101, "defer", TUESDAY, "A. Analyst")), "importer", WEDNESDAY) == (0, 1, [])
    assert record(con, rows((4, 101, "accept", WEDNESDAY, "A. Analyst")), "importer", WEDNESDAY) == (1, 0, [])


def test_the_record_keeps_the_workbooks_reviewer_and_the_person_who_imported(
    con: duckdb.DuckDBPyConnection,
) -> None:
    record(con, rows((4, 101, "decline", TUESDAY, "A. Analyst")), "C. Importer", WEDNESDAY)
    assert stored(con) == [(101, "decline", "A. Analyst", "C. Importer", TUESDAY)]


def scripted(answers: list[str]) -> Any:
    """typer.prompt as a person typing ``answers`` and then ending input (Ctrl-D)."""
    queue = list(answers)

    def ask(text: str, default: str | None = None) -> str:
        if not queue:
            raise typer.Abort()  # what typer.prompt raises when input ends
        answer = queue.pop(0)
        return answer if answer or default is None else default

    return ask


def test_terminal_saves_each_decision_as_made_re_asks_a_mistype_and_keeps_them_when_input_ends(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # person 101: "acept" is asked again (not skipped), a blank reason is asked again;
    # person 102: input ends at the reason, so nothing is stored for them
    ask = scripted(["acept", "accept", "", "panel agreed", "", "defer"])
    outcome = review_at_terminal(
        con, 1, decided_on=date(2026, 11, 17), user="B. Analyst", clock=test_clock(TUESDAY), ask=ask,
        console=Console(file=None, quiet=True),
    )  # fmt: skip
    assert outcome.added == 1
    assert [(p, d, r, by) for p, d, r, by, _ in stored(con)] == [(101, "accept", "B. Analyst", "B. Analyst")]


def test_terminal_card_shows_person_id_date_of_birth_and_the_identity_flag() -> None:
    card = {
        "person_id": 102, "name": "Sam Lee", "dob": date(2009, 3, 1), "rank": 2, "within_capacity": True,
        "route": "rule", "band": None, "age": 17, "change": "new", "review_by": date(2026, 11, 23),
        "identity_review": True, **EXPLANATION,
    }  # fmt: skip
    panel = card_panel(card)
    assert panel.title == "Sam Lee - person 102 - born 01/03/2009"
    assert "IDENTITY MATCH TO REVIEW" in str(panel.renderable)


def add_load(con: duckdb.DuckDBPyConnection, load_id: int, source: str, extract: date) -> None:
    con.execute(
        "INSERT INTO meta.load (load_id, run_id, source, file_name, sha256, size_bytes, extract_date, "
        "received_at, loaded_at, status) VALUES (?, 'i1', ?, 'f', 's', 1, ?, ?, ?, 'loaded')",
        [load_id, source, extract, MONDAY, MONDAY],
    )


def test_as_of_after_today_or_before_the_earliest_extract_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    add_load(con, 1, "police_occurrences", date(2025, 1, 6))
    with pytest.raises(AsOfRefused, match=r"2099-01-05 is after today \(2026-11-17\)"):
        check_as_of(con, date(2099, 1, 5), date(2026, 11, 17))
    with pytest.raises(AsOfRefused, match=r"1990-01-01 is before the earliest extract .*\(2025-01-06\)"):
        check_as_of(con, date(1990, 1, 1), date(2026, 11, 17))
    check_as_of(con, date(2025, 1, 6), date(2026, 11, 17))  # the first day with data: accepted


def test_a_failed_gate_and_stale_sources_refuse_the_list_unless_a_reason_is_given(
    con: duckdb.DuckDBPyConnection,
) -> None:
    gates = [
        {"gate": "quarantine_share", "source": "police_occurrences", "passed": False, "message": "9% over"},
        {"gate": "readable_files", "source": None, "passed": True, "message": "ok"},
        {"gate": "freshness", "source": "police_occurrences", "passed": False, "message": "judged again"},
    ]
    con.execute(
        "INSERT INTO meta.run (run_id, flow, run_date, started_at, status, gates) VALUES "
        "('i1', 'ingest-extracts', DATE '2026-11-16', ?, 'failed', ?)",
        [MONDAY, json.dumps(gates)],
    )
    checks = read_checks(con, date(2026, 11, 16), listed_run(con, 1).pinned, None)
    assert checks.ingest_run == "i1"
    assert checks.failed_gates == ("quarantine_share (police_occurrences): 9% over",)
    assert checks.stale_sources and all("has ever been loaded" in s for s in checks.stale_sources)  # no loads
    with pytest.raises(GatesFailed, match="quarantine_share .*--despite-failed-gates"):
        enforce(checks)
    overridden = read_checks(
        con, date(2026, 11, 16), listed_run(con, 1).pinned, " police confirmed by phone "
    )
    enforce(overridden)
    assert overridden.override == "police confirmed by phone"
    assert (
        overridden.warnings()[-1]
        == "Published despite these (--despite-failed-gates): police confirmed by phone"
    )


def test_people_in_the_linkage_review_queue_are_flagged_only_if_listed(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute("INSERT INTO link.review_pair VALUES ('p1', 'reg-a', 'reg-b', 0.7, 1.0, 'l1')")
    for registration, person in (("reg-a", 101), ("reg-b", 900), ("reg-c", 102)):
        con.execute(
            "INSERT INTO link.xref (source, source_record_id, person_id, registration, method, run_id) "
            "VALUES ('police_occurrences', ?, ?, ?, 'identifier', 'l1')",
            [registration, person, registration],
        )
    checks = read_checks(con, date(2026, 11, 16), listed_run(con, 1).pinned, None)
    assert checks.identity_review == {101, 900}
    assert checks.for_listed([101, 102]).identity_review == {101}


def test_checks_pinned_in_a_run_read_back_the_same() -> None:
    checks = RunChecks("i1", ("g (s): m",), ("s: old",), "why", frozenset({3, 1}))
    assert RunChecks.from_dict(json.loads(json.dumps(checks.as_dict()))) == checks
