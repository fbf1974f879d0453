"""The files of a subject access export: the person's records, lists, decisions and disclosures as CSV,
a summary they can read (HTML), and a manifest of every file's sha256."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import polars as pl

from data_contracts.contract import Contract
from data_contracts.rendering import environment
from pipelines.govern.subject_records import Held
from pipelines.weekly.publish import neutralise_strings

SCHEMA = "cohort.subject_access/1"


def export_files(held: Held, contracts: Mapping[str, Contract], about: dict[str, Any]) -> dict[str, bytes]:
    """Every file of the export, by its path in the folder, ``manifest.json`` (their sha256) last.

    Args:
        held: what is held about the person.
        contracts: the extracts' contracts (column descriptions for the summary).
        about: when and by whom the export was made, for whom and why, and its reference.
    """
    files = {f"records/{source}.csv": _csv(frame) for source, frame in held.records.items()}
    files["person.csv"] = _csv(held.person)
    files["lists.csv"] = _csv(held.lists)
    files["decisions.csv"] = _csv(held.decisions)
    files["disclosures.csv"] = _csv(held.disclosures)
    files["summary.html"] = render_summary(held, contracts, about).encode("utf-8")
    manifest = about | {
        "schema": SCHEMA, "requested_id": held.subject.requested_id, "person_id": held.subject.person_id,
        "merged_ids": list(held.subject.merged_ids), "records": held.record_rows,
        "files": {name: hashlib.sha256(content).hexdigest() for name, content in sorted(files.items())},
    }  # fmt: skip
    files["manifest.json"] = (json.dumps(manifest, indent=2, default=str) + "\n").encode("utf-8")
    return files


def _csv(frame: pl.DataFrame) -> bytes:
    """CSV text, lists of text joined by "; ", every text cell safe from spreadsheet formulas."""
    flat = frame.with_columns(pl.col(pl.List(pl.String)).list.join("; "))
    return neutralise_strings(flat).write_csv().encode("utf-8")


AGENCIES = {"police": "Police", "education": "Education (the local authority)", "health": "Health (the NHS)",
            "partnership": "Referrals to the programme"}  # fmt: skip
MATCHED = {
    "identifier": "the same police, pupil or NHS number", "probabilistic": "name, date of birth and address",
    "clerical": "a person checked the match", "none": "the only record of its kind",
}  # fmt: skip


def render_summary(held: Held, contracts: Mapping[str, Contract], about: Mapping[str, Any]) -> str:
    """The summary a person can read: who they are held as, their records by agency, the lists and
    decisions, who received their data, and how to ask for a correction (self-contained HTML)."""
    env = environment("pipelines.govern")
    agencies: dict[str, list[dict[str, Any]]] = {}
    for source, frame in held.records.items():
        contract = contracts[source]
        agencies.setdefault(contract.agency, []).append(_source(source, contract, frame))
    current = held.person.filter(pl.col("held_as") == "current").row(0, named=True)
    return env.get_template("subject_access.html.j2").render(
        about=about, subject=held.subject, person=current | {"dob": _day(current["dob"])},
        replaced=held.person.height - 1,
        agencies=[(AGENCIES.get(a, a), agencies[a]) for a in sorted(agencies)],
        lists=_rows(held.lists), decisions=_rows(held.decisions), disclosures=_rows(held.disclosures),
    )  # fmt: skip


def _source(source: str, contract: Contract, frame: pl.DataFrame) -> dict[str, Any]:
    """One extract's records for the summary: the staged rows under the contract's column descriptions."""
    columns = [(c.staging_name, c.type == "date") for c in contract.columns]
    rows = [
        [_day(row[name]) if is_date else row[name] for name, is_date in columns]
        + [MATCHED.get(row["linked_by"] or "", row["linked_by"])]
        for row in frame.filter(pl.col("layer") == "staged").iter_rows(named=True)
    ]
    return {
        "description": contract.description, "file": f"records/{source}.csv",
        "columns": [c.description for c in contract.columns], "rows": rows,
        "received": frame.filter(pl.col("layer") == "as received").height,
        "quarantined": frame.filter(pl.col("layer") == "quarantined")["quarantine_reasons"].to_list(),
    }  # fmt: skip


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows for the template, dates written day/month/year."""
    return [{k: _day(v) for k, v in row.items()} for row in frame.iter_rows(named=True)]


def _day(value: Any) -> Any:
    """A date (or ISO date text) as day/month/year; a time to the minute; anything else as it is."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return value
