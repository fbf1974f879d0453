"""The Prefect flow runs the same ingest as the CLI, as task runs a data engineer can watch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.warehouse.copy import copy_warehouse

World = tuple[Path, dict[str, object]]


@pytest.fixture(scope="module")
def prefect_server() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def test_ingest_flow_loads_the_world_and_fails_on_an_overdue_source(
    prefect_server: None, small_world: World, tmp_path: Path
) -> None:
    from pipelines.flows import ingest_extracts

    landing, warehouse = small_world[0] / "landing", tmp_path / "w.duckdb"
    state = ingest_extracts(landing, warehouse, date(2026, 11, 16), return_state=True)
    assert state.is_completed()
    assert state.result().status == "succeeded"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM meta.load WHERE status = 'loaded'").fetchall()[0][0] > 0

    late = ingest_extracts(landing, warehouse, date(2027, 3, 1), return_state=True)
    assert late.is_failed()
    assert "freshness" in str(late.message) or "freshness" in repr(late.result(raise_on_failure=False))


def test_link_flow_links_the_ingested_world_as_task_runs(
    prefect_server: None, small_world: World, tmp_path: Path
) -> None:
    from pipelines.flows import ingest_extracts, link_identities

    warehouse = tmp_path / "w.duckdb"
    ingest_extracts(small_world[0] / "landing", warehouse, date(2026, 11, 16))
    state = link_identities(warehouse, return_state=True)
    assert state.is_completed()
    result = state.result()
    assert result.persons > 0 and result.trained
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM link.xref").fetchall()[0][0] == result.records


def test_a_failed_step_says_which_stage_which_input_and_what_to_do(tmp_path: Path) -> None:
    import pickle

    from pipelines.steps import StageFailed, staged

    missing = tmp_path / "police_2026-11-16.csv"
    with pytest.raises(StageFailed) as caught:
        staged("read the extract", Path.read_text, missing)
    message = str(caught.value)
    assert message.startswith("stage 'read the extract' failed: [Errno 2] No such file or directory")
    assert f"(input: {missing})" in message
    assert f"What to do: check that {missing} exists" in message
    assert (
        isinstance(caught.value.__cause__, FileNotFoundError) and caught.value.error is caught.value.__cause__
    )
    assert str(pickle.loads(pickle.dumps(caught.value))) == message  # survives a trip between processes

    class Stale(ValueError):
        hint = "run `cohort ingest` first"

    def judge(folders: list[Path]) -> None:
        raise Stale("the police extract is 9 days old")

    with pytest.raises(StageFailed) as caught:
        staged("judge gates", judge, [tmp_path / name for name in "abcde"])
    assert str(caught.value) == (
        f"stage 'judge gates' failed: the police extract is 9 days old (input: {tmp_path / 'a'}, "
        f"{tmp_path / 'b'}, {tmp_path / 'c'}, and 2 more). What to do: run `cohort ingest` first"
    )


def test_direct_ignores_the_retry_mark_and_raises_the_original_error() -> None:
    from pipelines.steps import Retry, direct, retried, retry_policy

    calls: list[int] = []

    @retried(retries=3, delay_seconds=0)
    def flaky() -> None:
        calls.append(1)
        raise OSError("share unavailable")

    assert retry_policy(flaky) == Retry(3, 0, (OSError,))
    assert retry_policy(direct) is None
    with pytest.raises(OSError, match="share unavailable"):
        direct("flaky", flaky)
    assert calls == [1]


def test_prefect_retries_steps_marked_io_and_raises_the_stage_that_failed(prefect_server: None) -> None:
    from prefect import flow

    from pipelines.flows import flow_inputs, prefect_step
    from pipelines.steps import StageFailed, retried

    calls: list[str] = []

    @retried(delay_seconds=0)
    def read_share(path: Path) -> int:
        calls.append("read")
        if len(calls) < 3:
            raise TimeoutError(f"{path}: share timed out")
        return len(calls)

    @retried(delay_seconds=0)
    def parse(path: Path) -> int:
        calls.append("parse")
        raise ValueError("column 'dob' is missing")

    @flow
    def reads() -> int:
        return prefect_step("read the share", read_share, Path("landing/x.csv"))

    @flow
    def parses() -> int:
        with flow_inputs(warehouse=Path("w.duckdb")):
            return prefect_step("parse the extract", parse, Path("landing/x.csv"))

    assert reads() == 3  # two I/O failures retried, the third attempt succeeds
    calls.clear()
    state = parses(return_state=True)
    assert calls == ["parse"]  # not an I/O error: not retried
    assert state.is_failed()
    error = state.result(raise_on_failure=False)
    assert isinstance(error, StageFailed) and isinstance(error.__cause__, ValueError)
    assert str(error) == (
        "stage 'parse the extract' failed: column 'dob' is missing (input: landing/x.csv, warehouse w.duckdb)"
    )


def test_the_ingest_flow_names_the_failed_stage_and_its_input(prefect_server: None, tmp_path: Path) -> None:
    from pipelines.flows import ingest_extracts

    missing = tmp_path / "no-landing"
    state = ingest_extracts(missing, tmp_path / "w.duckdb", date(2026, 11, 16), return_state=True)
    assert state.is_failed()
    message = str(state.message)
    assert "stage 'discover files' failed: landing folder" in message
    assert f"(input: landing {missing}, warehouse {tmp_path / 'w.duckdb'})" in message
    assert "What to do:" in message


def test_weekly_flow_draws_up_the_list_and_logs_a_summary(
    prefect_server: None, linked: Path, tmp_path: Path
) -> None:
    pytest.importorskip("pipelines.weekly.run")
    import logging

    from pipelines.flows import weekly_priority_list

    class Keep(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.INFO)
            self.messages: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.messages.append(record.getMessage())

    warehouse, kept = tmp_path / "w.duckdb", Keep()
    copy_warehouse(linked, warehouse, checkpoint=False)
    logger = logging.getLogger("prefect.flow_runs")  # the flow's run logger, whatever propagates to root
    logger.addHandler(kept)
    try:
        state = weekly_priority_list(date(2026, 11, 16), warehouse, tmp_path / "lists", return_state=True)
    finally:
        logger.removeHandler(kept)
    assert state.is_completed(), state.message
    result = state.result()
    assert result.as_of == date(2026, 11, 16) and result.folder.parent == tmp_path / "lists"
    assert [m for m in kept.messages if m.startswith("weekly list run")] == [
        f"weekly list run {result.run_id} for 2026-11-16: {result.entries} entries, {result.within_capacity} "
        f"within capacity, mode {result.mode}, folder {result.folder}"
    ]
