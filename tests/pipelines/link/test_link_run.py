"""A whole linkage run on the small world: quality against the truth, stable ids, review, artefacts."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from linkage.evaluate import evaluate
from pipelines.cli import app
from pipelines.link.pair_review import REVIEW_PURPOSE, open_pairs, record_decision
from pipelines.link.run import read_records, run_link
from tests.clock import test_clock

World = tuple[Path, dict[str, object]]
LINK_PACKAGE = Path(__file__).resolve().parents[3] / "linkage"


def table(warehouse: Path, query: str) -> pl.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(query).pl()


def test_linkage_meets_its_targets_and_beats_exact_matching(warehouse: Path, small_world: World) -> None:
    run_link(warehouse, clock=test_clock())
    with duckdb.connect(str(warehouse), read_only=True) as con:
        xref, records = con.sql("SELECT * FROM link.xref").pl(), read_records(con)
    truth = pl.read_parquet(small_world[0] / "ground_truth" / "record_identity.parquet")
    result = evaluate(xref, records, truth)
    linked, baseline = result["linkage"]["records"], result["baseline_exact_name_and_dob"]["records"]
    assert result["records_missing_from_truth"] == 0
    assert xref.height == records.height  # every staged record has a person
    assert linked["precision"] >= 0.995 and linked["f1"] >= 0.99, linked
    assert linked["f1"] > baseline["f1"]
    assert result["linkage"]["registrations"]["recall"] > 0.95


def test_a_second_run_reuses_the_model_and_keeps_every_id(warehouse: Path) -> None:
    first = run_link(warehouse, clock=test_clock())
    before = table(warehouse, "SELECT source, source_record_id, person_id FROM link.xref ORDER BY ALL")
    second = run_link(warehouse, clock=test_clock())
    after = table(warehouse, "SELECT source, source_record_id, person_id FROM link.xref ORDER BY ALL")
    assert first.trained and not second.trained
    assert before.equals(after)
    assert (second.merges, second.splits) == (0, 0)
    runs = table(warehouse, "SELECT status, model_json, blocking_json FROM link.run ORDER BY started_at")
    assert runs["status"].to_list() == ["succeeded", "succeeded"]
    model = json.loads(runs["model_json"][0])
    assert {c["output_column_name"] for c in model["comparisons"]} >= {
        "forename",
        "surname",
        "dob",
        "postcode",
    }
    assert any(rule["used"] for rule in json.loads(runs["blocking_json"][0]))


def test_review_decisions_are_honoured_by_later_runs(warehouse: Path) -> None:
    run_link(warehouse, clock=test_clock())
    with duckdb.connect(str(warehouse)) as con:
        queue = open_pairs(con, 2, actor="reviewer:A. Reviewer", purpose="test", now=test_clock()())
        assert queue.height == 2, "the small world should leave pairs for review"
        (accepted, _, a_left, a_right), (rejected, _, r_left, r_right) = queue.rows()
        record_decision(
            con, accepted, "accept", "A. Reviewer", "same school, same address, known alias", test_clock()()
        )
        record_decision(
            con,
            rejected,
            "reject",
            "A. Reviewer",
            "twins: different forenames on birth record",
            test_clock()(),
        )
    for _ in range(2):
        run_link(warehouse, clock=test_clock())
        person = dict(
            table(warehouse, "SELECT registration, any_value(person_id) FROM link.xref GROUP BY 1").rows()
        )
        assert person[a_left] == person[a_right]
        assert person[r_left] != person[r_right] or _linked_through_others(warehouse, r_left, r_right)
        queued = table(warehouse, "SELECT pair_id FROM link.review_pair")["pair_id"].to_list()
        assert accepted not in queued and rejected not in queued
    methods = table(warehouse, f"SELECT DISTINCT method FROM link.xref WHERE registration = '{a_left}'")
    assert methods["method"].to_list() == ["clerical"]
    events = table(warehouse, "SELECT action, actor FROM audit.event WHERE action = 'link_decision'")
    assert events.height == 2 and set(events["actor"]) == {"reviewer:A. Reviewer"}


def _linked_through_others(warehouse: Path, left: str, right: str) -> bool:
    """A rejected pair can still share a person through a third registration linked to both."""
    linked = table(
        warehouse,
        "SELECT count(*) AS n FROM link.review_decision WHERE decision = 'reject' "
        f"AND registration_l IN ('{left}', '{right}')",
    )
    return bool(linked["n"][0])


@pytest.mark.bad_input
def test_each_run_saves_its_model_blocking_analysis_and_offline_charts_owner_only(warehouse: Path) -> None:
    old = os.umask(0)  # the artefacts are owner-only whatever the umask
    try:
        result = run_link(warehouse, clock=test_clock())
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in result.artefacts.iterdir()}
    assert modes == dict.fromkeys(
        ("model.json", "blocking.json", "match_weights.html", "m_u_parameters.html"), 0o600
    )
    chart = (result.artefacts / "match_weights.html").read_text()
    assert '<script src="http' not in chart and "vega" in chart  # the libraries are inlined
    assert [stat.S_IMODE(f.stat().st_mode) for f in (result.artefacts, result.artefacts.parent)] == [
        0o700
    ] * 2


@pytest.mark.bad_input
def test_a_killed_run_is_marked_interrupted_by_the_next_and_listed_so(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:  # a run killed mid-way leaves its row 'running'
        con.execute("INSERT INTO link.run (run_id, started_at, status) VALUES ('killed01', ?, 'running')",
                    [test_clock()()])  # fmt: skip
    result = run_link(warehouse, clock=test_clock())
    statuses = dict(table(warehouse, "SELECT run_id, status FROM link.run").rows())
    assert statuses == {"killed01": "interrupted", result.run_id: "succeeded"}
    listed = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["link", "runs", "--warehouse", str(warehouse)])
    assert listed.exit_code == 0, listed.output
    assert "killed01" in listed.output and "interrupted" in listed.output and "succeeded" in listed.output


def test_linkage_never_reads_the_ground_truth() -> None:
    for path in LINK_PACKAGE.glob("*.py"):
        if path.name != "evaluate.py":
            assert "ground_truth" not in path.read_text(), path.name


@pytest.mark.bad_input  # a look at the review queue or a pair is audited before it is shown
def test_the_cli_links_lists_shows_decides_and_evaluates(warehouse: Path, small_world: World,
                                                        tmp_path: Path) -> None:  # fmt: skip
    runner, where = CliRunner(), ["--warehouse", str(warehouse)]
    linked = runner.invoke(app, ["link", *where])
    assert linked.exit_code == 0, linked.output
    assert "people" in linked.output
    listed = runner.invoke(app, ["link", "review", "--by", "ana", *where])
    assert listed.exit_code == 0 and "Pairs waiting for review" in listed.output
    pair = table(warehouse, "SELECT pair_id FROM link.review_pair ORDER BY pair_id LIMIT 1")["pair_id"][0]
    shown = runner.invoke(
        app, ["link", "review", pair, "--reviewer", "R", "--reason", "weekly queue", *where]
    )
    assert shown.exit_code == 0 and "surname" in shown.output
    consulted = table(warehouse, "SELECT actor, action, category, purpose, detail FROM audit.event "
                                 "WHERE category = 'consultation' ORDER BY event_id").rows()  # fmt: skip
    assert consulted == [
        ("reviewer:ana", "link_review_queue", "consultation",
         REVIEW_PURPOSE, "link review queue listed: 20 pairs"),
        ("reviewer:R", "link_review_pair", "consultation", "weekly queue",
         f"pair {pair}: two registrations shown side by side for review"),
    ]  # fmt: skip
    missing_reason = runner.invoke(app, ["link", "review", pair, "--accept", "--reviewer", "R", *where])
    assert missing_reason.exit_code != 0 and "--reason" in missing_reason.output
    decided = runner.invoke(
        app, ["link", "review", pair, "--reject", "--reviewer", "R", "--reason", "twins", *where]
    )
    assert decided.exit_code == 0, decided.output
    unknown = runner.invoke(app, ["link", "review", "nosuchpair", *where])
    assert unknown.exit_code != 0 and "no pair" in unknown.output
    out = tmp_path / "evaluation.json"
    truth = small_world[0] / "ground_truth" / "record_identity.parquet"
    evaluated = runner.invoke(
        app, ["link", "evaluate", "--ground-truth", str(truth), "--json", str(out), *where]
    )
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(out.read_text())["linkage"]["records"]["f1"] > 0.99


def test_people_keep_their_ids_when_next_weeks_records_arrive(small_world: World, tmp_path: Path) -> None:
    from datetime import date

    from data_contracts.contract import load_contracts
    from pipelines.ingest.run import run_ingest

    landing, staged, warehouse = small_world[0] / "landing", tmp_path / "landing", tmp_path / "w.duckdb"
    staged.mkdir()
    contracts = load_contracts().values()

    def made(name: str) -> date:
        return next(d for c in contracts if (d := c.extract_date_of(name)) is not None)

    later = sorted(p for p in landing.iterdir() if made(p.name) >= date(2026, 11, 10))
    for path in landing.iterdir():
        if path not in later:
            (staged / path.name).hardlink_to(path)  # a symlink would be refused
    run_ingest(staged, warehouse, date(2026, 11, 16), clock=test_clock())
    run_link(warehouse, clock=test_clock())
    before = table(warehouse, "SELECT source, source_record_id, person_id FROM link.xref")
    assert later, "the small world should have extracts in its last week"
    for path in later:
        (staged / path.name).hardlink_to(path)  # a symlink would be refused
    run_ingest(staged, warehouse, date(2026, 11, 16), clock=test_clock())
    increment = run_link(warehouse, clock=test_clock())
    after = table(warehouse, "SELECT source, source_record_id, person_id AS now FROM link.xref")
    assert not increment.trained and increment.records > before.height
    moved = before.join(after, on=["source", "source_record_id"]).filter(pl.col("person_id") != pl.col("now"))
    changes = table(warehouse, "SELECT person_id, into_person_id FROM link.id_change")
    explained = moved.join(changes, left_on=["person_id", "now"], right_on=["person_id", "into_person_id"])
    assert moved.height == explained.height  # every id that changed is a recorded merge or split
