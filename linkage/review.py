"""Clerical review of uncertain pairs: what a reviewer sees, and recording what they decide.

A decision is kept by the pair of registrations it is about, so every later run honours it:
an accepted pair is linked whatever its score, a rejected pair never is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import duckdb
import polars as pl

from linkage.model import arrow_frame
from pipelines import audit

Decision = Literal["accept", "reject"]
SHOWN = ["forename", "middle_names", "surname", "dob", "sex", "postcode", "records", "sources"]


class UnknownPair(LookupError):
    """No pair in the review queue has that id."""


def open_pairs(con: duckdb.DuckDBPyConnection, limit: int) -> pl.DataFrame:
    """The queue, most likely match first: pair_id, match_probability and the two registrations."""
    return arrow_frame(
        con.sql(
            "SELECT pair_id, match_probability, registration_l, registration_r FROM link.review_pair "
            f"ORDER BY match_probability DESC, pair_id LIMIT {int(limit)}"
        ).to_arrow_table()
    )


def side_by_side(con: duckdb.DuckDBPyConnection, pair_id: str) -> tuple[float, pl.DataFrame]:
    """One pair's probability and a table of its two registrations, field by field.

    Raises:
        UnknownPair: if the pair is not in the queue.
    """
    found = con.execute(
        "SELECT match_probability, registration_l, registration_r FROM link.review_pair WHERE pair_id = ?",
        [pair_id],
    ).fetchall()
    if not found:
        raise UnknownPair(f"no pair {pair_id!r} in the review queue: `cohort link review` lists them")
    probability, left, right = found[0]
    rows = {
        row[0]: row
        for row in con.execute(
            f"SELECT registration, {', '.join(SHOWN)} FROM link.registration WHERE registration IN (?, ?)",
            [left, right],
        ).fetchall()
    }
    table = pl.DataFrame(
        {
            "field": ["registration", *SHOWN],
            "left": [_text(v) for v in rows[left]],
            "right": [_text(v) for v in rows[right]],
        }
    )
    return float(probability), table


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def record_decision(
    con: duckdb.DuckDBPyConnection, pair_id: str, decision: Decision, reviewer: str, reason: str,
    now: datetime,
) -> None:  # fmt: skip
    """Record a reviewer's decision on a queued pair, made at ``now`` (replacing any earlier one); audit it.

    Raises:
        UnknownPair: if the pair is not in the queue.
        ValueError: if the reviewer or reason is blank.
    """
    if not reviewer.strip() or not reason.strip():
        raise ValueError("a decision needs the reviewer's name and a reason")
    found = con.execute(
        "SELECT registration_l, registration_r FROM link.review_pair WHERE pair_id = ?", [pair_id]
    ).fetchall()
    if not found:
        raise UnknownPair(f"no pair {pair_id!r} in the review queue: `cohort link review` lists them")
    left, right = found[0]
    con.begin()
    try:
        con.execute(
            "INSERT OR REPLACE INTO link.review_decision VALUES (?, ?, ?, ?, ?, ?)",
            [left, right, decision, reviewer.strip(), reason.strip(), now],
        )
        con.execute("DELETE FROM link.review_pair WHERE pair_id = ?", [pair_id])
        audit.record(
            con, f"reviewer:{reviewer.strip()}", "link_decision",
            f"pair {pair_id}: {decision} ({reason.strip()}); applies from the next link run",
            at=now,
        )  # fmt: skip
        con.commit()
    except BaseException:
        con.rollback()
        raise
