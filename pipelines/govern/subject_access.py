"""A subject access export (`cohort subject-access`): everything held about one person, following
linkage merges, as CSV files and a summary the person can read, with one audit event.

The person's records are every extract row linked to them (as received, staged, and quarantined rows
carrying the same record id), the lists they were on or left, the decisions about them, and who
received their data. Earlier exports are found by a keyed reference (never the person id) that
the audit event carries in ``file_name``.
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from data_contracts.contract import load_contracts
from pipelines.files import refuse_symlinks, write_private
from pipelines.govern.subject_files import export_files
from pipelines.govern.subject_records import (
    Held,
    Subject,
    export_name,
    read_held,
    resolve_subject,
)
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.connection import connect
from pipelines.warehouse.queries import transaction
from pipelines.weekly.publish import load_or_create_key


@dataclass(frozen=True)
class SubjectExport:
    """What an export wrote."""

    folder: Path
    subject: Subject
    files: dict[str, str]  # name -> sha256
    records: int
    reference: str


def subject_reference(person_id: int, key: bytes) -> str:
    """A keyed reference to a person for the audit log and the export (not the partners' pseudonym)."""
    return hmac.new(key, f"subject-access:{person_id}".encode(), hashlib.sha256).hexdigest()[:16]


def export_subject(
    warehouse: Path, person_id: int, out: Path, *, requester: str, reason: str, by: str, key_file: Path,
    now: datetime,
) -> SubjectExport:  # fmt: skip
    """Write everything held about a person into ``out`` (owner-only) and record one ``subject_access``
    audit event; the folder appears only once the event is committed.

    Args:
        key_file: the pseudonymisation key (made if there is none), which keys the export's reference.
        now: when the export is made (stamped in it and on the audit event).

    Raises:
        SubjectAccessError: nobody is held under ``person_id`` (nothing is written).
        FileExistsError: ``out`` exists and is not empty.
        pipelines.files.SymlinkRefused: ``out``, or the folder it would be made in, is a symbolic link
            (refused before anything is read, written or recorded).
        pipelines.errors.ConfigurationError: the key file is open to others or too short.
    """
    refuse_symlinks(out, "the export folder")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} already exists and is not empty: give a new folder for the export")
    if key_file.exists():
        load_or_create_key(key_file)  # a key to fix stops the export before anyone's data is read
    contracts = load_contracts()
    with connect(warehouse) as con:
        subject = resolve_subject(con, person_id)
        key, _ = load_or_create_key(key_file)  # made only for a person who is held
        reference = subject_reference(subject.person_id, key)
        held = read_held(con, subject, [subject_reference(i, key) for i in subject.ids], contracts)
        made_at = now.replace(microsecond=0)
        about = {"reference": reference, "made_at": made_at.isoformat(sep=" "), "made_by": by,
                 "requester": requester, "reason": reason}  # fmt: skip
        files = export_files(held, contracts, about)
        event = {
            "purpose": reason, "recipients": requester, "rows": held.record_rows,
            "file_name": export_name(reference), "sha256": hashlib.sha256(files["manifest.json"]).hexdigest(),
        }  # fmt: skip
        _write_recorded(con, out, files, f"user:{by}", _detail(held), event, made_at)
    digests = {name: hashlib.sha256(content).hexdigest() for name, content in files.items()}
    return SubjectExport(out, subject, digests, held.record_rows, reference)


def _write_recorded(
    con: duckdb.DuckDBPyConnection, out: Path, files: Mapping[str, bytes], actor: str, detail: str,
    event: Mapping[str, Any], at: datetime,
) -> None:  # fmt: skip
    """Write the files into a hidden partial folder, record the disclosure, put the folder in place,
    then commit: a failure anywhere removes what was written and records nothing."""
    partial = out.parent / f".{out.name}.partial"
    if partial.is_symlink():
        partial.unlink()  # never write through a link left in its place
    shutil.rmtree(partial, ignore_errors=True)
    placed = False
    try:
        for name, content in files.items():
            write_private(partial / name, content)
        with transaction(con):
            audit.record(con, actor, "subject_access", detail, at=at, **event)
            if out.exists():
                out.rmdir()  # empty (checked), and not a link (refused)
            partial.rename(out)
            placed = True
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        if placed:
            shutil.rmtree(out, ignore_errors=True)
        raise


def _detail(held: Held) -> str:
    """The audit event's text: counts only, never who."""
    entries = held.lists.filter(pl.col("listed") == "on the list").height if held.lists.height else 0
    merged = ", earlier ids merged in" if held.subject.merged_ids else ""
    return (
        f"subject access: one person's records exported ({held.record_rows} extract rows from "
        f"{len(held.records)} sources, {entries} list entries, {held.decisions.height} decisions, "
        f"{held.disclosures.height} disclosures{merged})"
    )
