"""The command line as a user meets it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from pipelines.cli import app

runner = CliRunner()


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "synth" in result.output


def test_synth_rejects_a_bad_date_with_a_clear_message(tmp_path: Path) -> None:
    result = runner.invoke(app, ["synth", "--end-date", "16/11/2026", "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output


def test_synth_rejects_too_small_a_world(tmp_path: Path) -> None:
    result = runner.invoke(app, ["synth", "--residents", "10", "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "at least 1,000" in result.output


def ingest_world(world: tuple[Path, dict[str, object]], folder: Path, run_date: str) -> Result:
    arguments = ["--landing", str(world[0] / "landing"), "--warehouse", str(folder / "w.duckdb")]
    return runner.invoke(app, ["ingest", *arguments, "--run-date", run_date])


def test_ingest_loads_a_world_and_prints_a_summary(
    small_world: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    result = ingest_world(small_world, tmp_path, "2026-11-16")
    assert result.exit_code == 0, result.output
    assert "police_occurrences" in result.output and "passed" in result.output
    assert (tmp_path / "reports").is_dir()


def test_ingest_exits_1_and_names_the_gate_when_a_source_is_overdue(
    small_world: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    result = ingest_world(small_world, tmp_path, "2027-03-01")
    assert result.exit_code == 1
    assert "Gate failed freshness police_occurrences" in " ".join(result.output.split())


def test_ingest_reads_the_warehouse_from_the_environment(
    small_world: tuple[Path, dict[str, object]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    monkeypatch.setenv("COHORT_WAREHOUSE", str(tmp_path / "env.duckdb"))
    result = runner.invoke(app, ["ingest", "--landing", str(landing), "--run-date", "2026-11-16"])
    assert result.exit_code == 1  # nothing has ever been loaded: every source fails freshness
    assert (tmp_path / "env.duckdb").exists()


def test_ingest_names_a_missing_landing_folder(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["ingest", "--landing", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb")]
    )
    assert result.exit_code == 2
    assert "does not exist" in re.sub(r"[│╭╮╰╯─\s]+", " ", result.output)
