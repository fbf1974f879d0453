"""Ingest: load each new landing file into raw, validate it, and split it into staging and quarantine.

Each file is written in one transaction (its meta.load row, the registration of its raw Parquet
file, staging and quarantine rows, counts and audit event), so a run killed part-way leaves only
whole files behind and a rerun picks up where it stopped; a raw file whose transaction failed is
never registered, and is swept. A file whose content was seen before is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Literal

import duckdb
import polars as pl

from data_contracts.contract import Contract
from data_contracts.staging import to_staging
from data_contracts.suite import EXTRACT_DATE, FILE, build_checks
from data_contracts.validation import ROW, find_failures, reasons_by_row
from pipelines.clock import Clock
from pipelines.ingest.landing import LandingFile
from pipelines.ingest.readers import RejectedFile, read_extract
from pipelines.ingest.reconcile import ReconciliationError
from pipelines.warehouse import audit_log
from pipelines.warehouse.queries import insert_frame, quote, sql, transaction
from pipelines.warehouse.raw_files import sweep_raw_files, write_raw_file

ACTOR = "flow:ingest-extracts"
Status = Literal["loaded", "rejected", "skipped", "held"]
Advance = Callable[[int], None]


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one landing file in a run."""

    file_name: str
    source: str | None
    status: Status
    load_id: int | None = None
    rows: int = 0
    staged: int = 0
    quarantined: int = 0
    problem: str | None = None
    quarantined_rows: pl.DataFrame | None = None  # row_number, reasons and the row as sent


Hold = Callable[[LandingFile, int | None], FileOutcome | None]
"""Whether a file just read (its rows, or None if rejected) is held instead (pipelines.ingest.held)."""


def _audit(con: duckdb.DuckDBPyConnection, action: str, source: str | None, load_id: int | None,
          file: LandingFile, rows: int | None, detail: str, at: datetime) -> None:  # fmt: skip
    """Append one event to audit.event (inside the caller's transaction)."""
    audit_log.record(
        con, ACTOR, action, detail, source=source, load_id=load_id, file_name=file.name, sha256=file.sha256,
        rows=rows, at=at,
    )  # fmt: skip


def insert_load(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    file: LandingFile,
    status: str,
    problem: str | None,
    loaded_at: datetime,
) -> int:
    """Add the file's meta.load row (counts come later) and return its load_id."""
    load_id = int(con.execute(sql("ingest/next_load_id")).fetchall()[0][0])
    con.execute(
        sql("ingest/insert_load"),
        {"load_id": load_id, "run_id": run_id, "source": file.source, "file_name": file.name,
         "sha256": file.sha256,
         "size_bytes": file.size_bytes, "extract_date": file.extract_date, "received_at": file.received_at,
         "loaded_at": loaded_at, "status": status,
         "contract_version": file.contract.version if file.contract else None, "problem": problem},
    )  # fmt: skip
    return load_id


def record_rejection(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    file: LandingFile,
    problem: str,
    now: datetime,
    audit_detail: str | None = None,
) -> FileOutcome:
    """Record a file rejected whole at ``now``: a meta.load row with the reason, and an audit event.

    ``audit_detail`` is the reason without any excerpt of the file (default: ``problem``).
    """
    with transaction(con):
        load_id = insert_load(con, run_id, file, "rejected", problem, now)
        _audit(con, "reject", file.source, load_id, file, None, audit_detail or problem, now)
    return FileOutcome(file.name, file.source, "rejected", load_id, problem=problem)


def count_load_sql(table: str) -> str:
    """SELECT the number of rows one load (``?``) has in ``table`` (``layer.source``, quoted)."""
    return f"SELECT count(*) FROM {table} WHERE load_id = ?"


def drop_load_sql(layer: str, source: str) -> str:
    """DELETE one load's (``?``) rows from a layer's table of a source."""
    return f"DELETE FROM {layer}.{quote(source)} WHERE load_id = ?"


def _count(con: duckdb.DuckDBPyConnection, table: str, load_id: int) -> int:
    return int(con.execute(count_load_sql(table), [load_id]).fetchall()[0][0])


def _supersede_earlier(
    con: duckdb.DuckDBPyConnection, contract: Contract, file: LandingFile, load_id: int, now: datetime
) -> None:
    """A changed copy of an already-loaded file replaces it: its staging and quarantine rows go; raw stays."""
    earlier = con.execute(
        sql("ingest/earlier_versions"), {"source": contract.name, "file_name": file.name, "load_id": load_id}
    ).fetchall()
    for (old,) in earlier:
        con.execute(sql("ingest/supersede_load"), {"superseded_by": load_id, "load_id": old})
        for layer in ("staging", "quarantine"):
            con.execute(drop_load_sql(layer, contract.name), [old])
        _audit(
            con,
            "supersede",
            contract.name,
            old,
            file,
            None,
            f"replaced by load {load_id} (the file changed)",
            now,
        )


def record_load(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    contract: Contract,
    file: LandingFile,
    rows: pl.DataFrame,
    failures: Callable[[], pl.DataFrame],
    now: datetime,
) -> FileOutcome:
    """Write one file in one transaction and reconcile its counts.

    Args:
        con: the warehouse.
        run_id: the run loading it.
        contract: its contract.
        file: the landing file.
        rows: its rows as text, with row_number.
        failures: returns the failing rows' row_number and reasons; it is called after the raw
            rows are written, so validation can run while they are.
        now: when the file is loaded.

    Returns:
        The outcome, with the rows' counts.

    Raises:
        ReconciliationError: if raw rows != staged + quarantined (nothing is written).
    """
    try:
        return _record_load(con, run_id, contract, file, rows, failures, now)
    except BaseException:
        with suppress(OSError, duckdb.Error):
            sweep_raw_files(con)  # the failed load's raw file was never registered
        raise


def _record_load(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    contract: Contract,
    file: LandingFile,
    rows: pl.DataFrame,
    failures: Callable[[], pl.DataFrame],
    now: datetime,
) -> FileOutcome:
    name, columns = contract.name, [pl.col(c) for c in contract.column_names]
    with transaction(con):
        load_id = insert_load(con, run_id, file, "loaded", None, now)
        _supersede_earlier(con, contract, file, load_id, now)
        tagged = rows.with_columns(pl.lit(load_id, dtype=pl.Int32).alias("load_id"))
        write_raw_file(con, name, load_id, tagged.select("load_id", "row_number", *columns))
        reasons = failures()  # validation runs while the raw file is written
        failed = pl.col("row_number").is_in(reasons.get_column("row_number").implode())
        insert_frame(con, f"staging.{name}", to_staging(tagged.filter(~failed), contract, file.name))
        bad = tagged.filter(failed).join(reasons, on="row_number")
        insert_frame(con, f"quarantine.{name}", bad.select("load_id", "row_number", "reasons", *columns))
        counts = {
            layer: _count(con, f"{layer}.{quote(name)}", load_id)
            for layer in ("raw", "staging", "quarantine")
        }
        if counts["raw"] != rows.height or counts["raw"] != counts["staging"] + counts["quarantine"]:
            raise ReconciliationError(
                f"{file.name}: read {rows.height:,} rows, raw holds {counts['raw']:,}, "
                f"staging {counts['staging']:,} "
                f"and quarantine {counts['quarantine']:,}; nothing from this file was kept"
            )
        con.execute(
            sql("ingest/record_counts"),
            {"rows_raw": counts["raw"], "rows_staged": counts["staging"],
             "rows_quarantined": counts["quarantine"], "load_id": load_id},
        )  # fmt: skip
        _audit(con, "collect", name, load_id, file, counts["raw"],
              f"{counts['staging']} rows staged, {counts['quarantine']} quarantined", now)  # fmt: skip
    return FileOutcome(
        file.name, name, "loaded", load_id, counts["raw"], counts["staging"], counts["quarantine"],
        quarantined_rows=bad.select("row_number", "reasons", *columns),
    )  # fmt: skip


def validate_files(contract: Contract, frames: list[tuple[LandingFile, pl.DataFrame]]) -> list[pl.DataFrame]:
    """Validate every new file of one source in one pass.

    Returns:
        Per file, its failing rows: row_number and the list of reasons (rule, message).
    """
    batch = pl.concat(
        [
            frame.select(
                "row_number",
                *contract.column_names,
                pl.lit(i, dtype=pl.Int32).alias(FILE),
                pl.lit(f.extract_date, dtype=pl.Date).alias(EXTRACT_DATE),
            )
            for i, (f, frame) in enumerate(frames)
        ]
    ).with_row_index(ROW)
    failures = reasons_by_row(find_failures(batch, build_checks(contract), contract.name))
    located = failures.join(batch.select(ROW, FILE, "row_number"), on=ROW).drop(ROW)
    return [located.filter(pl.col(FILE) == i).select("row_number", "reasons") for i in range(len(frames))]


def _nth(future: Future[list[pl.DataFrame]], i: int) -> pl.DataFrame:
    return future.result()[i]


class Prepared:
    """One source's new files read, those held or rejected whole recorded, and the rest being validated.

    A plain object (not a dataclass), handed from one step to the next as it is.
    """

    def __init__(
        self, contract: Contract, files: list[LandingFile], decided: dict[str, FileOutcome],
        frames: list[tuple[LandingFile, pl.DataFrame]], validated: Future[list[pl.DataFrame]] | None,
    ) -> None:  # fmt: skip
        self.contract = contract
        self.files = files
        self.decided = decided  # file name -> held or rejected outcome
        self.frames = frames  # the files to load, with their rows
        self.validated = validated  # per frame, its failing rows (validate_files)


def prepare_source(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    contract: Contract,
    files: list[LandingFile],
    clock: Clock,
    pool: ThreadPoolExecutor,
    hold: Hold = lambda file, rows: None,
) -> Prepared:
    """Read every new file of one source, record those held or rejected whole, and start validating
    the rest in ``pool``.

    Validation (Great Expectations, mostly single-threaded Python) runs in the pool's worker while
    this thread writes the previous source's files and reads the next source's: a run prepares
    source N + 1 before it writes source N (:func:`write_source`), so at most two sources' rows are
    held at once.

    Args:
        con: the warehouse.
        run_id: the run.
        contract: the source's contract.
        files: its new files, in extract-date order.
        clock: the run's clock (a rejection is stamped when it is recorded).
        pool: one worker thread, for validation.
        hold: decides, once a file is read, whether it is held instead of loaded or rejected
            (it was still being written, or it is shorter than the copy it would replace).

    Returns:
        The files held or rejected (recorded), and the rows of the others with their validation.
    """
    decided: dict[str, FileOutcome] = {}
    frames = []
    for file in files:
        try:
            rows = read_extract(file.path, contract)
        except RejectedFile as rejected:
            held = hold(file, None)
            decided[file.name] = held or record_rejection(
                con, run_id, file, str(rejected), clock(), rejected.audit_message
            )
            continue
        held = hold(file, rows.height)
        if held is not None:
            decided[file.name] = held
        else:
            frames.append((file, rows))
    validated = pool.submit(validate_files, contract, frames) if frames else None
    return Prepared(contract, files, decided, frames, validated)


def write_source(
    con: duckdb.DuckDBPyConnection, run_id: str, prepared: Prepared, advance: Advance, clock: Clock
) -> list[FileOutcome]:
    """Load the files of a prepared source, oldest first, each in its own transaction.

    Each file's raw Parquet file is written while its validation may still be running; the file's
    transaction then waits for it before writing the valid rows to staging and the others to
    quarantine.

    Args:
        con: the warehouse.
        run_id: the run.
        prepared: the source's files, read and being validated (:func:`prepare_source`).
        advance: progress callback, called once per file.
        clock: the run's clock (each file is stamped when it is written).

    Returns:
        One outcome per file: loaded, rejected or held.
    """
    outcomes = dict(prepared.decided)
    advance(len(outcomes))
    validated = prepared.validated
    for i, (file, rows) in enumerate(prepared.frames):
        assert validated is not None
        outcomes[file.name] = record_load(
            con, run_id, prepared.contract, file, rows, partial(_nth, validated, i), clock()
        )
        advance(1)
    return [outcomes[f.name] for f in prepared.files]
