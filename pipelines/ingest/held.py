"""Files held back from a run rather than loaded: still being written, or shorter than the copy they replace.

A changed copy of a loaded file with fewer rows is not allowed to supersede it: staging keeps the
longer copy's rows, the shorter one is recorded in meta.load as ``held`` (its hash and row count)
and the ``held_redeliveries`` gate fails until a person accepts it (``cohort ingest --accept-shorter
FILE --reason TEXT``, audited) or the sender re-delivers a full copy. A file modified within
``SETTLE`` of the run's clock, or changed while the run read it, is not read at all this run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from pipelines.clock import Clock
from pipelines.ingest.landing import LandingFile
from pipelines.ingest.load import ACTOR, FileOutcome, insert_load
from pipelines.warehouse import audit_log
from pipelines.warehouse.connection import connect
from pipelines.warehouse.queries import sql, transaction

SETTLE = timedelta(seconds=60)
"""A file modified this recently may still be being copied into the landing folder."""


class AcceptError(ValueError):
    """There is no held copy of that file to accept."""


@dataclass(frozen=True)
class Held:
    """A held shorter copy still waiting for a person."""

    load_id: int
    source: str
    file_name: str
    rows_before: int
    rows_after: int


def still_being_written(file: LandingFile, now: datetime) -> FileOutcome | None:
    """A file modified within ``SETTLE`` of ``now`` is left for the next run (nothing is recorded).

    Args:
        file: the landing file, as discovered.
        now: the run's clock reading (UTC, naive, like ``file.received_at``).

    Returns:
        A held outcome naming the file and what to do, or None when the file has settled.
    """
    if abs(now - file.received_at) >= SETTLE:
        return None
    return _unsettled(file, f"was modified {abs(now - file.received_at).seconds} s before the run")


def changed_while_read(file: LandingFile) -> FileOutcome | None:
    """A file whose size or modification time changed since discovery was still being written.

    Returns:
        A held outcome, or None when the file is as it was discovered.
    """
    try:
        stat = file.path.stat()
    except FileNotFoundError:
        return _unsettled(file, "was moved or deleted while the run read it")
    received = datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None)
    if stat.st_size == file.size_bytes and received == file.received_at:
        return None
    return _unsettled(file, "changed while the run read it")


def _unsettled(file: LandingFile, what: str) -> FileOutcome:
    problem = (
        f"{file.name}: still being written ({what}); it was not loaded: nothing to do if the copy "
        f"finishes, the next run loads it (wait {SETTLE.seconds} s after the copy ends)"
    )
    return FileOutcome(file.name, file.source, "held", problem=problem)


def hold_if_needed(
    con: duckdb.DuckDBPyConnection, run_id: str, clock: Clock, file: LandingFile, rows: int | None
) -> FileOutcome | None:
    """Whether a file just read is held instead of loaded (see :data:`pipelines.ingest.load.Hold`).

    Args:
        con: the warehouse.
        run_id: the run.
        clock: the run's clock.
        file: the file read.
        rows: its data rows, or None when it was rejected whole.

    Returns:
        A held outcome (still being written, or shorter than the current copy), or None.
    """
    unsettled = changed_while_read(file)
    if unsettled is not None or rows is None:
        return unsettled
    before = shorter_than_current(con, file, rows)
    return None if before is None else record_hold(con, run_id, file, rows, before, clock())


def shorter_than_current(con: duckdb.DuckDBPyConnection, file: LandingFile, rows: int) -> int | None:
    """The rows of the copy currently loaded when this changed copy has fewer and nobody accepted it.

    Returns:
        The current copy's row count, or None when the file may supersede it.
    """
    current, accepted = con.execute(
        sql("ingest/current_copy"), {"source": file.source, "file_name": file.name, "sha256": file.sha256}
    ).fetchall()[0]
    if current is None or accepted or rows >= current:
        return None
    return int(current)


def record_hold(
    con: duckdb.DuckDBPyConnection, run_id: str, file: LandingFile, rows: int, before: int, now: datetime
) -> FileOutcome:
    """Record a shorter copy held: a meta.load row (status held, its hash and rows) and an audit event.

    Args:
        con: the warehouse.
        run_id: the run that found it.
        file: the shorter copy.
        rows: its data rows.
        before: the rows of the copy kept current.
        now: the run's clock reading.

    Returns:
        A held outcome whose problem names the file, the counts and what to do.
    """
    problem = (
        f"{file.name}: this copy has {rows:,} rows, {before - rows:,} fewer than the {before:,} of the copy "
        "already loaded, so it was held and the earlier copy's rows stay current; ask the sender whether "
        "rows were withdrawn or the file was cut short, then either have the full file re-sent or run "
        f"`cohort ingest --accept-shorter {file.name} --reason TEXT` to let this copy replace it"
    )
    with transaction(con):
        load_id = insert_load(con, run_id, file, "held", problem, now)
        con.execute(sql("ingest/record_hold"), {"rows_raw": rows, "load_id": load_id})
        audit_log.record(
            con, ACTOR, "hold", f"held: {rows} rows where the current copy has {before}", at=now,
            source=file.source, load_id=load_id, file_name=file.name, sha256=file.sha256, rows=rows,
        )  # fmt: skip
    return FileOutcome(file.name, file.source, "held", load_id, problem=problem)


def held_copies(con: duckdb.DuckDBPyConnection) -> list[Held]:
    """Every held shorter copy still waiting: the newest record of its file name."""
    return [
        Held(int(load_id), source, name, int(before or 0), int(after or 0))
        for load_id, source, name, after, before in con.execute(sql("ingest/held_loads")).fetchall()
    ]


def accept_shorter(
    con: duckdb.DuckDBPyConnection, file_name: str, *, reason: str, by: str, now: datetime
) -> Held:
    """Let the held shorter copy of ``file_name`` replace the longer one on the next run (audited).

    Args:
        con: the warehouse.
        file_name: the held file's name, as in the landing folder.
        reason: why the shorter copy is right (e.g. the sender withdrew rows), kept with the acceptance.
        by: who accepts it (``user:NAME``).
        now: when.

    Returns:
        The held copy accepted.

    Raises:
        AcceptError: no copy of that file is held, or the reason is empty.
    """
    if not reason.strip():
        raise AcceptError(f"--reason: say why {file_name} may lose rows (e.g. what the sender told you)")
    held = next((h for h in held_copies(con) if h.file_name == file_name), None)
    if held is None:
        names = ", ".join(h.file_name for h in held_copies(con)) or "none"
        raise AcceptError(
            f"--accept-shorter: no copy of {file_name} is held (held now: {names}); "
            "give the name of a file the held_redeliveries gate lists"
        )
    sha256 = con.execute(sql("ingest/load_sha256"), [held.load_id]).fetchall()[0][0]
    if con.execute(sql("ingest/accepted"), {"file_name": file_name, "sha256": sha256}).fetchall():
        raise AcceptError(f"{file_name}: this copy was already accepted; run `cohort ingest` to load it")
    with transaction(con):
        con.execute(
            sql("ingest/accept_shorter"),
            {"file_name": file_name, "sha256": sha256, "held_load_id": held.load_id, "accepted_by": by,
             "accepted_at": now, "reason": reason.strip()},
        )  # fmt: skip
        audit_log.record(
            con, by, "accept_shorter",
            f"accepted a copy with {held.rows_after} rows in place of {held.rows_before}: {reason.strip()}",
            at=now, source=held.source, load_id=held.load_id, file_name=file_name, sha256=sha256,
            rows=held.rows_after,
        )  # fmt: skip
    return held


def accept_held_copy(warehouse: Path, file_name: str, *, reason: str, by: str, now: datetime) -> Held:
    """Open the warehouse and accept the held copy of ``file_name`` (see :func:`accept_shorter`)."""
    with connect(warehouse) as con:
        return accept_shorter(con, file_name, reason=reason, by=by, now=now)
