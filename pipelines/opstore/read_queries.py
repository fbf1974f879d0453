"""The read model's queries behind :mod:`pipelines.opstore.reading`: filters, sorts and pages in SQL
(SQLAlchemy Core, for SQLite and PostgreSQL alike), and merging console decisions with the warehouse's."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Connection, RowMapping, Select, exists, func, not_, or_, select

from pipelines.opstore.decisions import DecisionRecord
from pipelines.opstore.read_tables import (
    rm_decision,
    rm_departure,
    rm_entry,
    rm_entry_tag,
    rm_pair_person,
    rm_run,
)

Mapping = RowMapping
WAREHOUSE = "workbook or terminal"
NOT_DECIDED = "refused"
"""A console decision a second reviewer refused is no decision: the one before it stands."""


class Filters(Protocol):
    """The list page's filters (pipelines.opstore.reading.ListFilter)."""

    @property
    def route(self) -> str | None: ...
    @property
    def band(self) -> str | None: ...
    @property
    def rule(self) -> str | None: ...
    @property
    def change(self) -> str | None: ...
    @property
    def pathway(self) -> str | None: ...
    @property
    def decided(self) -> bool | None: ...
    @property
    def identity_review(self) -> bool | None: ...
    @property
    def search(self) -> str | None: ...


def filtered(run_id: int, filters: Filters, console_decided: set[int]) -> list[ColumnElement[bool]]:
    """The conditions on rm_entry that the filters ask for."""
    e = rm_entry.c
    where: list[ColumnElement[bool]] = [e.run_id == run_id]
    for column, value in ((e.route, filters.route), (e.band, filters.band), (e.change, filters.change)):
        if value is not None:
            where.append(column == value)
    if filters.identity_review is not None:
        where.append(e.identity_review == filters.identity_review)
    for kind, value in (("rule", filters.rule), ("pathway", filters.pathway)):
        if value is not None:
            t = rm_entry_tag.c
            tagged = select(t.person_id).where(t.run_id == run_id, t.kind == kind, t.value == value)
            where.append(e.person_id.in_(tagged))
    if filters.decided is not None:
        d = rm_decision.c
        recorded = exists().where(d.run_id == run_id, d.person_id == e.person_id)
        decided = or_(recorded, e.person_id.in_(sorted(console_decided))) if console_decided else recorded
        where.append(decided if filters.decided else not_(decided))
    term = (filters.search or "").strip()
    if term:
        if term.isdigit():
            where.append(e.person_id == int(term))
        else:
            where.append(e.name_folded.contains(term.casefold(), autoescape=True))
    return where


def count(conn: Connection, where: list[ColumnElement[bool]]) -> int:
    """How many entries meet the conditions."""
    return int(conn.execute(select(func.count()).select_from(rm_entry).where(*where)).scalar_one())


def page_of(
    conn: Connection, where: list[ColumnElement[bool]], run_id: int, sort: str, descending: bool, page: int,
    per_page: int, console: dict[int, DecisionRecord],
) -> list[Mapping]:  # fmt: skip
    """One page of the entries meeting the conditions, in the order asked for (rank breaks ties)."""
    e = rm_entry.c
    if sort == "decision":  # console and warehouse decisions merged: ordered here, not in SQL
        ranked = conn.execute(select(e.person_id, e.rank).where(*where)).all()
        latest = latest_decisions(conn, run_id, None)
        keyed = sorted(
            ranked,
            key=lambda r: (latest_decision(latest.get(r[0]), console.get(r[0]))[0] or "", r[1]),
            reverse=descending,
        )
        chosen = [p for p, _ in keyed[(page - 1) * per_page : page * per_page]]
        rows = {
            r.person_id: r._mapping
            for r in conn.execute(select(rm_entry).where(*where, e.person_id.in_(chosen)))
        }
        return [rows[p] for p in chosen]
    column = {"rank": e.rank, "probability": e.probability, "age": e.age, "name": e.name_folded,
              "change": e.change}[sort]  # fmt: skip
    order = [column.desc().nulls_last() if descending else column.asc().nulls_last(), e.rank]
    query: Select[Any] = select(rm_entry).where(*where).order_by(*order)
    return [r._mapping for r in conn.execute(query.limit(per_page).offset((page - 1) * per_page))]


def tags_of(conn: Connection, run_id: int, people: list[int]) -> dict[int, tuple[list[str], list[str]]]:
    """person_id -> (rule texts met, pathway names), for the people given."""
    t = rm_entry_tag.c
    found: dict[int, tuple[list[str], list[str]]] = {p: ([], []) for p in people}
    query = select(t.person_id, t.kind, t.label).where(t.run_id == run_id, t.person_id.in_(people))
    for person_id, kind, label in conn.execute(query):
        found[person_id][0 if kind == "rule" else 1].append(label)
    return found


def latest_decisions(
    conn: Connection, run_id: int, people: Iterable[int] | None
) -> dict[int, tuple[datetime, str, str]]:
    """person_id -> the warehouse's latest decision on the run: (made at, decision, reviewer)."""
    d = rm_decision.c
    query = select(d.person_id, d.made_at, d.decision, d.reviewer).where(d.run_id == run_id)
    if people is not None:
        query = query.where(d.person_id.in_(list(people)))
    latest: dict[int, tuple[datetime, str, str]] = {}
    for person_id, made_at, decision, reviewer in conn.execute(query.order_by(d.made_at, d.decision_id)):
        latest[person_id] = (made_at, decision, reviewer)
    return latest


def latest_decision(
    recorded: tuple[datetime, str, str] | None, console: DecisionRecord | None
) -> tuple[str | None, str | None, str | None]:
    """(decision, by, state) of whichever was made last; the console's wins a tie (it has a state)."""
    if console is not None and console.state == NOT_DECIDED:
        console = None
    if console is not None and (recorded is None or naive(console.made_at) >= naive(recorded[0])):
        return console.decision, console.made_by, console.state
    if recorded is not None:
        return recorded[1], recorded[2], "recorded"
    return None, None, None


def console_decided(console: dict[int, DecisionRecord]) -> set[int]:
    """The people with a console decision that counts (not refused by a second reviewer)."""
    return {p for p, d in console.items() if d.state != NOT_DECIDED}


def options(conn: Connection, run_id: int) -> dict[str, list[tuple[str, str]]]:
    """The filter choices present on a run: filter name -> (value, label)."""
    e, t = rm_entry.c, rm_entry_tag.c
    found: dict[str, list[tuple[str, str]]] = {}
    for name, column in (("route", e.route), ("band", e.band), ("change", e.change)):
        values = conn.execute(
            select(column).where(e.run_id == run_id, column.is_not(None)).distinct()
        ).scalars()
        found[name] = [(v, v) for v in sorted(values)]
    for kind in ("rule", "pathway"):
        query = select(t.value, t.label).where(t.run_id == run_id, t.kind == kind).distinct()
        found[kind] = sorted(((v, label) for v, label in conn.execute(query)), key=lambda o: o[1])
    found["decided"] = [("yes", "decided"), ("no", "not decided")]
    found["identity_review"] = [("yes", "identity match to review"), ("no", "no identity match to review")]
    return found


def changes(conn: Connection, run_id: int) -> tuple[dict[str, int], list[tuple[str, int, str]]]:
    """Entries by change, and the departures (name, previous rank, why) in previous rank order."""
    e, d = rm_entry.c, rm_departure.c
    query = select(e.change, func.count()).where(e.run_id == run_id).group_by(e.change)
    counts = {str(change): int(n) for change, n in conn.execute(query)}
    gone = conn.execute(
        select(d.name, d.previous_rank, d.why).where(d.run_id == run_id).order_by(d.previous_rank)
    )
    return counts, [(n, r, w) for n, r, w in gone]


def entry(conn: Connection, run_id: int, person_id: int) -> Mapping | None:
    """One entry, or None."""
    e = rm_entry.c
    row = conn.execute(select(rm_entry).where(e.run_id == run_id, e.person_id == person_id)).first()
    return row._mapping if row else None


def history(conn: Connection, person_id: int) -> list[tuple[Any, ...]]:
    """The person's entries on every run: (run, as_of, rank, route, band, change), newest first."""
    e, r = rm_entry.c, rm_run.c
    query = (
        select(e.run_id, r.as_of, e.rank, e.route, e.band, e.change)
        .join(rm_run, r.run_id == e.run_id)
        .where(e.person_id == person_id)
        .order_by(r.as_of.desc(), e.run_id.desc())
    )
    return [tuple(row) for row in conn.execute(query)]


def person_decisions(conn: Connection, person_id: int) -> list[Mapping]:
    """The warehouse's decisions on the person, on any run."""
    d = rm_decision.c
    return [r._mapping for r in conn.execute(select(rm_decision).where(d.person_id == person_id))]


def pairs_of(conn: Connection, person_id: int) -> list[str]:
    """The pending identity pairs involving the person."""
    p = rm_pair_person.c
    return list(conn.execute(select(p.pair_id).where(p.person_id == person_id).order_by(p.pair_id)).scalars())


def merged_decisions(
    recorded: list[Mapping], console: list[DecisionRecord]
) -> list[tuple[datetime, str, str, str | None, str, str]]:
    """(made at, decision, reason, pathway, by, where) newest first; a console decision the warehouse
    has taken in is shown once, as the console's (with its state)."""
    shown = {d.decision_id for d in console}
    merged = [
        (naive(d.made_at), d.decision, d.reason, d.pathway, d.made_by, f"console ({d.state})")
        for d in console
    ]
    merged += [
        (r["made_at"], r["decision"], r["reason"], r["pathway"], r["reviewer"],
         "console" if r["console_decision_id"] is not None else WAREHOUSE)
        for r in recorded
        if r["console_decision_id"] not in shown
    ]  # fmt: skip
    return sorted(merged, key=lambda m: m[0], reverse=True)


def naive(moment: datetime) -> datetime:
    """A time as UTC without a zone (the read model's times are kept so)."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)
