"""Exit codes tell failures apart (pipelines.errors): each known failure ends in one line, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from pipelines.cli import app
from pipelines.errors import EXIT_CONFIGURATION, EXIT_USAGE, EXIT_WAREHOUSE
from pipelines.warehouse.connection import connect

pytestmark = pytest.mark.bad_input  # the bad-input corpus: `pytest -m bad_input`

runner = CliRunner(env={"COLUMNS": "200"})

READING_COMMANDS = [
    ["audit", "verify"], ["audit", "show"], ["link"], ["link", "runs"], ["link", "review"],
    ["weekly", "runs"], ["retention", "check", "--as-of", "2026-11-16"], ["board-pack"],
    ["subject-access", "7", "--out", "OUT", "--requester", "the person", "--reason", "SAR 1"],
]  # fmt: skip


def invoke(args: list[str], tmp_path: Path, **env: str) -> Result:
    wanted = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    return runner.invoke(app, wanted, env={"COLUMNS": "200", **env})


def one_line_error(result: Result) -> str:
    """The error line, checked to be the output's only line starting 'Error:' and no traceback."""
    assert "Traceback" not in result.output, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.output
    return errors[0]


@pytest.mark.parametrize("command", READING_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_mistyped_warehouse_is_refused_with_exit_3_and_nothing_is_made(
    command: list[str], tmp_path: Path
) -> None:
    typo = tmp_path / "warehuose.duckdb"
    result = invoke([*command, "--warehouse", str(typo)], tmp_path)
    assert result.exit_code == EXIT_WAREHOUSE, result.output
    assert one_line_error(result) == (
        f"Error: no warehouse at {typo}: check --warehouse / $COHORT_WAREHOUSE, or run cohort ingest first"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no warehouse, key or export folder


def test_the_warehouse_from_the_environment_is_refused_too(tmp_path: Path) -> None:
    result = invoke(["audit", "show"], tmp_path, COHORT_WAREHOUSE=str(tmp_path / "gone.duckdb"))
    assert result.exit_code == EXIT_WAREHOUSE and "no warehouse at" in one_line_error(result)


def test_ingest_alone_makes_a_new_warehouse(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    result = invoke(["ingest", "--landing", str(landing), "--warehouse", str(tmp_path / "new.duckdb"),
                     "--run-date", "2026-11-16"], tmp_path)  # fmt: skip
    assert result.exit_code in (0, 1), result.output  # made; its gates may fail on an empty landing
    assert (tmp_path / "new.duckdb").is_file()


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    with connect(path):
        pass
    return path


@pytest.fixture
def held(warehouse: Path) -> Iterator[Path]:
    """The warehouse held open by another process, as a running ingest holds it."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('ready', "
         "flush=True); time.sleep(60)", str(warehouse)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        yield warehouse
    finally:
        holder.kill()
        holder.wait()


def test_a_warehouse_held_by_another_process_exits_3_saying_to_wait(held: Path, tmp_path: Path) -> None:
    result = invoke(["audit", "show", "--warehouse", str(held)], tmp_path)
    assert result.exit_code == EXIT_WAREHOUSE, result.output
    assert one_line_error(result) == (
        f"Error: the warehouse {held} is in use by another process: wait for that run to finish "
        "(or stop it), then run this again"
    )


@pytest.mark.parametrize(("kind", "wanted"), [("text", "cannot be opened as a DuckDB warehouse"),
                                              ("folder", "is a folder, not a warehouse")])  # fmt: skip
def test_a_path_that_is_not_a_warehouse_exits_3(kind: str, wanted: str, tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    if kind == "text":
        path.write_text("person_id,name\n" * 200)
    else:
        path.mkdir()
    result = invoke(["audit", "show", "--warehouse", str(path)], tmp_path)
    assert result.exit_code == EXIT_WAREHOUSE, result.output
    line = one_line_error(result)
    assert wanted in line and "person_id" not in line  # the file's contents are never shown


def test_a_pseudonym_key_open_to_others_exits_4_before_anything_is_read(
    warehouse: Path, tmp_path: Path
) -> None:
    key = tmp_path / "secrets" / "pseudonym.key"
    key.parent.mkdir()
    key.write_text("ab" * 32)
    os.chmod(key, 0o644)
    args = ["subject-access", "7", "--out", "OUT", "--requester", "the person", "--reason", "SAR 1",
            "--warehouse", str(warehouse)]  # fmt: skip
    result = invoke(args, tmp_path)
    assert result.exit_code == EXIT_CONFIGURATION, result.output
    assert f"run `chmod 600 {key}`" in one_line_error(result)
    assert not (tmp_path / "out").exists()


def test_a_bad_cohort_now_exits_4(warehouse: Path, tmp_path: Path) -> None:
    result = invoke(["audit", "verify", "--warehouse", str(warehouse)], tmp_path, COHORT_NOW="next tuesday")
    assert result.exit_code == EXIT_CONFIGURATION, result.output
    assert "$COHORT_NOW is 'next tuesday', not a date-time" in one_line_error(result)


def test_a_symlinked_output_folder_exits_2(warehouse: Path, tmp_path: Path) -> None:
    real = tmp_path / "shared"
    real.mkdir()
    (tmp_path / "out").symlink_to(real)
    result = invoke(["subject-access", "7", "--out", "OUT", "--requester", "p", "--reason", "SAR 1",
                     "--warehouse", str(warehouse)], tmp_path)  # fmt: skip
    assert result.exit_code == EXIT_USAGE, result.output
    assert "is a symbolic link; give a real folder" in one_line_error(result)
    assert list(real.iterdir()) == []


def test_a_gate_or_check_failure_keeps_exit_1(warehouse: Path, tmp_path: Path) -> None:
    result = invoke(["subject-access", "7", "--out", "OUT", "--requester", "p", "--reason", "SAR 1",
                     "--warehouse", str(warehouse)], tmp_path)  # fmt: skip
    assert result.exit_code == 1 and "Traceback" not in result.output  # nobody is held under id 7
