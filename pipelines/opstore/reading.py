"""What the review console shows of lists and people, read from the operational store: list runs and
pages, the changes between runs, and a person on a run (models, fairness, data health and identity
pairs are read by :mod:`pipelines.opstore.reading_governance`).

The read model (``rm_*``, published from the warehouse) is merged with what people have recorded in
the console and the warehouse has not yet taken in: for a person's decision, the latest by when it was
made wins. Filtering, sorting and paging happen in SQL (:mod:`pipelines.opstore.read_queries`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from pipelines.opstore import decisions
from pipelines.opstore import read_queries as q
from pipelines.opstore.engine import Store, read_connection
from pipelines.opstore.read_tables import (
    rm_entry,
    rm_refresh,
    rm_run,
)


@dataclass(frozen=True)
class RunSummary:
    """A published list run."""

    run_id: int
    as_of: date
    created_at: datetime
    status: str
    mode: str
    model_version: str | None
    model_approval: str | None
    entries: int
    within_capacity: int
    previous_run_id: int | None
    fairness_breaches: list[str]
    failed_checks: list[str]  # failed gates / stale sources the run was made despite


@dataclass(frozen=True)
class ListFilter:
    """The list page's filters (None: any)."""

    route: str | None = None
    band: str | None = None
    rule: str | None = None  # rule id
    change: str | None = None  # new | continuing
    pathway: str | None = None  # pathway id
    decided: bool | None = None  # any decision recorded (console or warehouse) on this run
    identity_review: bool | None = None
    search: str | None = None  # case-insensitive part of the name, or a person id (digits)


SORTS = ("rank", "probability", "age", "name", "change", "decision")


@dataclass(frozen=True)
class ListRow:
    """One entry as the list page shows it."""

    person_id: int
    name: str
    age: int
    rank: int
    within_capacity: bool
    route: str
    probability_text: str
    band: str | None
    change: str
    previous_rank: int | None
    rules: list[str]  # the rule texts met
    pathways: list[str]  # pathway names
    identity_review: bool
    decision: str | None
    decision_by: str | None
    decision_state: str | None


@dataclass(frozen=True)
class ListPage:
    """A page of a run's list."""

    run: RunSummary
    rows: list[ListRow]
    total: int
    page: int
    pages: int
    options: dict[str, list[tuple[str, str]]]  # filter name -> (value, label) present on this run


@dataclass(frozen=True)
class Changes:
    """How a run's list differs from the one before."""

    new: int
    continuing: int
    departures: list[tuple[str, int, str]]  # (name, previous rank, why)


@dataclass(frozen=True)
class Factor:
    """A model factor as an analyst reads it."""

    text: str
    source: str


@dataclass(frozen=True)
class PersonView:
    """One listed person on one run, with their history, decisions and pending identity pairs."""

    run_id: int
    person_id: int
    name: str
    dob: date | None
    age: int
    rank: int
    route: str
    probability_text: str
    band: str | None
    change: str
    previous_rank: int | None
    review_by: date
    rules_met: list[tuple[str, str]]  # (rule text, reason with facts)
    raising: list[Factor]
    lowering: list[Factor]
    safeguarding: list[str]
    pathways: list[tuple[str, str]]  # (name, because)
    identity_review: bool
    history: list[tuple[int, date, int, str, str | None, str]]  # (run, as_of, rank, route, band, change)
    decisions: list[
        tuple[datetime, str, str, str | None, str, str]
    ]  # (made_at, decision, reason, pathway, by, where)
    pending_pairs: list[str]
    version: int  # decisions.current_version(store, run_id, person_id)


def runs(store: Store) -> list[RunSummary]:
    """Every list run in the read model, newest first."""
    with read_connection(store) as conn:
        found = conn.execute(select(rm_run).order_by(rm_run.c.created_at.desc(), rm_run.c.run_id.desc()))
        return [_summary(row._mapping) for row in found]


def latest_run(store: Store) -> RunSummary | None:
    """The published run with the latest as_of (the newest made, if several), or None."""
    query = (
        select(rm_run)
        .where(rm_run.c.status == "published")
        .order_by(rm_run.c.as_of.desc(), rm_run.c.run_id.desc())
        .limit(1)
    )
    with read_connection(store) as conn:
        row = conn.execute(query).first()
    return _summary(row._mapping) if row else None


def refreshed(store: Store) -> tuple[datetime, str] | None:
    """When the read model was last published, and by whom or what."""
    with read_connection(store) as conn:
        row = conn.execute(select(rm_refresh.c.refreshed_at, rm_refresh.c.refreshed_by)).first()
    return (row[0], row[1]) if row else None


def list_page(
    store: Store, run_id: int, filters: ListFilter, *, sort: str = "rank", descending: bool = False,
    page: int = 1, per_page: int = 50,
) -> ListPage:  # fmt: skip
    """One page of a run's list, filtered and sorted.

    Raises:
        LookupError: no such run in the read model.
        ValueError: an unknown sort.
    """
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    console = decisions.latest_for_run(store, run_id)
    with read_connection(store) as conn:
        found = conn.execute(select(rm_run).where(rm_run.c.run_id == run_id)).first()
        if found is None:
            raise LookupError(f"no list run {run_id} in the console: run `cohort app sync`")
        wanted = q.filtered(run_id, filters, q.console_decided(console))
        total = q.count(conn, wanted)
        pages = max(1, -(-total // per_page))
        page = min(max(1, page), pages)
        entries = q.page_of(conn, wanted, run_id, sort, descending, page, per_page, console)
        tags = q.tags_of(conn, run_id, [e["person_id"] for e in entries])
        latest = q.latest_decisions(conn, run_id, [e["person_id"] for e in entries])
        options = q.options(conn, run_id)
    rows = [_list_row(e, tags, latest, console) for e in entries]
    return ListPage(_summary(found._mapping), rows, total, page, pages, options)


def changes(store: Store, run_id: int) -> Changes:
    """How many entries are new and continuing, and who left the list with this run."""
    with read_connection(store) as conn:
        counts, gone = q.changes(conn, run_id)
    return Changes(counts.get("new", 0), counts.get("continuing", 0), gone)


def names_and_ranks(store: Store, listed: list[tuple[int, int]]) -> dict[tuple[int, int], tuple[str, int]]:
    """Name and rank for each (run, person) on the list, in one read (a queue shows many at once);
    a pair not on its run's list is left out."""
    if not listed:
        return {}
    e = rm_entry.c
    wanted = set(listed)
    query = select(e.run_id, e.person_id, e.name, e.rank).where(
        e.run_id.in_({run for run, _ in wanted}), e.person_id.in_({person for _, person in wanted})
    )
    with read_connection(store) as conn:
        found = conn.execute(query).all()
    return {(run, person): (name, rank) for run, person, name, rank in found if (run, person) in wanted}


def person(store: Store, run_id: int, person_id: int) -> PersonView | None:
    """A listed person on a run, or None when they are not on it."""
    with read_connection(store) as conn:
        entry = q.entry(conn, run_id, person_id)
        if entry is None:
            return None
        history = q.history(conn, person_id)
        recorded = q.person_decisions(conn, person_id)
        pending = q.pairs_of(conn, person_id)
    explained = json.loads(entry["explanation"])
    console = decisions.for_person(store, person_id)
    return PersonView(
        run_id, person_id, entry["name"], entry["dob"], entry["age"], entry["rank"], entry["route"],
        entry["probability_text"], entry["band"], entry["change"], entry["previous_rank"], entry["review_by"],
        [(m["text"], m["reason"]) for m in explained.get("rules_met") or []],
        [Factor(f["text"], f["source"]) for f in explained.get("raising") or []],
        [Factor(f["text"], f["source"]) for f in explained.get("lowering") or []],
        list(explained.get("safeguarding") or []),
        [(p["name"], p["because"]) for p in explained.get("pathways") or []],
        bool(entry["identity_review"]), history, q.merged_decisions(recorded, console), pending,
        decisions.current_version(store, run_id, person_id),
    )  # fmt: skip


def _summary(row: q.Mapping) -> RunSummary:
    return RunSummary(
        row["run_id"], row["as_of"], row["created_at"], row["status"], row["mode"], row["model_version"],
        row["model_approval"], row["entries"], row["within_capacity"], row["previous_run_id"],
        json.loads(row["fairness_breaches"]), json.loads(row["failed_checks"]),
    )  # fmt: skip


def _list_row(
    entry: q.Mapping, tags: dict[int, tuple[list[str], list[str]]],
    latest: dict[int, tuple[datetime, str, str]], console: dict[int, decisions.DecisionRecord],
) -> ListRow:  # fmt: skip
    person_id = entry["person_id"]
    rules, pathways = tags.get(person_id, ([], []))
    decision, by, state = q.latest_decision(latest.get(person_id), console.get(person_id))
    return ListRow(
        person_id, entry["name"], entry["age"], entry["rank"], entry["within_capacity"], entry["route"],
        entry["probability_text"], entry["band"], entry["change"], entry["previous_rank"], rules, pathways,
        entry["identity_review"], decision, by, state,
    )  # fmt: skip
