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
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.queries import quote, sql, transaction

Decision = Literal["accept", "reject"]
SHOWN = ["forename", "middle_names", "surname", "dob", "sex", "postcode", "records", "sources"]


REVIEW_PURPOSE = "clerical review of uncertain identity matches (linkage quality)"
"""Why the queue and pairs are consulted, when the reviewer gives no reason of their own (s.62(3))."""


class UnknownPair(LookupError):
    """No pair in the review queue has that id."""


def open_pairs(
    con: duckdb.DuckDBPyConnection, limit: int, *, actor: str, purpose: str, now: datetime
) -> pl.DataFrame:
    """The queue, most likely match first: pair_id, match_probability and the two registrations.

    The consultation is recorded (who, why, how many pairs) before the queue is returned.

    Args:
        actor: who is looking (``reviewer:NAME``).
        purpose: why (s.62(3)); :data:`REVIEW_PURPOSE` unless the reviewer says otherwise.
        now: when.
    """
    queue = arrow_frame(con.sql(sql("link/review_queue"), params={"limit": int(limit)}).to_arrow_table())
    audit.record(
        con, actor, "link_review_queue", f"link review queue listed: {queue.height} pairs",
        purpose=purpose, rows=queue.height, at=now,
    )  # fmt: skip
    return queue


def side_by_side(
    con: duckdb.DuckDBPyConnection, pair_id: str, *, actor: str, purpose: str, now: datetime
) -> tuple[float, pl.DataFrame]:
    """One pair's probability and a table of its two registrations, field by field.

    Two people's details are consulted, so the consultation is recorded (who, why, which pair) before
    they are read; nothing is recorded for a pair not in the queue.

    Args:
        actor: who is looking (``reviewer:NAME``).
        purpose: why (s.62(3)).
        now: when.

    Raises:
        UnknownPair: if the pair is not in the queue.
    """
    found = con.execute(sql("link/review_pair"), [pair_id]).fetchall()
    if not found:
        raise UnknownPair(f"no pair {pair_id!r} in the review queue: `cohort link review` lists them")
    probability, left, right = found[0]
    audit.record(
        con, actor, "link_review_pair", f"pair {pair_id}: two registrations shown side by side for review",
        purpose=purpose, rows=2, at=now,
    )  # fmt: skip
    rows = {row[0]: row for row in con.execute(registrations_sql(SHOWN), [[left, right]]).fetchall()}
    return float(probability), _side_by_side(rows[left], rows[right])


def copy_pairs(
    con: duckdb.DuckDBPyConnection, pair_ids: list[str], *, actor: str, purpose: str, now: datetime
) -> dict[str, tuple[float, pl.DataFrame]]:
    """Many queued pairs at once, each as :func:`side_by_side` gives it (pairs no longer queued are
    left out), for copying into the review console, where each opening is journalled.

    One consultation is recorded for the batch (who, why, how many pairs) before anything is read,
    and the registrations are read in one query: the first copy after a full linkage run holds
    every queued pair (17,000 at force scale).
    """
    if not pair_ids:
        return {}
    audit.record(
        con, actor, "link_review_pair",
        f"{len(pair_ids)} pairs awaiting review: both registrations of each read, to copy them for review",
        purpose=purpose, rows=2 * len(pair_ids), at=now,
    )  # fmt: skip
    found = con.execute(sql("link/review_pairs"), [pair_ids]).fetchall()
    wanted = sorted({r for _, _, left, right in found for r in (left, right)})
    rows = {row[0]: row for row in con.execute(registrations_sql(SHOWN), [wanted]).fetchall()}
    return {
        pair_id: (float(probability), _side_by_side(rows[left], rows[right]))
        for pair_id, probability, left, right in found
    }


def _side_by_side(left: tuple[object, ...], right: tuple[object, ...]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "field": ["registration", *SHOWN],
            "left": [_text(v) for v in left],
            "right": [_text(v) for v in right],
        }
    )


def registrations_sql(fields: list[str]) -> str:
    """SELECT the registrations in a list (one ``?``) with the fields shown to a reviewer (a join, which
    DuckDB hashes, rather than a membership test per row)."""
    shown = ", ".join(f"r.{quote(field)}" for field in fields)
    return (
        f"SELECT r.registration, {shown} FROM link.registration r "
        "JOIN (SELECT unnest(?) AS registration) w ON w.registration = r.registration"
    )


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
    found = con.execute(sql("link/pair_registrations"), [pair_id]).fetchall()
    if not found:
        raise UnknownPair(f"no pair {pair_id!r} in the review queue: `cohort link review` lists them")
    left, right = found[0]
    with transaction(con):
        con.execute(
            sql("link/record_decision"), [left, right, decision, reviewer.strip(), reason.strip(), now]
        )
        con.execute(sql("link/dequeue_pair"), [pair_id])
        audit.record(
            con, f"reviewer:{reviewer.strip()}", "link_decision",
            f"pair {pair_id}: {decision} ({reason.strip()}); applies from the next link run",
            at=now,
        )  # fmt: skip
