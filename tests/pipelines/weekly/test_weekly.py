"""The weekly list end to end on the small linked world: rules alone, then with an approved model;
review in the workbook and at the terminal; the next week's changes; reproduction byte for byte."""

from __future__ import annotations

import json
import shutil
import stat
from datetime import date, datetime
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.train.run import run_training
from pipelines.warehouse.connection import connect
from pipelines.warehouse.copy import copy_warehouse
from pipelines.warehouse.model_registry import set_status
from pipelines.weekly.reproduce import reproduce
from pipelines.weekly.run import monday_of, run_weekly
from tests.clock import test_clock
from tests.pipelines.cli.test_cli_model import small_settings

runner = CliRunner(env={"COLUMNS": "200", "COHORT_NOW": "2026-11-17T10:00:00"})  # decisions a day after
AS_OF = date(2026, 11, 16)
NEXT = date(2026, 11, 23)


def invoke(*args: str, input: str | None = None, code: int = 0) -> str:
    result = runner.invoke(app, list(args), input=input)
    assert result.exit_code == code, (result.output, result.exception)
    return result.output


def fill(
    workbook: Path, out: Path, decisions: list[tuple[int, str | None, str | None, str | None]]
) -> list[int]:
    """Write decisions into the published workbook's rows (0 = the first person) as an analyst would;
    returns the person ids of those rows."""
    book = openpyxl.load_workbook(workbook)
    sheet = book["List"]
    header = next(r for r in range(1, 10) if "decision" in [c.value for c in sheet[r]])
    columns = {cell.value: cell.column for cell in sheet[header]}
    people = []
    for index, decision, reason, reviewer in decisions:
        row = header + 1 + index
        people.append(int(sheet.cell(row, columns["person id"]).value))
        for name, value in (("decision", decision), ("reason", reason), ("reviewer", reviewer)):
            sheet.cell(row, columns[name], value)
    book.save(out)
    return people


@pytest.fixture(scope="module")
def world(linked: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("weekly")
    copy_warehouse(linked, folder / "warehouse.duckdb", checkpoint=False)
    return folder


@pytest.mark.slow
def test_the_weekly_list_from_rules_alone_to_review_and_reproduction(
    world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COHORT_PSEUDONYM_KEY_FILE", str(world / "secrets" / "key"))
    warehouse = world / "warehouse.duckdb"
    w = ("--warehouse", str(warehouse))

    # no approved model: the list is the rules alone, and says so on every output
    output = invoke("weekly", "--as-of", AS_OF.isoformat(), *w, "--by", "tester")
    assert "rules alone" in output
    first = world / "lists" / f"{AS_OF}-run-1"
    assert stat.S_IMODE(first.stat().st_mode) == 0o700
    for name in ("list.xlsx", "list.csv", "list.parquet", "report.html", "list-pseudonymised.csv"):
        assert stat.S_IMODE((first / name).stat().st_mode) == 0o600, name
    flat = pl.read_csv(first / "list.csv")
    assert flat.height > 0 and set(flat["mode"]) == {"rules alone"}
    assert set(flat["route"]) == {"rule"}
    assert "RULES ALONE" in (first / "report.html").read_text()

    # with an approved model: routes by rule, model and both, each entry explained
    trained = run_training(
        warehouse, world / "models", clock=test_clock(), settings_file=small_settings(world), by="test"
    )
    with connect(warehouse) as con:
        set_status(
            con,
            trained.version,
            "approved",
            "demo",
            "synthetic demo world: approved to test the list",
            datetime(2026, 11, 16, 6),
        )
    result = run_weekly(warehouse, AS_OF, now=datetime(2026, 11, 16, 7), by="tester")
    assert result.run_id == 2 and result.mode == "rules and model"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        statuses = dict(con.execute("SELECT run_id, status FROM lists.run").fetchall())
        entries = pl.from_arrow(
            con.sql("SELECT * FROM lists.entry WHERE run_id = 2 ORDER BY rank").to_arrow_table()
        )
    assert statuses == {1: "superseded", 2: "published"}  # the same as_of made again
    assert isinstance(entries, pl.DataFrame)
    assert entries["rank"].to_list() == list(range(1, entries.height + 1))
    assert set(entries["route"]) == {"rule", "model", "both"}
    assert entries["within_capacity"].sum() == min(45, entries.height)
    explanation = [json.loads(e) for e in entries["explanation"]]
    assert all(e["rules_met"] for e, r in zip(explanation, entries["route"], strict=True) if r != "model")
    assert all(e["raising"] for e in explanation[:10])
    flat = pl.read_csv(result.folder / "list.csv")
    assert not any(p.endswith("100%") for p in flat["probability"])

    # every run audits who is listed, by group, and records any breach on the run and its report
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stored, breaches = con.execute(
            "SELECT fairness, fairness_breaches FROM lists.run WHERE run_id = 2"
        ).fetchall()[0]
    fairness = json.loads(stored)
    assert fairness == result.fairness and breaches == len(fairness["breaches"])
    assert fairness["totals"]["listed"] == entries.height
    for attribute in fairness["attributes"]:
        assert sum(g["listed"] for g in attribute["groups"]) == entries.height
        assert sum(g["population"] for g in attribute["groups"]) == fairness["totals"]["population"]
    report = (result.folder / "report.html").read_text()
    assert "Fairness: who is listed, by group" in report and "By ethnicity" in report
    assert ("of the fairness audit's limits" in report) == bool(breaches)

    # review in the workbook: good rows stored, bad rows named, a second import changes nothing
    reviewed = world / "reviewed.xlsx"
    declined, accepted, _, _, _ = fill(
        result.folder / "list.xlsx", reviewed,
        [(0, "decline", "engaged with youth offending service", "A. Analyst"),
         (1, "accept", "panel agreed", "A. Analyst"),
         (2, "maybe", "unsure", "A. Analyst"),
         (3, "defer", None, "A. Analyst"),
         (4, "known", "open to children's services", None)],
    )  # fmt: skip
    output = invoke("review", "import", str(reviewed), *w, "--by", "analyst", "--on", "2026-11-17", code=1)
    assert "2 decisions recorded" in output
    assert "'maybe'" in output and "needs a reason" in output and "who decided" in output
    for row in (6, 7, 8):  # the header is on row 3: the third to fifth people are rows 6 to 8
        assert f"row {row}:" in output
    output = invoke("review", "import", str(reviewed), *w, "--by", "analyst", "--on", "2026-11-17", code=1)
    assert "0 decisions recorded, 2 already recorded" in output

    # a workbook that is not the run's is refused
    shutil.copy(result.folder / "list.xlsx", world / "other.xlsx")
    book = openpyxl.load_workbook(world / "other.xlsx")
    about = book["About"]
    for row in about.iter_rows():
        if row[0].value == "list check":
            row[1].value = "0" * 64
    book.save(world / "other.xlsx")
    assert "does not match list run 2" in invoke("review", "import", str(world / "other.xlsx"), *w, code=1)

    # at the terminal: decide the first undecided person, skip the next, then stop
    output = invoke(
        "review", "2", *w, "--by", "B. Analyst", "--on", "2026-11-17",
        input="defer\nwaiting for the school's view\n\nskip\nquit\n",
    )  # fmt: skip
    assert "1 decisions recorded" in output

    # the next week: the decisions show, the accepted and declined leave with the decision as why
    third = run_weekly(warehouse, NEXT, now=datetime(2026, 11, 23, 7), by="tester")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        why = dict(
            con.execute(
                "SELECT person_id, why FROM lists.departure WHERE run_id = ?", [third.run_id]
            ).fetchall()
        )
        listed = {
            p
            for (p,) in con.execute(
                "SELECT person_id FROM lists.entry WHERE run_id = ?", [third.run_id]
            ).fetchall()
        }
        changes = dict(
            con.execute(
                "SELECT change, count(*) FROM lists.entry WHERE run_id = ? GROUP BY 1", [third.run_id]
            ).fetchall()
        )
        events = dict(con.execute("SELECT action, count(*) FROM audit.event GROUP BY 1").fetchall())
    assert accepted not in listed and why[accepted].startswith("decision: accepted into the cohort")
    assert declined not in listed and why[declined].startswith("decision: declined on review")
    assert changes.get("continuing", 0) > 0
    flat = pl.read_csv(third.folder / "list.csv")
    assert flat["last decision"].str.starts_with("defer on 17/11/2026").sum() >= 1
    assert (
        events["publish"] == 3 and events["export"] == 15 and events["decision"] == 2 and events["view"] == 1
    )

    # run 2 rebuilt after later decisions and runs: every file byte-identical
    rebuilt = reproduce(warehouse, 2, by="auditor", now=datetime(2026, 11, 24, 9))
    assert rebuilt.identical, rebuilt.files
    assert "byte-identical" in invoke("weekly", "reproduce", "2", *w)
    # ... and a changed published file is caught
    with connect(warehouse) as con:
        con.execute(
            'UPDATE lists.run SET files = replace(files, \'"list.csv": "\', \'"list.csv": "0\') '
            "WHERE run_id = 2"
        )
    assert "NO" in invoke("weekly", "reproduce", "2", *w, code=1)

    # an ingest that failed a gate: the list is refused, unless published for a reason that is audited
    gates = [
        {"gate": "readable_files", "source": None, "passed": False, "message": "1 file(s) rejected whole"}
    ]
    with connect(warehouse) as con:
        con.execute(
            "INSERT INTO meta.run (run_id, flow, run_date, started_at, status, gates) VALUES "
            "('failed-ingest', 'ingest-extracts', DATE '2026-11-17', TIMESTAMP '2026-11-17 06:00', "
            "'failed', ?)",
            [json.dumps(gates)],
        )
    output = invoke("weekly", "--as-of", AS_OF.isoformat(), *w, code=1)
    assert "readable_files: 1 file(s) rejected whole" in output and "--despite-failed-gates" in output
    invoke("weekly", "--as-of", AS_OF.isoformat(), *w, "--despite-failed-gates", "sender confirmed no loss")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        run_id, folder = con.execute("SELECT max(run_id), max_by(folder, run_id) FROM lists.run").fetchall()[
            0
        ]
        (detail,) = con.execute(
            "SELECT detail FROM audit.event WHERE action = 'publish' AND detail LIKE '%despite%'"
        ).fetchall()[0]
    assert detail.endswith("(ingest run failed-ingest): sender confirmed no loss")
    assert "DATA QUALITY" in (Path(folder) / "report.html").read_text()
    assert reproduce(warehouse, run_id, by="auditor", now=datetime(2026, 11, 24, 9)).identical


def test_monday_of() -> None:
    assert monday_of(date(2026, 11, 21)) == date(2026, 11, 16)
    assert monday_of(date(2026, 11, 16)) == date(2026, 11, 16)
    assert monday_of(date(2026, 11, 22)) == date(2026, 11, 16)


def test_nobody_linked_says_what_to_do(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb"):  # an empty warehouse (a missing one exits 3: test_exit_codes)
        pass
    output = invoke("weekly", "--as-of", "2026-11-16", "--warehouse", str(tmp_path / "w.duckdb"), code=1)
    assert "run `cohort ingest` and then `cohort link` first" in output


@pytest.mark.bad_input
def test_an_as_of_after_today_is_refused_with_exit_2(tmp_path: Path) -> None:
    with connect(tmp_path / "w.duckdb"):  # an empty warehouse: the date is refused before anything else
        pass
    # the runner's clock says 17/11/2026
    output = invoke("weekly", "--as-of", "2099-01-05", "--warehouse", str(tmp_path / "w.duckdb"), code=2)
    assert "2099-01-05 is after today (2026-11-17)" in output


@pytest.mark.bad_input
def test_a_blank_override_reason_is_refused_with_exit_2(tmp_path: Path) -> None:
    w = ("--warehouse", str(tmp_path / "w.duckdb"))
    output = invoke("weekly", "--as-of", "2026-11-16", *w, "--despite-failed-gates", " ", code=2)
    assert "--despite-failed-gates needs a reason" in output
