"""Take in: what people did in the review console (the operational store) → the warehouse.

Journal entries become audit events (the warehouse's hash chain); final and approved decisions are
stored through :func:`pipelines.weekly.decisions.record_decisions` with exactly the checks of a
workbook import, so they feed the next list the same way; identity pair decisions and completed model
approvals go through the functions the CLI uses. A row the warehouse refuses is marked taken with
the refusal as its outcome, which the app shows.

Idempotent: the warehouse records what it took (``audit.console_journal``,
``review.decision.console_decision_id``; pair decisions and approvals are recognised by who made them
and when), and the store marks rows taken only after the warehouse has committed, so a crash between
the two never loses or doubles anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

import duckdb
import polars as pl

from pipelines.link.pair_review import Decision, UnknownPair, record_decision
from pipelines.opstore import approvals, decisions, journal
from pipelines.opstore.decisions import DecisionRecord
from pipelines.opstore.engine import Store
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.model_registry import AlreadyInStatus, RegistryError, history, set_status
from pipelines.warehouse.queries import sql, transaction
from pipelines.weekly.decisions import (
    ROWS_SCHEMA,
    ListedRun,
    ReviewError,
    check_rows,
    listed_run,
    record_decisions,
)

log = logging.getLogger(__name__)
SOURCE = "the review console"
STORED = "stored in the warehouse"


class TakeInError(RuntimeError):
    """A journal entry the audit log cannot record (an unknown action, a consultation without purpose)."""


@dataclass(frozen=True)
class TakenIn:
    """What one take-in moved into the warehouse."""

    journal: int  # journal entries now in the audit log
    decisions: int  # console decisions stored in review.decision
    refused: int  # console decisions the warehouse refused (outcome kept in the store)
    pairs: int  # identity pair decisions recorded (or refused)
    approvals: int  # model approvals applied (or refused)


def take_in(con: duckdb.DuckDBPyConnection, store: Store, *, now: datetime) -> TakenIn:
    """Move everything the console recorded and the warehouse has not yet taken into the warehouse.

    Args:
        con: the warehouse (written).
        store: the operational store (rows marked taken once the warehouse has them).
        now: when (stamped on the journal entries taken; a decision is recorded as of when it was made
            in the console, so the rules see it from the next day, as they would a workbook's).

    Raises:
        TakeInError: a journal entry the audit log refuses; nothing of the journal is taken then.
    """
    entries = _take_journal(con, store, now=now)
    stored, refused = _take_decisions(con, store, now=now)
    pairs = _take_pairs(con, store, now=now)
    approved = _take_approvals(con, store, now=now)
    taken = TakenIn(entries, stored, refused, pairs, approved)
    log.info(
        "taken in from the console: %d journal entries, %d decisions (%d refused), %d pair decisions, "
        "%d model approvals", taken.journal, taken.decisions, taken.refused, taken.pairs, taken.approvals,
    )  # fmt: skip
    return taken


def _take_journal(con: duckdb.DuckDBPyConnection, store: Store, *, now: datetime) -> int:
    """Journal entries → audit events and audit.console_journal, in one warehouse transaction."""
    entries = journal.untaken(store)
    if not entries:
        return 0
    done = dict(con.execute(sql("console/journal_taken"), {"first": entries[0].seq}).fetchall())
    taken: list[tuple[int, int]] = []
    with transaction(con):
        for entry in entries:
            if entry.seq in done:
                taken.append((entry.seq, int(done[entry.seq])))
                continue
            actor = entry.actor if ":" in entry.actor else f"user:{entry.actor}"
            try:
                audit.record(
                    con, actor, entry.action,
                    f"{entry.detail} (console journal {entry.seq}, {entry.entry_hash[:16]})",
                    at=naive_utc(entry.occurred_at), purpose=entry.purpose, rows=entry.rows,
                )  # fmt: skip
            except ValueError as error:
                raise TakeInError(f"console journal entry {entry.seq} cannot be audited: {error}") from error
            (event_id,) = con.execute(sql("console/head_event")).fetchall()[0]
            con.execute(sql("console/record_journal"), [entry.seq, entry.entry_hash, event_id, now])
            taken.append((entry.seq, int(event_id)))
    journal.mark_taken(store, taken, now=now)
    return len(taken)


def _take_decisions(con: duckdb.DuckDBPyConnection, store: Store, *, now: datetime) -> tuple[int, int]:
    """Final and approved console decisions → review.decision, oldest first; (stored, refused)."""
    pending = sorted(decisions.untaken(store), key=lambda d: (naive_utc(d.made_at), d.decision_id))
    runs: dict[int, tuple[ListedRun, set[int]] | str] = {}
    outcomes: list[tuple[int, str]] = []
    for record in pending:
        outcome = _take_decision(con, record, runs)
        outcomes.append((record.decision_id, outcome))
        decisions.mark_taken(store, [outcomes[-1]], now=now)  # each as soon as the warehouse has it
    stored = sum(o == STORED for _, o in outcomes)
    return stored, len(outcomes) - stored


def _take_decision(
    con: duckdb.DuckDBPyConnection, record: DecisionRecord, runs: dict[int, tuple[ListedRun, set[int]] | str],
) -> str:  # fmt: skip
    """Store one console decision (unless it already is); the outcome to show in the console."""
    made_at = naive_utc(record.made_at)
    reviewer = record.made_by if not record.second_by else f"{record.made_by}, reviewed by {record.second_by}"
    wanted = {
        "console_id": record.decision_id, "run_id": record.run_id, "person_id": record.person_id,
        "decision": record.decision, "reason": record.reason, "reviewer": reviewer, "made_at": made_at,
    }  # fmt: skip
    if _mark_stored(con, wanted):
        return STORED
    if record.run_id not in runs:
        try:
            run = listed_run(con, record.run_id)
            listed = {int(p) for (p,) in con.execute(sql("weekly/listed_people"), [run.run_id]).fetchall()}
            runs[record.run_id] = (run, listed)
        except ReviewError as error:
            runs[record.run_id] = f"refused: {error}"
    found = runs[record.run_id]
    if isinstance(found, str):
        return found
    run, listed = found
    row = pl.DataFrame(
        [{"row": record.decision_id, "person_id": record.person_id, "decision": record.decision,
          "reason": record.reason, "reviewer": reviewer, "pathway": record.pathway, "decided_at": made_at}],
        schema=ROWS_SCHEMA,
    )  # fmt: skip
    usable, problems = check_rows(row, listed, run.run_id)
    if problems:
        return "refused: " + _without_row(problems[0])
    # recorded when it became final in the console, not when the sync ran: the rules see a decision from
    # the day after it was recorded, and one made on Tuesday must count in next Monday's list
    final_at = naive_utc(record.second_at) if record.second_at else made_at
    added, _, refused = record_decisions(
        con,
        run,
        usable,
        decided_on=made_at.date(),
        source=SOURCE,
        actor=f"user:{record.made_by}",
        now=final_at,
    )
    if refused:
        return "refused: " + _without_row(refused[0])
    if added and _mark_stored(con, wanted):
        return STORED
    return "not stored again: the same decision was already recorded for this person on this run"


def _mark_stored(con: duckdb.DuckDBPyConnection, wanted: dict[str, object]) -> bool:
    """True when the decision is in review.decision (then it carries the console decision's id)."""
    found = con.execute(sql("console/decision_taken"), wanted).fetchall()
    if not found:
        return False
    decision_id, console_id = found[0]
    if console_id is None:
        con.execute(
            sql("console/mark_decision"), {"console_id": wanted["console_id"], "decision_id": decision_id}
        )
    return True


def _without_row(problem: str) -> str:
    """A problem message without the workbook row it names (a console decision has no row)."""
    return problem.split(": ", 1)[1] if problem.startswith("row ") else problem


def _take_pairs(con: duckdb.DuckDBPyConnection, store: Store, *, now: datetime) -> int:
    """Console pair decisions → link.review_decision (applied from the next linkage run)."""
    outcomes: list[tuple[int, str]] = []
    for pair in approvals.untaken_pair_decisions(store):
        made_at = naive_utc(pair.made_at)
        if con.execute(sql("console/pair_decided"), [pair.made_by, made_at]).fetchall()[0][0]:
            outcomes.append((pair.decision_id, "recorded: applies from the next link run"))
            continue
        try:
            decision = cast(Decision, pair.decision)  # accept or reject: the store checked it
            record_decision(con, pair.pair_id, decision, pair.made_by, pair.reason, made_at)
            outcomes.append((pair.decision_id, "recorded: applies from the next link run"))
        except UnknownPair:
            outcomes.append(
                (pair.decision_id, "refused: the pair no longer awaits review (a link run settled it)")
            )
        except ValueError as error:
            outcomes.append((pair.decision_id, f"refused: {error}"))
    if outcomes:
        approvals.mark_pairs_taken(store, outcomes, now=now)
    return len(outcomes)


def _take_approvals(con: duckdb.DuckDBPyConnection, store: Store, *, now: datetime) -> int:
    """Completed console model approvals → scoring.model (by both approvers)."""
    outcomes: list[tuple[int, str]] = []
    for approval in approvals.untaken_model_approvals(store):
        if approval.state != "approved":
            continue
        by = " and ".join(b for b in (approval.first_by, approval.second_by) if b)
        at = naive_utc(approval.second_at or approval.first_at)
        try:
            set_status(con, approval.version, "approved", by, approval.reason, at)
            outcomes.append((approval.approval_id, "approved in the warehouse"))
        except AlreadyInStatus:
            ours = ("approved", by, approval.reason, at) in history(con, approval.version)
            outcomes.append(
                (approval.approval_id, "approved in the warehouse" if ours else "already approved")
            )
        except RegistryError as error:
            outcomes.append((approval.approval_id, f"refused: {error}"))
    if outcomes:
        approvals.mark_model_approvals_taken(store, outcomes, now=now)
    return len(outcomes)


def naive_utc(moment: datetime) -> datetime:
    """A time as the warehouse keeps it: UTC without a zone."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)
