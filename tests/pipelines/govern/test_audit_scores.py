"""`cohort audit-scores` on files of scores: reports, JSON, rows left out with reasons, clear errors."""

from __future__ import annotations

import json
import re
import stat
from importlib import resources
from pathlib import Path

import jsonschema
import polars as pl
import pytest
from typer.testing import CliRunner

from pipelines.cli import app

runner = CliRunner()


@pytest.fixture
def scores(tmp_path: Path) -> Path:
    frame = pl.DataFrame({
        "score": ["0.9", "0.2", "0.8", "0.1", "not scored", "0.7", "0.6", "", "0.4", "0.3"],
        "observed": ["yes", "no", "1", "0", "1", "true", "maybe", "0", "False", "N"],
        "ethnicity": ["Black", "White", "Black", "White", "Asian", "Asian", "White", "Black", None, "White"],
    })  # fmt: skip
    path = tmp_path / "scores.csv"
    frame.write_csv(path)
    return path


def test_audit_writes_report_json_and_excluded_rows(scores: Path, tmp_path: Path) -> None:
    out = tmp_path / "report" / "audit.html"
    folder_mode = stat.S_IMODE(scores.parent.stat().st_mode)
    result = runner.invoke(
        app, ["audit-scores", str(scores), "--outcome", "observed", "--score", "score", "--threshold", "0.5",
              "--group", "ethnicity", "--json", str(tmp_path / "audit.json"), "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Audited 7 of 10 rows" in result.output
    document = json.loads((tmp_path / "audit.json").read_text())
    schema = json.loads(
        resources.files("governance").joinpath("fairness_audit.schema.json").read_text("utf-8")
    )
    jsonschema.validate(document, schema)
    assert document["rows"]["excluded"] == [
        {"reason": "no score", "rows": 1},
        {"reason": "observed 'maybe' is not 1/0, true/false or yes/no", "rows": 1},
        {"reason": "score 'not scored' is not a number", "rows": 1},
    ]
    groups = {g["group"]: g for g in document["attributes"][0]["groups"]}
    # Black: rows 1, 3 (row 8 has no score): both selected, both with the outcome
    assert (groups["Black"]["count"], groups["Black"]["selected"], groups["Black"]["outcomes"]) == (2, 2, 2)
    # White: rows 2, 4, 10 (row 7's outcome is unreadable): none selected, none with the outcome
    assert groups["White"]["metrics"]["selection_rate"]["value"] == 0.0
    assert groups["not recorded"]["count"] == 1
    excluded = pl.read_csv(out.with_name("audit-excluded-rows.csv"), infer_schema=False)
    assert excluded["row"].to_list() == ["5", "7", "8"] and "reason" in excluded.columns
    html = out.read_text()
    assert "By ethnicity" in html and "scores.csv" in html
    assert not re.search(r"(src|href)=\"https?://", html)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(scores.parent.stat().st_mode) == folder_mode  # the user's own folder is left alone


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--outcome", "outcome", "--score", "score"], "--outcome column 'outcome' is not in the file"),
        (["--outcome", "observed", "--score", "ethnicity"], "no row can be audited"),
    ],
)
def test_errors_name_the_file_and_column(scores: Path, arguments: list[str], message: str) -> None:
    result = runner.invoke(
        app, ["audit-scores", str(scores), *arguments, "--threshold", "0.5", "--group", "ethnicity"]
    )
    assert result.exit_code == 1
    assert "scores.csv" in result.output and message in " ".join(result.output.split())


def test_parquet_input_and_default_report_name(tmp_path: Path) -> None:
    path = tmp_path / "history.parquet"
    pl.DataFrame({"p": [0.9, 0.1, 0.6, 0.2], "y": [1, 0, 0, 0], "sex": ["F", "M", "F", "M"]}).write_parquet(
        path
    )
    result = runner.invoke(
        app,
        ["audit-scores", str(path), "--outcome", "y", "--score", "p", "--threshold", "0.5", "--group", "sex"],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "history-fairness.html").exists()
