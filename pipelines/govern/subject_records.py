"""What is held about one person, for a subject access export: who they are held as now (following
linkage merges), every extract row linked to them, the lists they were on or left, the decisions
about them, and who received their data."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import duckdb
import polars as pl

from data_contracts.contract import Contract, load_contracts
from pipelines.warehouse.event_frames import merged_ids_sql
from pipelines.warehouse.queries import quote, sql

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


def merged_people_sql() -> str:
    """SELECT (person_id, now_id) of every person id linkage has merged into another, as it stands now."""
    return f"WITH {merged_ids_sql(None)} SELECT person_id, now_id FROM merged"


def resolve_subject(con: duckdb.DuckDBPyConnection, person_id: int) -> Subject:
    """The person held under ``person_id`` now, following merges to the id their records carry.

    Raises:
        SubjectAccessError: nobody is held under that id and no merge leads from it.
    """
    merged = con.execute(merged_people_sql()).fetchall()
    now_id = dict(merged).get(person_id, person_id)
    if not con.execute(sql("govern/person_held"), [now_id]).fetchall():
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
    person = con.sql(sql("govern/subject_person"), params={"person": subject.person_id} | ids).pl()
    records = {}
    for name, contract in contracts.items():
        frame = con.sql(records_sql(contract), params={"person": subject.person_id, "source": name}).pl()
        if frame.height:
            records[name] = frame
    lists = con.sql(sql("govern/subject_lists"), params=ids).pl()
    decisions = con.sql(sql("govern/subject_decisions"), params=ids).pl()
    runs = sorted({int(r) for r in lists["run_id"]}) if lists.height else []
    disclosures = con.sql(
        sql("govern/subject_disclosures"),
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
