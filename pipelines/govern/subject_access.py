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
import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from data_contracts.contract import Contract, load_contracts
from data_contracts.rendering import environment
from pipelines.files import refuse_symlinks, write_private
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.connection import connect
from pipelines.warehouse.event_frames import merged_ids_sql
from pipelines.warehouse.queries import quote
from pipelines.weekly.publish import load_or_create_key, neutralise_strings

SCHEMA = "cohort.subject_access/1"
DISCLOSED = ("publish", "export")
"""Audit actions of a list run that put its entries in someone's hands."""
LAYERS = {"as received": "raw", "staged": "staging", "quarantined": "quarantine"}


class SubjectAccessError(LookupError):
    """No person is held under the id asked about; the message says what to check."""


@dataclass(frozen=True)
class Subject:
    """The person an export is about: the id asked for, the id their records are under now, and every
    earlier id linkage merged into it."""

    requested_id: int
    person_id: int
    merged_ids: tuple[int, ...]

    @property
    def ids(self) -> list[int]:
        return [self.person_id, *self.merged_ids]


@dataclass(frozen=True)
class Held:
    """Everything held about one person, each part a frame of text and numbers."""

    subject: Subject
    person: pl.DataFrame  # link.person, then link.person_history rows for any of their ids
    records: dict[str, pl.DataFrame]  # source -> every row linked to them, at every layer
    lists: pl.DataFrame  # the lists they were on, and the ones they left
    decisions: pl.DataFrame
    disclosures: pl.DataFrame

    @property
    def record_rows(self) -> int:
        return sum(frame.height for frame in self.records.values())


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


def resolve_subject(con: duckdb.DuckDBPyConnection, person_id: int) -> Subject:
    """The person held under ``person_id`` now, following merges to the id their records carry.

    Raises:
        SubjectAccessError: nobody is held under that id and no merge leads from it.
    """
    merged = con.execute(f"WITH {merged_ids_sql(None)} SELECT person_id, now_id FROM merged").fetchall()
    now_id = dict(merged).get(person_id, person_id)
    if not con.execute("SELECT 1 FROM link.person WHERE person_id = ?", [now_id]).fetchall():
        raise SubjectAccessError(
            f"nobody is held under person id {person_id}: it is not in link.person and no linkage run merged "
            "it into another person. Check the id (the list, workbook and review screen show it as 'person "
            "id'); nothing was written"
        )
    earlier = tuple(sorted(old for old, new in merged if new == now_id))
    return Subject(person_id, now_id, earlier)


def read_held(
    con: duckdb.DuckDBPyConnection, subject: Subject, references: Sequence[str],
    contracts: Mapping[str, Contract] | None = None,
) -> Held:  # fmt: skip
    """Read everything held about ``subject``; ``references`` find their earlier subject access exports."""
    contracts = load_contracts() if contracts is None else contracts
    ids = {"ids": subject.ids}
    person = con.sql(
        "SELECT 'current' AS held_as, * EXCLUDE (run_id), run_id AS link_run FROM link.person "
        "WHERE person_id = $person UNION ALL BY NAME "
        "SELECT 'replaced by link run ' || replaced_by AS held_as, * EXCLUDE (run_id, replaced_by), "
        "run_id AS link_run FROM link.person_history WHERE list_contains($ids, person_id)",
        params={"person": subject.person_id} | ids,
    ).pl()
    records = {}
    for name, contract in contracts.items():
        frame = con.sql(records_sql(contract), params={"person": subject.person_id, "source": name}).pl()
        if frame.height:
            records[name] = frame
    lists = con.sql(
        "SELECT r.as_of, r.run_id, 'on the list' AS listed, e.person_id, e.rank, e.within_capacity, "
        "e.route, e.band, e.probability, e.age, e.change, e.previous_rank, e.review_by, "
        "CAST(NULL AS VARCHAR) AS why, e.explanation FROM lists.entry e JOIN lists.run r USING (run_id) "
        "WHERE list_contains($ids, e.person_id) UNION ALL BY NAME "
        "SELECT r.as_of, r.run_id, 'left the list' AS listed, d.person_id, d.previous_rank, d.why "
        "FROM lists.departure d JOIN lists.run r USING (run_id) WHERE list_contains($ids, d.person_id) "
        "ORDER BY as_of, run_id, listed DESC",
        params=ids,
    ).pl()
    decisions = con.sql(
        "SELECT decided_on, decision_id, run_id, person_id, decision, reason, pathway, reviewer, "
        "recorded_at, cohort_end_date FROM review.decision WHERE list_contains($ids, person_id) "
        "ORDER BY decision_id",
        params=ids,
    ).pl()
    runs = sorted({int(r) for r in lists["run_id"]}) if lists.height else []
    disclosures = con.sql(
        "SELECT occurred_at, event_id, action, actor, file_name AS file, recipients, purpose, rows "
        "FROM audit.event WHERE (list_contains($actions, action) AND list_contains($runs, "
        "TRY_CAST(regexp_extract(detail, '^list run ([0-9]+)', 1) AS INTEGER))) "
        "OR (action = 'subject_access' AND list_contains($files, file_name)) ORDER BY event_id",
        params={"actions": list(DISCLOSED), "runs": runs, "files": [export_name(r) for r in references]},
    ).pl()
    return Held(subject, person, records, _readable(lists), decisions, disclosures)


def export_name(reference: str) -> str:
    """The name an export goes by in the audit log (its ``file_name``)."""
    return f"subject-access-{reference}"


def records_sql(contract: Contract) -> str:
    """SELECT every row of one extract linked to ``$person`` (``$source`` is the extract): staged, as
    received (every copy, superseded files included) and quarantined rows with the same record id;
    every value as text, columns named as in staging."""
    record_id = contract.column(contract.record_id)
    name = quote(contract.name)
    parts = []
    for layer, schema in LAYERS.items():
        if schema == "staging":
            key, values = (
                quote(record_id.staging_name),
                [
                    f"CAST(t.{quote(c.staging_name)} AS VARCHAR) AS {quote(c.staging_name)}"
                    for c in contract.columns
                ],
            )
        else:
            key, values = (
                quote(record_id.name),
                [f"t.{quote(c.name)} AS {quote(c.staging_name)}" for c in contract.columns],
            )
        reasons = (
            "array_to_string(list_transform(t.reasons, lambda r: r.rule || ': ' || r.message), '; ')"
            if schema == "quarantine"
            else "CAST(NULL AS VARCHAR)"
        )
        parts.append(
            f"SELECT '{layer}' AS layer, t.load_id, t.row_number, l.file_name AS file, l.extract_date, "
            f"l.status AS load_status, x.method AS linked_by, x.match_probability, {', '.join(values)}, "
            f"{reasons} AS quarantine_reasons FROM {schema}.{name} t JOIN meta.load l USING (load_id) "
            "JOIN link.xref x ON x.source = $source AND x.person_id = $person "
            f"AND x.source_record_id = t.{key}"
        )
    order = quote(record_id.staging_name)
    return " UNION ALL BY NAME ".join(parts) + f" ORDER BY {order}, load_id, layer DESC, row_number"


def _readable(lists: pl.DataFrame) -> pl.DataFrame:
    """Each list entry's explanation written out in columns a person can read (the JSON kept too)."""
    rows = []
    for row in lists.iter_rows(named=True):
        explained = json.loads(row["explanation"]) if row.get("explanation") else {}
        rows.append(
            {
                "rules met": "; ".join(f"{r['text']}: {r['reason']}" for r in explained.get("rules_met", [])),
                "raising risk": "; ".join(f["text"] for f in explained.get("raising", [])),
                "lowering risk": "; ".join(f["text"] for f in explained.get("lowering", [])),
                "safeguarding": "; ".join(explained.get("safeguarding", [])),
                "suggested pathways": "; ".join(p["name"] for p in explained.get("pathways", [])),
            }
        )
    written = pl.DataFrame(rows, schema=dict.fromkeys(
        ("rules met", "raising risk", "lowering risk", "safeguarding", "suggested pathways"), pl.String
    ))  # fmt: skip
    return pl.concat([lists, written], how="horizontal") if lists.height else lists.with_columns(
        pl.lit(None, pl.String).alias(c) for c in written.columns
    )  # fmt: skip


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
        con.begin()
        try:
            audit.record(con, actor, "subject_access", detail, at=at, **event)
            if out.exists():
                out.rmdir()  # empty (checked), and not a link (refused)
            partial.rename(out)
            placed = True
            con.commit()
        except BaseException:
            con.rollback()
            raise
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
