"""What the review console shows the board and data engineers, read from the operational store: the
identity pairs awaiting review, models with their checks and approvals, fairness over time and the
data's health (lists and people: :mod:`pipelines.opstore.reading`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from pipelines.opstore import approvals
from pipelines.opstore.approvals import ModelApproval, PairDecision
from pipelines.opstore.engine import Store, read_connection
from pipelines.opstore.read_tables import (
    rm_gate,
    rm_ingest_run,
    rm_link_run,
    rm_model,
    rm_model_status,
    rm_pair,
    rm_pair_person,
    rm_refresh,
    rm_rejected,
    rm_run,
    rm_source,
)


@dataclass(frozen=True)
class PairView:
    """An identity pair awaiting clerical review."""

    pair_id: str
    match_probability: float
    queued_at: datetime | None
    fields: list[tuple[str, str, str]]  # (field, left, right) as `cohort link review PAIR` shows them
    decided: PairDecision | None  # a console decision awaiting the next link run
    people: tuple[int, ...] = ()  # the people the two registrations belong to now (pair only)


@dataclass(frozen=True)
class ModelView:
    """A trained model with its checks and history."""

    version: str
    status: str
    trained_at: datetime
    test_date: date | None
    auc: float | None
    ece: float | None
    breaches: list[str]
    unmet_targets: list[str]
    card_folder: str | None
    history: list[tuple[str, str, str, datetime]]  # (status, by, reason, at)
    approval: ModelApproval | None  # a console approval in progress


@dataclass(frozen=True)
class FairnessPoint:
    """Who one run listed, by group."""

    run_id: int
    as_of: date
    breaches: list[str]
    watch: list[str]
    shares: dict[str, dict[str, float]]  # dimension -> group -> share of the list


@dataclass(frozen=True)
class SourceHealth:
    """One source's loads."""

    source: str
    newest_extract: date | None
    stale: bool
    files: int
    rejected: int
    rows: int
    quarantined: int


@dataclass(frozen=True)
class DataHealth:
    """The data as the last publish found it."""

    refreshed_at: datetime | None
    sources: list[SourceHealth]
    gates: list[tuple[str, str | None, bool, str]]  # (gate, source, passed, message), latest ingest
    rejected_files: list[tuple[str, str, datetime, str]]  # (file name, source, received at, reason)
    ingest_runs: list[tuple[datetime, int, int, int]]  # (at, files loaded, files rejected, quarantined)
    link_runs: list[tuple[str, datetime, str]]  # (run id, at, status)


def pairs(store: Store) -> list[PairView]:
    """The identity pairs awaiting review, most likely match first (fields left empty)."""
    decided = {d.pair_id: d for d in approvals.untaken_pair_decisions(store)}
    query = select(rm_pair.c.pair_id, rm_pair.c.match_probability, rm_pair.c.queued_at).order_by(
        rm_pair.c.match_probability.desc(), rm_pair.c.pair_id
    )
    with read_connection(store) as conn:
        return [PairView(p, m, at, [], decided.get(p)) for p, m, at in conn.execute(query)]


def pair(store: Store, pair_id: str) -> PairView | None:
    """One pending pair with both sides' fields, or None."""
    with read_connection(store) as conn:
        row = conn.execute(select(rm_pair).where(rm_pair.c.pair_id == pair_id)).first()
        found = conn.execute(
            select(rm_pair_person.c.person_id)
            .where(rm_pair_person.c.pair_id == pair_id)
            .order_by(rm_pair_person.c.person_id)
        )
        people = tuple(int(person) for (person,) in found)
    if row is None:
        return None
    decided = next((d for d in approvals.untaken_pair_decisions(store) if d.pair_id == pair_id), None)
    fields = [(str(f), str(left), str(right)) for f, left, right in json.loads(row.fields)]
    return PairView(row.pair_id, row.match_probability, row.queued_at, fields, decided, people)


def models(store: Store) -> list[ModelView]:
    """Every model, newest trained first, with its checks, history and any console approval in progress."""
    open_approvals: dict[str, ModelApproval] = {}
    for approval in approvals.model_approvals(store):
        if approval.taken_at is None:
            open_approvals[approval.version] = approval
    with read_connection(store) as conn:
        found = conn.execute(select(rm_model).order_by(rm_model.c.trained_at.desc(), rm_model.c.version))
        statuses = conn.execute(
            select(rm_model_status).order_by(rm_model_status.c.version, rm_model_status.c.seq)
        )
        history: dict[str, list[tuple[str, str, str, datetime]]] = {}
        for s in statuses:
            history.setdefault(s.version, []).append((s.status, s.changed_by, s.reason, s.changed_at))
        return [
            ModelView(
                m.version,
                m.status,
                m.trained_at,
                m.test_date,
                m.auc,
                m.ece,
                json.loads(m.breaches),
                json.loads(m.unmet_targets),
                m.card_folder,
                history.get(m.version, []),
                open_approvals.get(m.version),
            )  # fmt: skip
            for m in found
        ]


def fairness_over_time(store: Store) -> list[FairnessPoint]:
    """Each published run's fairness audit, oldest as_of first (superseded runs left out)."""
    query = select(rm_run).where(rm_run.c.status == "published").order_by(rm_run.c.as_of, rm_run.c.run_id)
    with read_connection(store) as conn:
        return [
            FairnessPoint(
                r.run_id,
                r.as_of,
                json.loads(r.fairness_breaches),
                json.loads(r.fairness_watch),
                json.loads(r.fairness_shares),
            )  # fmt: skip
            for r in conn.execute(query)
        ]


def data_health(store: Store) -> DataHealth:
    """Sources, the latest ingest's gates, rejected files and recent runs, as last published."""
    with read_connection(store) as conn:
        at = conn.execute(select(rm_refresh.c.refreshed_at)).scalar()
        sources = [
            SourceHealth(s.source, s.newest_extract, s.stale, s.files, s.rejected, s.rows, s.quarantined)
            for s in conn.execute(select(rm_source).order_by(rm_source.c.source))
        ]
        gates = [
            (g.gate, g.source, g.passed, g.message)
            for g in conn.execute(select(rm_gate).order_by(rm_gate.c.seq))
        ]
        rejected = [
            (r.file_name, r.source or "", r.received_at, r.reason)
            for r in conn.execute(select(rm_rejected).order_by(rm_rejected.c.received_at.desc()))
        ]
        ingests = [
            (r.run_at, r.files_loaded, r.files_rejected, r.rows_quarantined)
            for r in conn.execute(select(rm_ingest_run).order_by(rm_ingest_run.c.run_at.desc()))
        ]
        links = [
            (r.run_id, r.run_at, r.status)
            for r in conn.execute(select(rm_link_run).order_by(rm_link_run.c.run_at.desc()))
        ]
    return DataHealth(at, sources, gates, rejected, ingests, links)
