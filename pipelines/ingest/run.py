"""One ingest run from start to finish: the table of contents the Prefect flow and the tests share."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from uuid import uuid4

import duckdb

from data_contracts.contract import Contract, load_contracts
from data_contracts.gates import Gate, evaluate_gates
from pipelines.clock import Clock
from pipelines.ingest.held import held_copies, hold_if_needed, still_being_written
from pipelines.ingest.landing import LandingFile, discover
from pipelines.ingest.ledger import Seen, files_seen, run_record, skipped
from pipelines.ingest.load import FileOutcome, Prepared, prepare_source, record_rejection, write_source
from pipelines.ingest.readers import has_data_rows
from pipelines.ingest.reconcile import ReconciliationError, reconcile
from pipelines.ingest.report import SourceSummary, build_summaries, render_report, write_report
from pipelines.paths import reports_folder
from pipelines.steps import Step, direct
from pipelines.warehouse.connection import connect
from pipelines.warehouse.queries import sql
from pipelines.warehouse.raw_files import sweep_raw_files

FLOW_NAME = "ingest-extracts"
log = logging.getLogger(__name__)
Stage = Callable[[str, int], Callable[[int], None]]


def quiet(description: str, total: int) -> Callable[[int], None]:
    """No progress display."""
    return lambda n: None


class IngestFailed(RuntimeError):
    """The run finished, and a gate failed; everything valid was still loaded."""

    def __init__(self, result: IngestResult) -> None:
        self.result = result
        failed = [g for g in result.gates if not g.passed]
        super().__init__(
            "; ".join(f"{g.gate} {g.source or ''}: {g.message}".replace("  ", " ") for g in failed)
        )


@dataclass(frozen=True)
class IngestResult:
    """What a run did."""

    run_id: str
    run_date: date
    status: str  # succeeded or failed
    outcomes: list[FileOutcome]
    gates: list[Gate]
    summaries: list[SourceSummary]
    report_path: Path

    @property
    def failed_gates(self) -> list[Gate]:
        return [g for g in self.gates if not g.passed]


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, run_date: date, now: datetime) -> None:
    """Record the run as running since ``now`` (and mark runs that never finished as interrupted)."""
    con.execute(sql("ingest/interrupt_runs"))
    con.execute(
        sql("ingest/start_run"),
        {"run_id": run_id, "flow": FLOW_NAME, "run_date": run_date, "started_at": now},
    )


def triage(
    con: duckdb.DuckDBPyConnection, run_id: str, files: list[LandingFile], clock: Clock, run_date: date
) -> tuple[list[FileOutcome], dict[str, list[LandingFile]]]:
    """Decide what to do with each file before reading any.

    A file unchanged since it was last seen (same name, same content as its latest load) is
    skipped; a changed one is loaded and supersedes the earlier copy (even when the change is
    back to an older copy), unless it is shorter (pipelines.ingest.held). A file no contract
    matches is rejected; so is a file dated after the run date (it would count for freshness,
    and its events would be in the future), and a new name whose rows are identical to another
    file seen before (an old extract re-sent under a new date would double-count every event).
    A file modified within a minute of the run is left for the next run. Header-only files are
    loaded even when identical: each is a delivery saying "nothing new", which freshness counts.

    Returns:
        (outcomes so far, new files to load grouped by source).
    """
    history = files_seen(con)
    latest = {seen.name: seen for seen in history}
    by_content = {seen.sha256: seen.name for seen in reversed(history)}
    outcomes: list[FileOutcome] = []
    new: dict[str, list[LandingFile]] = {}
    now = clock()
    for file in files:
        seen = latest.get(file.name)
        future = file.extract_date is not None and file.extract_date > run_date
        if seen is not None and seen.sha256 == file.sha256 and (future or not seen.read_again):
            outcomes.append(skipped(file, seen.status))
        elif file.contract is None:
            assert file.problem is not None
            outcomes.append(record_rejection(con, run_id, file, f"{file.name}: {file.problem}", clock()))
        elif future:
            outcomes.append(record_rejection(con, run_id, file, future_problem(file, run_date), clock()))
        elif (unsettled := still_being_written(file, now)) is not None:
            outcomes.append(unsettled)
        elif by_content.get(file.sha256, file.name) != file.name and has_data_rows(file.path, file.contract):
            problem = (
                f"{file.name}: its content is identical to {by_content[file.sha256]}, seen before; "
                "the sender may have re-sent an old extract under a new name: ask for the right file"
            )
            outcomes.append(record_rejection(con, run_id, file, problem, clock()))
        else:
            new.setdefault(file.contract.name, []).append(file)
        latest.setdefault(file.name, Seen(file.name, file.sha256, "seen earlier in this run", False))
        by_content.setdefault(file.sha256, file.name)
    return outcomes, new


def future_problem(file: LandingFile, run_date: date) -> str:
    """Why a file dated after the run date is rejected, and what to do."""
    assert file.extract_date is not None
    return (
        f"{file.name}: its extract date (from the file name) {file.extract_date.isoformat()} is after the "
        f"run date {run_date.isoformat()}; nothing from it was loaded and it does not count for freshness: "
        "ask the sender to correct the date and re-send the file under the right name (or, if the run "
        "date is wrong, run again with the right --run-date)"
    )


def load_sources(
    con: duckdb.DuckDBPyConnection, run_id: str, contracts: dict[str, Contract],
    new: dict[str, list[LandingFile]], clock: Clock, step: Step, stage: Stage,
) -> list[FileOutcome]:  # fmt: skip
    """Read, validate and load every new file, source by source in contract order.

    Each source is read (its held and rejected files recorded) before the previous one is written,
    so its validation, in a worker thread, overlaps that writing (pipelines.ingest.load).
    """
    hold = partial(hold_if_needed, con, run_id, clock)
    sources = [(name, contract) for name, contract in contracts.items() if name in new]
    outcomes: list[FileOutcome] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="validate") as pool:

        def prepare(name: str, contract: Contract) -> Prepared:
            read: Prepared = step(
                f"read {name}", prepare_source, con, run_id, contract, new[name], clock, pool, hold
            )
            return read

        ready = prepare(*sources[0]) if sources else None
        for i, (name, _) in enumerate(sources):
            advance = stage(f"Loading {name}", len(new[name]))
            following = prepare(*sources[i + 1]) if i + 1 < len(sources) else None
            outcomes += step(f"load {name}", write_source, con, run_id, ready, advance, clock)
            ready = following
    return outcomes


def judge(
    con: duckdb.DuckDBPyConnection,
    contracts: dict[str, Contract],
    outcomes: list[FileOutcome],
    run_date: date,
) -> list[Gate]:
    """Reconcile every load, then evaluate the gates (held files included, whatever run held them)."""
    problems = reconcile(con, contracts)
    if problems:
        raise ReconciliationError("rows do not reconcile: " + "; ".join(problems))
    run_rows: dict[str, tuple[int, int]] = {}
    for o in outcomes:
        if o.status == "loaded" and o.source is not None:
            rows, quarantined = run_rows.get(o.source, (0, 0))
            run_rows[o.source] = (rows + o.rows, quarantined + o.quarantined)
    newest = dict(con.execute(sql("ingest/newest_extracts"), {"run_date": run_date}).fetchall())
    rejected = [o.file_name for o in outcomes if o.status == "rejected"]
    held = [(h.file_name, h.rows_before, h.rows_after) for h in held_copies(con)]
    unsettled = [o.file_name for o in outcomes if o.status == "held" and o.load_id is None]
    return evaluate_gates(contracts, run_rows, newest, rejected, run_date, held, unsettled)


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, outcomes: list[FileOutcome],
               gates: list[Gate], report_path: Path | None, now: datetime) -> None:  # fmt: skip
    """Record how the run ended, at ``now``."""
    con.execute(
        sql("ingest/finish_run"),
        {"run_id": run_id, "finished_at": now, "status": status, **run_record(outcomes),
         "gates": json.dumps([g.as_dict() for g in gates]),
         "report_path": str(report_path) if report_path else None},
    )  # fmt: skip


def run_ingest(
    landing: Path,
    warehouse: Path,
    run_date: date,
    *,
    clock: Clock,
    report_dir: Path | None = None,
    step: Step = direct,
    stage: Stage = quiet,
    contracts: dict[str, Contract] | None = None,
) -> IngestResult:
    """Ingest every new file in the landing folder into the warehouse.

    Args:
        landing: the folder agencies deliver into.
        warehouse: the DuckDB file.
        run_date: the day the run is for; freshness gates are judged against it.
        clock: the wall clock (the CLI and the flow pass :func:`pipelines.clock.system_clock`).
        report_dir: where the HTML report goes (default: ``reports/`` beside the warehouse).
        step: how each step is run (plain call, or a Prefect task).
        stage: progress display.
        contracts: the contracts (default: those shipped in ``data_contracts/``).

    Returns:
        The result; ``status`` is "failed" when a gate failed.

    Raises:
        ReconciliationError: if any load's rows do not add up (the run is marked failed first).
    """
    contracts = contracts if contracts is not None else load_contracts()
    run_id = uuid4().hex
    started = clock()
    with connect(warehouse) as con:
        step("start run", start_run, con, run_id, run_date, started)
        sweep_raw_files(con)  # raw files a crashed load left unregistered
        outcomes: list[FileOutcome] = []
        try:
            files = step("discover files", discover, landing, contracts)
            outcomes, new = step("triage files", triage, con, run_id, files, clock, run_date)
            outcomes += load_sources(con, run_id, contracts, new, clock, step, stage)
            gates = step("reconcile and judge gates", judge, con, contracts, outcomes, run_date)
        except Exception:  # a killed process stays "running" and the next run marks it interrupted
            finish_run(con, run_id, "failed", outcomes, [], None, clock())
            raise
        status = "succeeded" if all(g.passed for g in gates) else "failed"
        summaries = build_summaries(contracts, outcomes, gates)
        html = render_report(
            {"run_id": run_id, "run_date": run_date.isoformat(), "status": status,
             "started_at": started.isoformat(timespec="seconds"),
             "finished_at": clock().isoformat(timespec="seconds"),
             "landing": str(landing), "warehouse": str(warehouse), "gates": gates,
             "failed_gates": [g for g in gates if not g.passed], "sources": summaries,
             "rejected": [o for o in outcomes if o.status == "rejected"],
             "held": [o for o in outcomes if o.status == "held"],
             "totals": {**run_record(outcomes), "files_held": sum(o.status == "held" for o in outcomes),
                        "rows": sum(o.rows for o in outcomes),
                        "quarantined": sum(o.quarantined for o in outcomes)}}
        )  # fmt: skip
        report_path = write_report(report_dir or reports_folder(warehouse), run_id, run_date, html)
        finish_run(con, run_id, status, outcomes, gates, report_path, clock())
    counts = run_record(outcomes)
    log.info("ingest run %s %s: %s", run_id[:8], status, ", ".join(f"{k}={v}" for k, v in counts.items()))
    return IngestResult(run_id, run_date, status, outcomes, gates, summaries, report_path)
