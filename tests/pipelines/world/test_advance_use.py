"""Advancing a world as the pipeline and a user meet it: ingest takes the new weeks, refusals are clear."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from data_contracts.contract import load_contracts
from pipelines.cli import app
from pipelines.ingest.run import run_ingest
from pipelines.world.advance import advance_world
from pipelines.world.future_store import AdvanceRefused
from tests.clock import test_clock
from tests.pipelines.world.conftest import END, HEADER, copy, digests

runner = CliRunner(env={"COLUMNS": "200"})


def quarantined(warehouse: Path) -> set[tuple[str, str, str]]:
    """(source, file, record id) of every quarantined row."""
    found = set()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name, contract in load_contracts().items():
            query = f'SELECT l.file_name, q."{contract.record_id}" FROM quarantine.{name} q '
            rows = con.execute(query + "JOIN meta.load l USING (load_id)").fetchall()
            found |= {(name, f, str(r)) for f, r in rows}
    return found


@pytest.mark.slow
def test_ingest_takes_the_advanced_weeks_as_new_files(
    world: Path, allocation: Path, strong: Path, tmp_path: Path
) -> None:
    advanced = copy(world, tmp_path / "world")
    warehouse = tmp_path / "w.duckdb"
    first = run_ingest(advanced / "landing", warehouse, END, clock=test_clock())
    assert first.status == "succeeded"
    result = advance_world(advanced, 2, allocation=allocation, effect=strong)
    again = run_ingest(advanced / "landing", warehouse, result.end, clock=test_clock())
    assert again.status == "succeeded", again.failed_gates
    loaded = sorted(o.file_name for o in again.outcomes if o.status == "loaded")
    assert loaded == sorted(f.file for f in result.files) and len(loaded) == 10
    assert all(o.status == "skipped" for o in again.outcomes if o.file_name not in loaded)
    planted = pl.read_parquet(advanced / "ground_truth" / "invalid_rows.parquet")
    assert quarantined(warehouse) == set(planted.select("source", "file", "source_record_id").iter_rows())
    manifest = json.loads((advanced / "manifest.json").read_text())
    identity = pl.read_parquet(advanced / "ground_truth" / "record_identity.parquet")
    assert identity.height == manifest["totals"]["rows"]  # every landed row, advanced ones too, has its truth
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (raw,) = con.execute("SELECT sum(rows_raw) FROM meta.load").fetchall()[0]
    assert raw == manifest["totals"]["rows"]


def test_a_world_without_a_future_is_refused(small_world: tuple[Path, dict[str, object]]) -> None:
    before = digests(small_world[0])
    with pytest.raises(
        AdvanceRefused, match="no future to advance into: generate it with `cohort synth --future-weeks"
    ):
        advance_world(small_world[0], 1)
    assert digests(small_world[0]) == before


def test_an_exhausted_future_is_refused_and_nothing_changes(world: Path, tmp_path: Path) -> None:
    advanced = copy(world, tmp_path / "world")
    with pytest.raises(AdvanceRefused, match=r"at most 8 more week\(s\) can be advanced \(asked for 9\)"):
        advance_world(advanced, 9)
    assert digests(advanced) == digests(world)
    advance_world(advanced, 8)
    assert not json.loads((advanced / "future" / "deliveries.json").read_text())
    with pytest.raises(AdvanceRefused, match="the future is used up"):
        advance_world(advanced, 1)


def test_a_world_keeps_the_effect_it_started_with(world: Path, strong: Path, tmp_path: Path) -> None:
    advanced = copy(world, tmp_path / "world")
    advance_world(advanced, 1, effect=strong)
    with pytest.raises(AdvanceRefused, match="used another effect"):
        advance_world(advanced, 1)  # the default effect
    advance_world(advanced, 1, effect=strong)


def test_advance_prints_counts_and_no_identifiers(world: Path, allocation: Path, tmp_path: Path) -> None:
    advanced = copy(world, tmp_path / "world")
    result = runner.invoke(
        app, ["synth", "advance", "--world", str(advanced), "--weeks", "2", "--allocation", str(allocation)]
    )
    assert result.exit_code == 0, result.output
    assert "police_occurrences" in result.output and "rows prevented" in result.output
    assert "Allocations matched to a person: 26 (1 with no known record)" in " ".join(result.output.split())
    for marker in ("A0000", "OCC0", "CUS0", "UNKNOWN"):  # allocation and record ids stay out of the output
        assert marker not in result.output
    state = json.loads((advanced / "state.json").read_text())
    assert state["current_end"] == (END + timedelta(weeks=2)).isoformat()
    assert state["advances"][0]["allocation_sha256"] is not None


@pytest.mark.parametrize(
    ("what", "text", "expected"),
    [
        (
            "allocation",
            f"{HEADER}\nA1,treated,2026-11-16,,police_occurrences,OCC1\n",
            "line 2: arm: 'treated'",
        ),
        ("allocation", "person,arm\n1,programme\n", "header: expected allocation_id"),
        (
            "effect",
            "name: x\ndescription: y\nstart_lag_days: 0\nhazard_ratios: {}\n",
            "hazard_ratios: 'offending'",
        ),
    ],
)
def test_a_malformed_file_is_refused_naming_the_file_and_field(
    world: Path, tmp_path: Path, what: str, text: str, expected: str
) -> None:
    advanced = copy(world, tmp_path / "world")
    given = tmp_path / f"{what}.given"
    given.write_text(text)
    result = runner.invoke(app, ["synth", "advance", "--world", str(advanced), f"--{what}", str(given)])
    assert result.exit_code == 2
    output = " ".join(result.output.replace("│", " ").split())
    assert given.name in output and expected in output
    assert digests(advanced) == digests(world)


def test_synth_refuses_a_negative_future(tmp_path: Path) -> None:
    result = runner.invoke(app, ["synth", "--future-weeks", "-1", "--out", str(tmp_path / "world")])
    assert result.exit_code == 2
    assert "future_weeks must be between 0 and 520" in " ".join(result.output.replace("│", " ").split())
    assert not (tmp_path / "world").exists()
