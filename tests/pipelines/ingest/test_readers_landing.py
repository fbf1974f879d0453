"""The landing folder: links, pipes, sockets and folders named like extracts are refused, never opened."""

from __future__ import annotations

import os
import socket
from datetime import date
from pathlib import Path

import duckdb
import pytest

from data_contracts.contract import load_contracts
from pipelines.ingest.landing import discover
from pipelines.ingest.run import run_ingest
from tests.clock import test_clock

pytestmark = pytest.mark.bad_input  # the bad-input corpus: `pytest -m bad_input`

CONTRACTS = {"police_occurrences": load_contracts()["police_occurrences"]}
GOOD, OTHER = "police_occurrences_2026-11-16.csv", "police_occurrences_2026-11-09.csv"
HEADER = ",".join(CONTRACTS["police_occurrences"].column_names) + "\n"


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    """A landing folder holding one header-only extract (a good file)."""
    folder = tmp_path / "landing"
    folder.mkdir()
    (folder / GOOD).write_text(HEADER)
    return folder


def refusal(landing: Path, name: str) -> str:
    found = {f.name: f for f in discover(landing, CONTRACTS)}
    assert found[GOOD].problem is None and found[GOOD].contract is not None
    refused = found[name]
    assert refused.contract is None and refused.problem is not None
    return refused.problem


def test_a_symlink_is_refused_not_followed(landing: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.csv"
    outside.write_text(HEADER)
    (landing / OTHER).symlink_to(outside)

    problem = refusal(landing, OTHER)

    assert problem.startswith("it is a symbolic link, not a regular file, so it was not opened; ")
    assert problem.endswith("move it out, and put the file itself in its place if it is an extract")


def test_a_fifo_is_refused_without_opening_it(landing: Path) -> None:
    os.mkfifo(landing / OTHER)  # opening it for reading would block the run for ever

    assert refusal(landing, OTHER).startswith("it is a named pipe (FIFO), not a regular file")


def test_a_socket_is_refused(landing: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(landing)  # a socket's path must be short: bind it by its bare name
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(OTHER)
        assert refusal(landing, OTHER).startswith("it is a socket, not a regular file")


def test_a_folder_named_like_an_extract_is_refused_and_other_folders_are_passed_over(landing: Path) -> None:
    (landing / OTHER).mkdir()
    (landing / "archive").mkdir()

    assert refusal(landing, OTHER).startswith("it is a folder, not a regular file")
    assert "archive" not in {f.name for f in discover(landing, CONTRACTS)}


def test_special_files_are_rejected_and_the_good_file_still_loads(landing: Path, tmp_path: Path) -> None:
    os.mkfifo(landing / OTHER)
    (landing / "police_occurrences_2026-11-02.csv").symlink_to(landing / GOOD)

    result = run_ingest(
        landing, tmp_path / "w.duckdb", date(2026, 11, 16), clock=test_clock(), report_dir=tmp_path / "r",
        contracts=CONTRACTS,
    )  # fmt: skip

    outcomes = {o.file_name: o.status for o in result.outcomes}
    assert outcomes == {
        GOOD: "loaded",
        OTHER: "rejected",
        "police_occurrences_2026-11-02.csv": "rejected",
    }
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        problems = dict(
            con.execute("SELECT file_name, problem FROM meta.load WHERE status = 'rejected'").fetchall()
        )
    assert problems[OTHER].startswith(f"{OTHER}: it is a named pipe (FIFO), not a regular file")
