"""The command line as a user meets it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

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
