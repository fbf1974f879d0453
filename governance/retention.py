"""The retention schedule (governance/retention.yaml): each class of record, how long it is kept, from
what date and why, checked against its schema and the data contracts.

Each class of record is kept ``keep_years`` after its date and erased once that date is before the
cutoff (the day ``keep_years`` years before the day the schedule is applied); erasing what is due is
pipelines/govern/retention.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from data_contracts.contract import Contract, load_contracts
from data_contracts.declarations import check_schema, declaration_text, parse_yaml

SCHEDULE_FILE = "governance/retention.yaml"
Kind = Literal["extracts", "lists", "decisions", "link_history"]
SINGLE_KINDS: tuple[Kind, ...] = ("lists", "decisions", "link_history")
"""Kinds declared by exactly one class each."""
MEASURED_FROM = {
    "event_date": "the record's event date (else its extract's date)",
    "list_as_of": "the list's reference date (as_of)",
    "decided_on": "the day the decision took effect",
    "replaced_at": "the day a later linkage run replaced it",
}


class RetentionError(ValueError):
    """The retention schedule breaks its schema or disagrees with the data contracts."""


@dataclass(frozen=True)
class RecordClass:
    """One class of record: what it covers, how long it is kept, from what date and why."""

    id: str
    kind: Kind
    description: str
    keep_years: int
    measured_from: str
    basis: str
    sources: tuple[str, ...] = ()
    event_dates: Mapping[str, str] | None = None  # source -> contract date column


@dataclass(frozen=True)
class Schedule:
    """The checked schedule."""

    status: str
    approved_by: str | None
    approved_on: str | None
    classes: tuple[RecordClass, ...]

    @property
    def approved(self) -> bool:
        return bool(self.approved_by and self.approved_on)


def parse_schedule(
    document: Any, file_name: str = SCHEDULE_FILE, contracts: Mapping[str, Contract] | None = None
) -> Schedule:
    """Check a schedule against its schema and the data contracts.

    Raises:
        RetentionError: naming the file, the field and what to do.
    """
    contracts = load_contracts() if contracts is None else contracts
    if isinstance(document, dict) and isinstance(document.get("approved_on"), date):
        document = document | {"approved_on": document["approved_on"].isoformat()}
    check_schema(document, file_name, ("governance", "retention.schema.json"), RetentionError)
    classes = tuple(_record_class(entry) for entry in document["classes"])
    problems = _problems(classes, contracts)
    if problems:
        raise RetentionError(f"{file_name}: " + "; ".join(problems))
    return Schedule(document["status"], document["approved_by"], document["approved_on"], classes)


def load_schedule(path: Path | None = None, contracts: Mapping[str, Contract] | None = None) -> Schedule:
    """The schedule in ``path`` (default: the one shipped in governance/)."""
    text, name = declaration_text("governance", "retention.yaml", path)
    document = parse_yaml(text, name, RetentionError, "not valid YAML")
    return parse_schedule(document, name, contracts)


def _record_class(entry: dict[str, Any]) -> RecordClass:
    return RecordClass(
        id=entry["id"], kind=entry["kind"], description=" ".join(entry["description"].split()),
        keep_years=entry["keep_years"], measured_from=entry["measured_from"],
        basis=" ".join(entry["basis"].split()), sources=tuple(entry.get("sources", ())),
        event_dates=dict(entry.get("event_dates", {})),
    )  # fmt: skip


def _problems(classes: tuple[RecordClass, ...], contracts: Mapping[str, Contract]) -> list[str]:
    problems: list[str] = []
    covered: dict[str, str] = {}
    ids = [c.id for c in classes]
    problems += [
        f"classes: id {i!r} is used twice; give each class its own id"
        for i in sorted(set(ids))
        if ids.count(i) > 1
    ]
    for index, record_class in enumerate(classes):
        where = f"classes/{index}"
        for source in record_class.sources:
            if source not in contracts:
                problems.append(
                    f"{where}/sources: {source!r} is not a data contract ({', '.join(contracts)})"
                )
            elif source in covered:
                problems.append(f"{where}/sources: {source!r} is already in class {covered[source]!r}")
            else:
                covered[source] = record_class.id
        for source, column in (record_class.event_dates or {}).items():
            contract = contracts.get(source)
            if source not in record_class.sources or contract is None:
                problems.append(f"{where}/event_dates/{source}: not one of this class's sources")
            elif column not in contract.column_names or contract.column(column).type != "date":
                problems.append(f"{where}/event_dates/{source}: {column!r} is not a date column of {source}")
    problems += [
        f"classes: data contract {source!r} has no retention class: add it to an extracts class's sources"
        for source in contracts
        if source not in covered
    ]
    for kind in SINGLE_KINDS:
        count = sum(c.kind == kind for c in classes)
        if count != 1:
            problems.append(f"classes: there must be exactly one class of kind {kind!r}, not {count}")
    years = {c.kind: c.keep_years for c in classes}
    if years.get("link_history", 0) < years.get("lists", 0):
        problems.append(
            "classes: linkage_history keep_years must be at least the published lists' keep_years, "
            "or a list still held could not be rebuilt with the identities it used"
        )
    return problems


def cutoff(as_of: date, years: int) -> date:
    """The day ``years`` years before ``as_of`` (29 February goes to 28 February)."""
    try:
        return as_of.replace(year=as_of.year - years)
    except ValueError:
        return as_of.replace(year=as_of.year - years, day=28)
