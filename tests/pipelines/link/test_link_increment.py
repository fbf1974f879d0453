"""The weekly increment on the small world: the same people as a full relink, for a fraction of the pairs.

A warehouse is linked on every extract made before the world's last week; that week's extracts are
then ingested, and the warehouse is linked again as an increment and, in a copy, as a full relink.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from data_contracts.contract import load_contracts
from pipelines.cli import app
from pipelines.ingest.run import run_ingest
from pipelines.link.pair_review import open_pairs, record_decision
from pipelines.link.run import LinkResult, run_link
from tests.clock import test_clock
from tests.warehouses import copy_warehouse, query

World = tuple[Path, dict[str, object]]
LAST_WEEK = date(2026, 11, 10)
LINK_TABLES = ("link.registration", "link.person", "link.xref", "link.pair", "link.review_pair")


@pytest.fixture(scope="module")
def weeks(small_world: World, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(linked before the last week, the same with the last week ingested but not linked again)."""
    landing, folder = small_world[0] / "landing", tmp_path_factory.mktemp("weeks")
    staged = folder / "landing"
    staged.mkdir()
    contracts = load_contracts().values()

    def made(name: str) -> date:
        return next(d for c in contracts if (d := c.extract_date_of(name)) is not None)

    later = [p for p in landing.iterdir() if made(p.name) >= LAST_WEEK]
    assert later, "the small world should have extracts in its last week"
    for path in landing.iterdir():
        if path not in later:
            (staged / path.name).hardlink_to(path)  # a symlink would be refused
    linked = folder / "linked" / "warehouse.duckdb"
    linked.parent.mkdir()
    run_ingest(staged, linked, date(2026, 11, 16), clock=test_clock())
    run_link(linked, clock=test_clock())
    for path in later:
        (staged / path.name).hardlink_to(path)
    week = copy_warehouse(linked, folder / "week")
    run_ingest(staged, week, date(2026, 11, 16), clock=test_clock())
    return linked, week


def persons(warehouse: Path) -> set[frozenset[str]]:
    """The partition of registrations into people (person ids aside)."""
    rows = query(warehouse, "SELECT list(DISTINCT registration) FROM link.xref GROUP BY person_id")
    return {frozenset(registrations) for (registrations,) in rows}


def table(warehouse: Path, name: str) -> list[tuple[object, ...]]:
    return query(warehouse, f"SELECT * EXCLUDE (run_id) FROM {name} ORDER BY ALL")


def full_relink(warehouse: Path, tmp_path: Path) -> tuple[Path, LinkResult]:
    copy = copy_warehouse(warehouse, tmp_path / "full")
    return copy, run_link(copy, clock=test_clock(), full=True)


def test_an_increment_after_a_week_gives_the_people_and_queue_a_full_relink_gives(
    weeks: tuple[Path, Path], tmp_path: Path
) -> None:
    warehouse = copy_warehouse(weeks[1], tmp_path / "increment")
    before = {(a, b): (p, run) for a, b, p, _, run in query(warehouse, "SELECT * FROM link.pair")}
    result = run_link(warehouse, clock=test_clock())
    full, relinked = full_relink(weeks[1], tmp_path)
    assert result.increment and not relinked.increment and not result.trained
    assert result.registrations_changed > 0
    assert 0 < result.pairs_scored < relinked.pairs_scored / 10
    assert persons(warehouse) == persons(full)
    pairs = query(
        warehouse, "SELECT registration_l, registration_r, match_probability, run_id FROM link.pair"
    )
    assert {(a, b) for a, b, _, _ in pairs} == {(a, b) for a, b, *_ in table(full, "link.pair")}
    scored_now = [(a, b) for a, b, _, run in pairs if run == result.run_id]
    assert len(scored_now) == result.pairs_scored
    kept = [(a, b, p, run) for a, b, p, run in pairs if run != result.run_id]
    assert all(before[(a, b)] == (p, run) for a, b, p, run in kept)  # untouched pairs keep their scores
    queue = "SELECT pair_id, registration_l, registration_r FROM link.review_pair ORDER BY ALL"
    assert query(warehouse, queue) == query(full, queue)
    assert query(
        warehouse, f"SELECT increment, pairs_scored FROM link.run WHERE run_id = '{result.run_id}'"
    ) == [(True, result.pairs_scored)]


def test_a_run_with_nothing_new_scores_no_pairs_and_writes_no_rows(
    weeks: tuple[Path, Path], tmp_path: Path
) -> None:
    warehouse = copy_warehouse(weeks[0], tmp_path / "again")
    tables = {name: query(warehouse, f"SELECT * FROM {name} ORDER BY ALL") for name in LINK_TABLES}
    result = run_link(warehouse, clock=test_clock())
    assert result.increment
    assert (result.registrations_changed, result.pairs_scored, result.relinked) == (0, 0, 0)
    assert (result.rows_inserted, result.rows_deleted) == (0, 0)
    assert {name: query(warehouse, f"SELECT * FROM {name} ORDER BY ALL") for name in LINK_TABLES} == tables


def _one_record_registration_in_a_pair(warehouse: Path) -> tuple[str, str]:
    """A registration of one record without an identifier that is in a stored pair: (source, record id)."""
    key = query(
        warehouse,
        "SELECT p.registration_l FROM link.pair p "
        "JOIN link.registration g ON g.registration = p.registration_l WHERE g.records = 1 "
        "AND p.registration_l NOT SIMILAR TO '(pnc|upn|nhs):.*' ORDER BY ALL LIMIT 1",
    )[0][0]
    source, record_id = key.split(":", 1)
    return source, record_id


def _staged_where(source: str) -> tuple[str, str]:
    contract = load_contracts()[source]
    surname = next(c.staging_name for c in contract.columns if c.role == "surname")
    return surname, contract.column(contract.record_id).staging_name


def test_a_changed_registration_is_scored_again(weeks: tuple[Path, Path], tmp_path: Path) -> None:
    import duckdb

    warehouse = copy_warehouse(weeks[0], tmp_path / "changed")
    source, record_id = _one_record_registration_in_a_pair(warehouse)
    key = f"{source}:{record_id}"
    surname, record_column = _staged_where(source)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            f'UPDATE staging."{source}" SET "{surname}" = \'QUARTERMAINE\' WHERE "{record_column}" = ?',
            [record_id],
        )
    result = run_link(warehouse, clock=test_clock())
    full, _ = full_relink(warehouse, tmp_path)
    assert result.increment and result.registrations_changed == 1
    touching = (
        "SELECT * EXCLUDE (run_id) FROM link.pair WHERE ? IN (registration_l, registration_r) ORDER BY ALL"
    )
    assert query(warehouse, touching, [key]) == query(
        full, touching, [key]
    )  # scored as a full relink scores it
    runs = query(
        warehouse, "SELECT DISTINCT run_id FROM link.pair WHERE ? IN (registration_l, registration_r)", [key]
    )
    assert runs in ([], [(result.run_id,)])
    assert query(warehouse, "SELECT surname FROM link.registration WHERE registration = ?", [key]) == [
        ("QUARTERMAINE",)
    ]
    assert persons(warehouse) == persons(full)


def test_a_removed_registration_drops_its_pairs(weeks: tuple[Path, Path], tmp_path: Path) -> None:
    import duckdb

    warehouse = copy_warehouse(weeks[0], tmp_path / "removed")
    source, record_id = _one_record_registration_in_a_pair(warehouse)
    key = f"{source}:{record_id}"
    _, record_column = _staged_where(source)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f'DELETE FROM staging."{source}" WHERE "{record_column}" = ?', [record_id])
    result = run_link(warehouse, clock=test_clock())
    full, _ = full_relink(warehouse, tmp_path)
    assert result.increment and result.registrations_changed == 1 and result.pairs_scored == 0
    touching = "SELECT count(*) FROM link.pair WHERE ? IN (registration_l, registration_r)"
    assert query(warehouse, touching, [key]) == [(0,)]
    assert query(warehouse, "SELECT count(*) FROM link.registration WHERE registration = ?", [key]) == [(0,)]
    keys = "SELECT registration_l, registration_r FROM link.pair ORDER BY ALL"
    assert query(warehouse, keys) == query(full, keys)
    assert persons(warehouse) == persons(full)


def test_review_decisions_survive_an_increment(weeks: tuple[Path, Path], tmp_path: Path) -> None:
    import duckdb

    warehouse = copy_warehouse(weeks[1], tmp_path / "decided")
    with duckdb.connect(str(warehouse)) as con:
        queue = open_pairs(con, 2, actor="reviewer:A. Reviewer", purpose="test", now=test_clock()())
        assert queue.height == 2, "the small world should leave pairs for review"
        (accepted, _, a_left, a_right), (rejected, _, r_left, r_right) = queue.rows()
        record_decision(con, accepted, "accept", "A. Reviewer", "same school and address", test_clock()())
        record_decision(con, rejected, "reject", "A. Reviewer", "twins", test_clock()())
    result = run_link(warehouse, clock=test_clock())
    full, _ = full_relink(warehouse, tmp_path)
    assert result.increment
    person = dict(query(warehouse, "SELECT registration, any_value(person_id) FROM link.xref GROUP BY 1"))
    assert person[a_left] == person[a_right]
    queued = {p for (p,) in query(warehouse, "SELECT pair_id FROM link.review_pair")}
    assert accepted not in queued and rejected not in queued
    assert query(warehouse, f"SELECT DISTINCT method FROM link.xref WHERE registration = '{a_left}'") == [
        ("clerical",)
    ]
    assert persons(warehouse) == persons(full)


def test_cohort_link_says_which_run_it_was_and_full_forces_a_full_relink(
    weeks: tuple[Path, Path], tmp_path: Path
) -> None:
    warehouse = copy_warehouse(weeks[1], tmp_path / "cli")
    runner, where = CliRunner(env={"COLUMNS": "200"}), ["--warehouse", str(warehouse)]
    increment = runner.invoke(app, ["link", *where])
    assert increment.exit_code == 0, increment.output
    assert "increment" in increment.output and "pairs scored" in increment.output
    full = runner.invoke(app, ["link", "--full", *where])
    assert full.exit_code == 0, full.output
    assert "full relink" in full.output
    runs = query(warehouse, "SELECT increment, trained, pairs_scored, registrations_changed FROM link.run "
                            "ORDER BY started_at")  # fmt: skip
    (first, _, _, _), (was_increment, _, few, changed), (was_full, trained, every, unchanged) = runs
    assert (first, was_increment, was_full, trained) == (False, True, False, False)
    assert changed > 0 and unchanged == 0 and every > few
