"""The model registry: candidates, one approved model at a time, retirement for good, every change audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.warehouse.connection import connect
from pipelines.warehouse.model_registry import (
    AlreadyInStatus,
    RegistryError,
    approved_model,
    history,
    models,
    register,
    set_status,
)

MONDAY = datetime(2026, 11, 23, 9, 0)
TUESDAY = datetime(2026, 11, 24, 9, 0)


def manifest(version: str, trained_at: str, auc: float = 0.8) -> dict[str, Any]:
    """The fields register() reads from a manifest."""
    return {
        "version": version,
        "content_hash": version * 4,
        "trained_at": trained_at,
        "split": {"train": ["2020-07-16", "2023-06-16"], "calibration": ["2024-06-16"], "test": "2025-11-16"},
        "evaluation": {"metrics": {"risk model": {"auc": auc, "ece": 0.01}}},
        "rules_version": "rules-abc",
        "code_version": "0123456789ab",
    }


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(tmp_path / "w.duckdb") as con:
        assert register(con, manifest("risk-a", "2026-11-20T10:00:00"), tmp_path / "risk-a", "trainer")
        assert register(con, manifest("risk-b", "2026-11-21T10:00:00", 0.82), tmp_path / "risk-b", "trainer")
        yield con


def statuses(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return {m.version: m.status for m in models(con)}


def audit(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return con.execute(
        "SELECT actor, action, detail FROM audit.event WHERE action LIKE 'model_%' ORDER BY event_id"
    ).fetchall()


def test_a_trained_model_is_recorded_once_as_a_candidate(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    assert not register(con, manifest("risk-a", "2026-11-22T10:00:00"), tmp_path / "elsewhere", "again")
    found = models(con)
    assert [m.version for m in found] == ["risk-b", "risk-a"]  # newest first
    a = found[1]
    assert (a.status, a.path, a.test_as_of, a.auc, a.ece) == (
        "candidate",
        tmp_path / "risk-a",
        date(2025, 11, 16),
        0.8,
        0.01,
    )
    assert a.trained_at == datetime(2026, 11, 20, 10)
    assert history(con, "risk-a") == [("candidate", "trainer", "trained", datetime(2026, 11, 20, 10))]
    assert approved_model(con) is None
    row = con.execute(
        "SELECT train_from, train_to, rules_version FROM scoring.model WHERE version = 'risk-a'"
    )
    assert row.fetchall() == [(date(2020, 7, 16), date(2023, 6, 16), "rules-abc")]


def test_approving_makes_a_model_the_one_in_use(con: duckdb.DuckDBPyConnection) -> None:
    changed = set_status(con, "risk-a", "approved", "Dr Lead", "beats the rules on the test window", MONDAY)
    assert changed == ("risk-a", [])
    approved = approved_model(con)
    assert approved is not None and approved.version == "risk-a"
    assert history(con, "risk-a")[-1] == ("approved", "Dr Lead", "beats the rules on the test window", MONDAY)


def test_approving_a_second_model_retires_the_first(con: duckdb.DuckDBPyConnection) -> None:
    set_status(con, "risk-a", "approved", "Dr Lead", "first", MONDAY)
    assert set_status(con, "risk-b", "approved", "Ms Chair", "better calibrated", TUESDAY) == (
        "risk-b",
        ["risk-a"],
    )
    assert statuses(con) == {"risk-a": "retired", "risk-b": "approved"}
    assert history(con, "risk-a") == [
        ("candidate", "trainer", "trained", datetime(2026, 11, 20, 10)),
        ("approved", "Dr Lead", "first", MONDAY),
        ("retired", "Ms Chair", "superseded by risk-b", TUESDAY),
    ]
    assert approved_model(con).version == "risk-b"  # type: ignore[union-attr]


def test_a_retired_model_stays_retired(con: duckdb.DuckDBPyConnection) -> None:
    set_status(con, "risk-a", "retired", "Dr Lead", "drifted", MONDAY)
    with pytest.raises(RegistryError, match="risk-a is retired and stays retired"):
        set_status(con, "risk-a", "approved", "Dr Lead", "second thoughts", TUESDAY)
    assert statuses(con)["risk-a"] == "retired"
    assert [s for s, *_ in history(con, "risk-a")] == ["candidate", "retired"]


@pytest.mark.parametrize(
    ("by", "reason"), [("", "fine"), ("Dr Lead", ""), ("  ", "fine"), ("Dr Lead", " \t")]
)
def test_a_change_needs_who_and_why(con: duckdb.DuckDBPyConnection, by: str, reason: str) -> None:
    before = audit(con)
    with pytest.raises(RegistryError, match=r"say who decides \(--by\) and why \(--reason\)"):
        set_status(con, "risk-a", "approved", by, reason, MONDAY)
    assert statuses(con)["risk-a"] == "candidate" and audit(con) == before


@pytest.mark.parametrize(
    ("version", "status", "message"),
    [
        ("risk-z", "approved", "no model 'risk-z'"),
        ("risk-a", "candidate", "status must be approved or retired"),
        ("risk-a", "deleted", "status must be approved or retired"),
    ],
)
def test_unknown_versions_and_statuses_are_refused(
    con: duckdb.DuckDBPyConnection, version: str, status: str, message: str
) -> None:
    with pytest.raises(RegistryError, match=message):
        set_status(con, version, status, "Dr Lead", "why", MONDAY)


def test_approving_an_approved_model_again_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    set_status(con, "risk-a", "approved", "Dr Lead", "first", MONDAY)
    with pytest.raises(AlreadyInStatus, match="risk-a is already approved"):
        set_status(con, "risk-a", "approved", "Dr Lead", "again", TUESDAY)
    assert statuses(con) == {"risk-a": "approved", "risk-b": "candidate"}


def test_every_change_is_in_the_history_and_the_audit_log(con: duckdb.DuckDBPyConnection) -> None:
    set_status(con, "risk-a", "approved", "Dr Lead", "first", MONDAY)
    set_status(con, "risk-b", "approved", "Ms Chair", "better", TUESDAY)
    set_status(con, "risk-b", "retired", "Ms Chair", "withdrawn", datetime(2026, 11, 25))
    assert [s for s, *_ in history(con, "risk-b")] == ["candidate", "approved", "retired"]
    assert audit(con) == [
        ("trainer", "model_candidate", "model risk-a: trained"),
        ("trainer", "model_candidate", "model risk-b: trained"),
        ("Dr Lead", "model_approved", "model risk-a: first"),
        ("Ms Chair", "model_retired", "model risk-a: superseded by risk-b"),
        ("Ms Chair", "model_approved", "model risk-b: better"),
        ("Ms Chair", "model_retired", "model risk-b: withdrawn"),
    ]
    assert approved_model(con) is None


def test_latest_is_the_model_trained_most_recently(con: duckdb.DuckDBPyConnection) -> None:
    assert set_status(con, "latest", "approved", "Dr Lead", "newest", MONDAY) == ("risk-b", [])
    assert statuses(con) == {"risk-a": "candidate", "risk-b": "approved"}


def test_latest_with_nothing_trained_is_refused(tmp_path: Path) -> None:
    with connect(tmp_path / "empty.duckdb") as con, pytest.raises(RegistryError, match="no model 'latest'"):
        set_status(con, "latest", "approved", "Dr Lead", "why", MONDAY)


def test_a_change_that_fails_part_way_leaves_nothing_half_done(con: duckdb.DuckDBPyConnection) -> None:
    set_status(con, "risk-a", "approved", "Dr Lead", "first", MONDAY)
    before = (statuses(con), history(con, "risk-a"), history(con, "risk-b"))
    # with the audit log unwritable, approving risk-b fails after risk-a was marked retired
    con.execute("ALTER TABLE audit.event RENAME TO event_away")
    with pytest.raises(duckdb.CatalogException):
        set_status(con, "risk-b", "approved", "Ms Chair", "better", TUESDAY)
    con.execute("ALTER TABLE audit.event_away RENAME TO event")
    assert (statuses(con), history(con, "risk-a"), history(con, "risk-b")) == before
