"""Analysts' decisions on a weekly list (`cohort review`): checked, stored in review.decision, audited.

Decisions come from the published workbook (`cohort review import WORKBOOK`) or the terminal
(`cohort review RUN_ID`). Every row is checked against the run's list; a row that cannot be used is
reported by its row number with what to do, and the others are kept. Importing the same workbook
again changes nothing: a decision identical to the person's latest one on that run is not repeated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from data_contracts.declarations import parse_yaml
from lists.entries import DECISIONS
from lists.settings import ListSettingsError, parse_list_settings
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.event_frames import Pinned, read_names
from pipelines.warehouse.queries import insert_frame, read_frame, sql, transaction
from pipelines.weekly.reviewed_workbook import REVIEWED_SCHEMA, read_reviewed_workbook
from pipelines.weekly.workbook import DECIDED_AT

PURPOSE = "review of the weekly consideration list"
MOMENT = "%d/%m/%Y %H:%M"
ROWS_SCHEMA = REVIEWED_SCHEMA
"""A decision row: the row it came from, the person, the decision, reason, reviewer, pathway and when
it was made."""


class ReviewError(ValueError):
    """A workbook or run that cannot be reviewed; the message says which and what to do."""


@dataclass(frozen=True)
class ReviewOutcome:
    """What an import or a terminal session recorded."""

    run_id: int
    added: int
    unchanged: int
    problems: list[str]  # one per row not used, naming the row and what to do


@dataclass(frozen=True)
class ListedRun:
    """A published run as a reviewer needs it."""

    run_id: int
    as_of: date
    pinned: Pinned
    membership_weeks: int
    list_check: str  # sha256 of its list.csv


def listed_run(con: duckdb.DuckDBPyConnection, run_id: int) -> ListedRun:
    """The run, or a ReviewError saying there is none."""
    found = con.execute(sql("weekly/review_run"), [run_id]).fetchall()
    if not found:
        raise ReviewError(f"there is no list run {run_id}: `cohort weekly runs` lists them")
    as_of, loads, link_run, until, parameters, files = found[0]
    where = f"list run {run_id}"
    settings = parse_list_settings(
        parse_yaml(json.loads(parameters)["list_settings"], where, error=ListSettingsError), where
    )
    return ListedRun(
        run_id, as_of, Pinned(tuple(loads), link_run, int(until)), settings.membership_weeks,
        json.loads(files).get("list.csv", ""),
    )  # fmt: skip


def check_rows(rows: pl.DataFrame, listed: set[int], run_id: int) -> tuple[pl.DataFrame, list[str]]:
    """Split decision rows (ROWS_SCHEMA) into those that can be stored and a message per other row."""
    problems: list[str] = []
    keep: list[int] = []
    seen: dict[int, int] = {}
    choices = ", ".join(DECISIONS)
    for index, row in enumerate(rows.iter_rows(named=True)):
        where = f"row {row['row']}"
        person = row["person_id"]
        if person is None or person not in listed:
            problems.append(
                f"{where}: person {person if person is not None else '(blank)'} is not on list run {run_id}; "
                "decide only on the people the list gives (do not add or change person ids)"
            )
        elif row["decision"] not in DECISIONS:
            said = f"'{row['decision']}'" if row["decision"] else "no decision"
            problems.append(f"{where}: {said}: the decision must be one of {choices}")
        elif not row["reason"]:
            problems.append(f"{where}: a {row['decision']} needs a reason: write it in the reason column")
        elif not row["reviewer"]:
            problems.append(f"{where}: say who decided: write your name in the reviewer column")
        elif person in seen:
            problems.append(
                f"{where}: person {person} is decided twice (rows {seen[person]} and {row['row']})"
            )
        else:
            seen[person] = row["row"]
            keep.append(index)
    return rows[keep], problems


def record_decisions(
    con: duckdb.DuckDBPyConnection, run: ListedRun, rows: pl.DataFrame, *, decided_on: date, source: str,
    actor: str, now: datetime,
) -> tuple[int, int, list[str]]:  # fmt: skip
    """Store checked rows (ROWS_SCHEMA) as decisions recorded at ``now``, in one transaction, one audit event.

    A row identical to the person's latest decision on this run is not stored again. A row made
    (``decided_at``) no later than that latest decision, and different from it, is refused: an older
    copy of a workbook never overwrites a newer decision. Each stored decision keeps the reviewer its
    row names and, as ``recorded_by``, the actor who recorded it. An acceptance ends the person's
    membership after the run's membership_weeks.

    Args:
        rows: checked rows; ``decided_at`` must be filled (when each decision was made).
        actor: who records them, "user:NAME".

    Returns:
        (decisions added, rows unchanged, one message per refused row naming the row, the person id
        and both decisions' times)
    """
    latest = read_frame(con, sql("weekly/latest_decisions"), LATEST_SCHEMA, {"run_id": int(run.run_id)})
    columns = ["person_id", "decision", "reason", "reviewer", "pathway"]
    new = rows.join(latest.select(columns), on=columns, how="anti", nulls_equal=True)
    against = new.join(latest.rename({c: f"{c}_then" for c in columns[1:]} | {"made_at": "made_then"}),
                       on="person_id", how="left")  # fmt: skip
    older = against.filter(pl.col("decided_at") <= pl.col("made_then"))
    problems = [
        f"row {r['row']}: person {r['person_id']}: this {r['decision']} (made {r['decided_at']:{MOMENT}}) "
        f"is not newer than the {r['decision_then']} already recorded (made {r['made_then']:{MOMENT}}), "
        "so it was not stored; import the newest copy of the workbook, or write when this decision was "
        f"made in the {DECIDED_AT!r} column if it is the later one"
        for r in older.iter_rows(named=True)
    ]
    new = new.join(older.select("row"), on="row", how="anti")
    if new.height == 0:
        return 0, rows.height - older.height, problems
    _store(con, run, new, decided_on=decided_on, source=source, actor=actor, now=now)
    return new.height, rows.height - new.height - older.height, problems


LATEST_SCHEMA = pl.Schema(
    {k: v for k, v in ROWS_SCHEMA.items() if k not in ("row", "decided_at")} | {"made_at": pl.Datetime("us")}
)


def _store(
    con: duckdb.DuckDBPyConnection, run: ListedRun, new: pl.DataFrame, *, decided_on: date, source: str,
    actor: str, now: datetime,
) -> None:  # fmt: skip
    """Insert the decisions and their audit event in one transaction."""
    end = decided_on + timedelta(weeks=run.membership_weeks)
    with transaction(con):
        first = int(con.execute(sql("weekly/next_decision_id")).fetchall()[0][0])
        stored = new.drop("row").rename({"decided_at": "made_at"}).with_row_index("decision_id", offset=first)
        stored = stored.with_columns(
            pl.col("decision_id").cast(pl.Int64),
            pl.lit(run.run_id).alias("run_id"),
            pl.lit(decided_on).alias("decided_on"),
            pl.lit(now).alias("recorded_at"),
            pl.lit(actor.removeprefix("user:")).alias("recorded_by"),
            pl.when(pl.col("decision") == "accept").then(pl.lit(end)).alias("cohort_end_date"),
        )
        insert_frame(con, "review.decision", stored)
        counts = ", ".join(f"{n} {d}" for d, n in sorted(new.group_by("decision").len().iter_rows()))
        audit.record(
            con, actor, "decision", f"list run {run.run_id}: {new.height} decisions from {source} ({counts})",
            purpose=PURPOSE, rows=new.height, at=now,
        )  # fmt: skip


def import_workbook(
    con: duckdb.DuckDBPyConnection, path: Path, *, decided_on: date, by: str, now: datetime
) -> ReviewOutcome:
    """Check a reviewed workbook against its run and store its decisions, recorded at ``now`` by ``by``.

    A row's decision is dated by its "decided at" cell, or else by when the workbook was made (its
    About sheet's created at); see :func:`record_decisions` for the rows refused as older.

    Raises:
        ReviewError: the workbook is not one cohort published, or not for a run in this warehouse,
            or it was changed so that it no longer matches its run.
        pipelines.weekly.reviewed_workbook.WorkbookError: the file cannot be read as a published workbook.
    """
    workbook = read_reviewed_workbook(path)
    run = listed_run(con, workbook.run_id)
    if workbook.list_check != run.list_check:
        raise ReviewError(
            f"{path.name}: its list check does not match list run {run.run_id} in this warehouse; import "
            "the workbook published for that run (or run `cohort weekly reproduce` to check the run)"
        )
    listed = {int(p) for (p,) in con.execute(sql("weekly/listed_people"), [run.run_id]).fetchall()}
    rows = workbook.rows.select(ROWS_SCHEMA.names()).cast(ROWS_SCHEMA)
    rows = rows.with_columns(pl.col("decided_at").fill_null(pl.lit(workbook.made_at, pl.Datetime("us"))))
    usable, problems = check_rows(rows, listed, run.run_id)
    added, unchanged, refused = record_decisions(
        con, run, usable, decided_on=decided_on, source=f"workbook {path.name}", actor=f"user:{by}", now=now
    )
    return ReviewOutcome(run.run_id, added, unchanged, problems + refused)


def review_cards(con: duckdb.DuckDBPyConnection, run: ListedRun) -> list[dict[str, Any]]:
    """The run's entries not yet decided on this run, in rank order, with name, date of birth (names
    repeat), whether an identity match awaits review, and explanation."""
    rows = con.execute(sql("weekly/review_cards"), [run.run_id, run.run_id]).fetchall()
    names = read_names(con, [r[0] for r in rows], run.pinned)
    name = dict(zip(names["person_id"].to_list(), names["name"].to_list(), strict=True))
    born = dict(zip(names["person_id"].to_list(), names["dob"].to_list(), strict=True))
    keys = (
        "person_id",
        "rank",
        "within_capacity",
        "route",
        "probability",
        "band",
        "age",
        "change",
        "review_by",
        "identity_review",
    )
    cards = []
    for row in rows:
        card: dict[str, Any] = dict(zip(keys, row[:-1], strict=True))
        card["name"] = name.get(row[0], "(no longer linked)")
        card["dob"] = born.get(row[0])
        card.update(json.loads(row[-1]))
        cards.append(card)
    return cards
