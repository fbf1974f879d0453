"""What the weekly run checks before it draws a list up: that its as_of is a day the warehouse can
speak for, that the latest ingest passed its gates and every source is fresh as of the list's as_of
(else it refuses unless told why to go on), and who on the list still has an identity match to review.
"""

from __future__ import annotations

import json
from datetime import date

import duckdb

from data_contracts.contract import Contract, load_contracts
from data_contracts.gates import freshness_gate
from lists.checks import RunChecks, failed_gate_lines, refusal
from pipelines.warehouse.event_frames import Pinned
from pipelines.warehouse.queries import sql


class AsOfRefused(ValueError):
    """The list's as_of is in the future or before any data (the CLI exits 2)."""


class GatesFailed(RuntimeError):
    """A gate failed or a source is stale, and no reason to go on was given (the CLI exits 1)."""

    def __init__(self, checks: RunChecks) -> None:
        self.checks = checks
        super().__init__(refusal(checks))


def check_as_of(con: duckdb.DuckDBPyConnection, as_of: date, today: date) -> None:
    """Refuse an as_of after ``today`` or before the earliest extract loaded.

    Raises:
        AsOfRefused: with the bound it broke and what to do.
    """
    if as_of > today:
        raise AsOfRefused(
            f"--as-of {as_of.isoformat()} is after today ({today.isoformat()}): a list cannot be drawn "
            "up for a day whose data have not arrived; give today or an earlier Monday"
        )
    earliest = con.execute(sql("lists/earliest_extract")).fetchall()[0][0]
    if earliest is not None and as_of < earliest:
        raise AsOfRefused(
            f"--as-of {as_of.isoformat()} is before the earliest extract in the warehouse "
            f"({earliest.isoformat()}): nothing was known then; give a date from {earliest.isoformat()} on"
        )


def read_checks(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    pinned: Pinned,
    override: str | None,
    contracts: dict[str, Contract] | None = None,
) -> RunChecks:
    """The latest ingest run's failed gates, the sources stale as of ``as_of`` among the pinned loads,
    the override (kept only when something needed it) and everyone with an identity match to review.

    Args:
        con: the warehouse.
        as_of: the list's reference date (freshness is judged against it).
        pinned: the loads the list reads.
        override: the reason given with --despite-failed-gates, if any.
        contracts: the contracts by source (default: the shipped ones).
    """
    latest = con.execute(sql("lists/latest_ingest_gates")).fetchall()
    ingest_run, gates = (latest[0][0], json.loads(latest[0][1])) if latest else (None, [])
    newest = dict(
        con.execute(
            sql("lists/newest_extracts_as_of"), {"load_ids": list(pinned.load_ids), "as_of": as_of}
        ).fetchall()
    )
    stale = tuple(
        f"{name}: {gate.message}"
        for name, contract in sorted((contracts or load_contracts()).items())
        if not (gate := freshness_gate(contract, newest.get(name), as_of)).passed
    )
    failed = failed_gate_lines(gates)
    awaiting = frozenset(int(p) for (p,) in con.execute(sql("lists/identity_review")).fetchall())
    reason = override.strip() if override and (failed or stale) else None
    return RunChecks(ingest_run, failed, stale, reason, awaiting)


def enforce(checks: RunChecks) -> None:
    """Refuse doubtful data unless a reason to go on was given.

    Raises:
        GatesFailed: a gate failed or a source is stale and there is no override.
    """
    if checks.doubtful and not checks.override:
        raise GatesFailed(checks)
