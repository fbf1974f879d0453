"""The ingest ledger: the files seen before, the outcome of one unchanged since, and a run's file counts."""

from __future__ import annotations

from typing import Any, NamedTuple

import duckdb

from pipelines.ingest.landing import LandingFile
from pipelines.ingest.load import FileOutcome
from pipelines.warehouse.queries import sql


def skipped(file: LandingFile, earlier_status: str) -> FileOutcome:
    """A file unchanged since it was last seen (same name, same content): nothing is read."""
    return FileOutcome(file.name, file.source, "skipped", problem=f"already {earlier_status} (same content)")


class Seen(NamedTuple):
    """A file seen before, as its latest load left it."""

    name: str
    sha256: str
    status: str
    read_again: bool  # may be read again although unchanged


def files_seen(con: duckdb.DuckDBPyConnection) -> list[Seen]:
    """Every file seen before, oldest load first.

    A file unchanged since may be read again only if it was rejected for being dated after its
    run's date (it is judged again against this run's), or it is a held shorter copy a person
    has since accepted.
    """
    return [
        Seen(name, sha, status, bool(future or accepted))
        for sha, name, status, future, accepted in con.execute(sql("ingest/files_seen")).fetchall()
    ]


def run_record(outcomes: list[FileOutcome]) -> dict[str, Any]:
    """The file counts stored on the run."""
    return {
        "files_seen": len(outcomes),
        "files_loaded": sum(o.status == "loaded" for o in outcomes),
        "files_skipped": sum(o.status == "skipped" for o in outcomes),
        "files_rejected": sum(o.status == "rejected" for o in outcomes),
    }
