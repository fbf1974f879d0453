"""Allocation on the small linked world: the commitment is committed before the draw and survives a run
that stops; verify makes every draw again and finds tampering; nobody is drawn twice; rolling entry
fills only the places freed; withdrawals are audited once; the allocation file's format."""

from __future__ import annotations

import csv
import stat
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from lists.trial_pool import CANDIDATE_SCHEMA, canonical_pool
from lists.trial_settings import load_trial_settings
from pipelines.cli import app
from pipelines.trial.allocate import nothing_to_draw, run_allocation
from pipelines.trial.allocate_pool import ALLOCATED_SCHEMA, with_people
from pipelines.trial.export import export_allocation
from pipelines.trial.refusals import TrialRefused
from pipelines.trial.verify import verify_allocations
from pipelines.trial.withdraw import record_withdrawal
from pipelines.warehouse.connection import connect
from pipelines.weekly.decisions import ROWS_SCHEMA, listed_run, record_decisions
from pipelines.weekly.run import run_weekly
from tests.warehouses import copy_warehouse, query

AS_OF = date(2026, 11, 16)
NEXT = date(2026, 11, 23)
DECIDED = datetime(2026, 11, 16, 8)
DRAWN = datetime(2026, 11, 16, 9)
SEED = bytes(range(32))


def listed_people(warehouse: Path, run_id: int) -> list[int]:
    return [
        p
        for (p,) in query(
            warehouse, "SELECT person_id FROM lists.entry WHERE run_id = ? ORDER BY rank", [run_id]
        )
    ]


def decide(
    warehouse: Path, run_id: int, people: Iterable[int], decision: str, at: datetime, on: date
) -> None:
    """Record the same decision on each person, as the panel would through the reviewers' route."""
    people = list(people)
    rows = pl.DataFrame(
        {
            "row": range(1, len(people) + 1), "person_id": people, "decision": [decision] * len(people),
            "reason": ["panel"] * len(people), "reviewer": ["panel"] * len(people),
            "pathway": [None] * len(people), "decided_at": [at] * len(people),
        }
    ).select(list(ROWS_SCHEMA)).cast(ROWS_SCHEMA)  # fmt: skip
    with connect(warehouse) as con:
        record_decisions(
            con, listed_run(con, run_id), rows, decided_on=on, source="test", actor="user:panel", now=at
        )


def settings_file(folder: Path, **changes: Any) -> Path:
    """The shipped trial settings with top-level changes, written to a file."""
    document = {**load_trial_settings().document, **changes}
    path = folder / "trial.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def actions(warehouse: Path) -> list[tuple[int, str]]:
    return [
        (int(i), a)
        for i, a in query(
            warehouse,
            "SELECT event_id, action FROM audit.event WHERE action LIKE 'trial_%' ORDER BY event_id",
        )
    ]


@pytest.fixture(scope="module")
def listed(linked: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The linked small world with the list for 16/11/2026 published on the rules alone, every listed
    person found suitable by the panel (do not write to it: copy it)."""
    warehouse = copy_warehouse(linked, tmp_path_factory.mktemp("trial"))
    result = run_weekly(warehouse, AS_OF, now=datetime(2026, 11, 16, 7, 30), by="tester")
    decide(warehouse, result.run_id, listed_people(warehouse, result.run_id), "accept", DECIDED, AS_OF)
    return warehouse


@pytest.fixture(scope="module")
def drawn(listed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``listed`` after one draw with SEED (do not write to it: copy it)."""
    warehouse = copy_warehouse(listed, tmp_path_factory.mktemp("drawn"))
    run_allocation(warehouse, AS_OF, now=DRAWN, by="tester", seed=SEED)
    return warehouse


def test_a_draw_allocates_the_suitable_into_equal_arms_by_stratum_with_their_records(drawn: Path) -> None:
    suitable = len(query(drawn, "SELECT DISTINCT person_id FROM review.decision WHERE decision = 'accept'"))
    assert suitable >= 10  # the small world lists enough people to draw from
    arms = dict(query(drawn, "SELECT arm, count(*) FROM trial.allocation GROUP BY arm"))
    assert arms["programme"] == arms["control"] and 2 * arms["programme"] >= suitable - 2  # odd ones wait
    by_stratum = query(
        drawn, "SELECT stratum, count(*) FILTER (arm = 'programme'), count(*) FILTER (arm = 'control') "
        "FROM trial.allocation GROUP BY stratum",
    )  # fmt: skip
    assert all(p == c for _, p, c in by_stratum) and {s.split(" | ")[1] for s, _, _ in by_stratum} == {"rule"}
    ((pool, size),) = query(drawn, "SELECT (SELECT count(*) FROM trial.pool), pool_size FROM trial.draw")
    assert pool == size == suitable
    # every allocation keeps every record its person held, as linkage had it at the draw
    missing = query(
        drawn, "SELECT count(*) FROM trial.allocation a JOIN link.xref x USING (person_id) "
        "LEFT JOIN trial.allocation_record r ON r.allocation_id = a.allocation_id AND r.source = x.source "
        "AND r.source_record_id = x.source_record_id WHERE r.allocation_id IS NULL",
    )  # fmt: skip
    assert missing == [(0,)]
    assert query(drawn, "SELECT DISTINCT allocated_on FROM trial.allocation") == [(AS_OF,)]


def test_the_commitment_is_committed_before_the_draw_and_a_stopped_run_leaves_it_abandoned(
    listed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = copy_warehouse(listed, tmp_path)

    def stop(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the run stopped between the commitment and the draw")

    with monkeypatch.context() as patched:
        patched.setattr("pipelines.trial.allocate.store_draw", stop)
        with pytest.raises(RuntimeError, match="stopped"):
            run_allocation(warehouse, AS_OF, now=DRAWN, by="tester", seed=SEED)
    # the commitment is in the log and the table although the draw never came
    assert [a for _, a in actions(warehouse)] == ["trial_commitment"]
    assert query(warehouse, "SELECT status FROM trial.commitment") == [("committed",)]
    assert query(warehouse, "SELECT count(*) FROM trial.draw") == [(0,)]

    later = run_allocation(warehouse, AS_OF, now=datetime(2026, 11, 16, 10), by="tester", seed=SEED)
    assert later.abandoned_commitments == 1 and later.draw_id == 1
    events = actions(warehouse)
    assert [a for _, a in events] == ["trial_commitment", "trial_abandoned", "trial_commitment", "trial_draw"]
    ((commitment, draw_event),) = query(
        warehouse, "SELECT commitment_event_id, draw_event_id FROM trial.draw"
    )
    assert (commitment, draw_event) == (events[2][0], events[3][0])
    assert query(warehouse, "SELECT status FROM trial.commitment ORDER BY commitment_event_id") == [
        ("abandoned",),
        ("drawn",),
    ]
    verified = verify_allocations(warehouse)
    assert verified.intact and verified.draws == 1 and len(verified.abandoned) == 1
    result = CliRunner().invoke(app, ["audit", "verify", "--warehouse", str(warehouse)])
    assert result.exit_code == 0 and "intact" in result.output, result.output


def test_verify_makes_every_draw_again_and_finds_a_changed_arm_pool_or_seed(
    drawn: Path, tmp_path: Path
) -> None:
    assert verify_allocations(drawn).intact
    cases = {
        "arm": "UPDATE trial.allocation SET arm = CASE arm WHEN 'programme' THEN 'control' "
        "ELSE 'programme' END WHERE allocation_id = 1",
        "pool": "DELETE FROM trial.pool WHERE position = (SELECT max(position) FROM trial.pool)",
        "seed": "UPDATE trial.draw SET seed = repeat('0', 64)",
    }
    found = {}
    for name, change in cases.items():
        warehouse = copy_warehouse(drawn, tmp_path / name)
        with duckdb.connect(str(warehouse)) as con:
            con.execute(change)
        result = verify_allocations(warehouse)
        assert not result.intact, name
        found[name] = " ".join(result.problems)
    assert "1 arms changed" in found["arm"]
    assert "does not hash to the committed pool hash" in found["pool"]
    assert "revealed seed does not hash" in found["seed"]


def test_a_person_allocated_before_is_found_through_their_records_under_a_new_person_id(
    drawn: Path, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(drawn, tmp_path)
    ((person,),) = query(warehouse, "SELECT person_id FROM trial.allocation WHERE allocation_id = 1")
    with duckdb.connect(str(warehouse)) as con:  # linkage moves the person's records to a new id
        con.execute("UPDATE link.xref SET person_id = 9999999 WHERE person_id = ?", [person])
        ids = pl.DataFrame({"person_id": [9999999, 8888888]})
        found = with_people(con, ids, "trial/already_allocated", ALLOCATED_SCHEMA)
    assert found["person_id"].to_list() == [9999999]


def test_rolling_entry_fills_only_the_places_freed_and_nobody_is_drawn_or_listed_twice(
    listed: Path, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(listed, tmp_path)
    small = settings_file(
        tmp_path,
        capacity=3,
        programme_weeks=4,
        pool={"routes": ["rule", "both", "model"], "waiting_weeks": 1},
    )
    first = run_allocation(warehouse, AS_OF, now=DRAWN, by="tester", seed=SEED, settings_file=small)
    assert first.places == 3 and first.arms == {"programme": 3, "control": 3}
    assert first.waiting == first.pool_size - 6
    with pytest.raises(TrialRefused, match="drew for the list of 16/11/2026 already"):
        run_allocation(warehouse, AS_OF, now=DRAWN, by="tester", seed=SEED, settings_file=small)

    allocated = dict(query(warehouse, "SELECT allocation_id, person_id FROM trial.allocation"))
    programme = [
        a for (a,) in query(warehouse, "SELECT allocation_id FROM trial.allocation WHERE arm = 'programme'")
    ]
    control = [p for (p,) in query(warehouse, "SELECT person_id FROM trial.allocation WHERE arm = 'control'")]
    record_withdrawal(
        warehouse, programme[0], date(2026, 11, 20), "moved away", now=datetime(2026, 11, 20, 9), by="tester"
    )
    # the controls' acceptance is set aside (a deferral), so the ones still eligible come back onto the list
    decide(warehouse, first_run(warehouse), control, "defer", datetime(2026, 11, 20, 9), date(2026, 11, 20))
    nxt = run_weekly(warehouse, NEXT, now=datetime(2026, 11, 23, 7), by="tester")
    relisted = set(listed_people(warehouse, nxt.run_id))
    # nobody allocated is put to the panel again while their acceptance holds, in either arm
    assert not relisted & (set(allocated.values()) - set(control))
    back = sorted(relisted & set(control))
    assert back, "at least one deferred control is eligible again"
    decide(warehouse, nxt.run_id, relisted, "accept", datetime(2026, 11, 23, 8), NEXT)

    second = run_allocation(
        warehouse, NEXT, now=datetime(2026, 11, 23, 9), by="tester", seed=SEED, settings_file=small
    )
    assert second.places == 1 and second.places_taken == 2  # one place freed by the withdrawal
    assert second.arms == {"programme": 1, "control": 1}
    assert second.refused_second_draw == len(back)  # accepted again after their allocation
    assert second.already_allocated == len(allocated) - len(back)  # allocated on the acceptance they hold
    people = query(
        warehouse, "SELECT person_id, count(*) FROM trial.allocation GROUP BY person_id HAVING count(*) > 1"
    )
    assert people == []
    assert verify_allocations(warehouse).intact


def first_run(warehouse: Path) -> int:
    return int(query(warehouse, "SELECT max(run_id) FROM lists.run WHERE as_of = ?", [AS_OF])[0][0])


def test_a_withdrawal_is_audited_keeps_the_arm_and_is_refused_a_second_time(
    drawn: Path, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(drawn, tmp_path)
    ((arm,),) = query(warehouse, "SELECT arm FROM trial.allocation WHERE allocation_id = 2")
    done = record_withdrawal(
        warehouse,
        2,
        date(2026, 11, 18),
        "  moved   out of the area ",
        now=datetime(2026, 11, 19, 9),
        by="caseworker",
    )
    stored = query(warehouse, "SELECT withdrawn_on, reason, recorded_by, event_id FROM trial.withdrawal")
    assert stored == [(date(2026, 11, 18), "moved out of the area", "caseworker", done.event_id)]
    ((action, actor, detail),) = query(
        warehouse, "SELECT action, actor, detail FROM audit.event WHERE event_id = ?", [done.event_id]
    )
    assert (action, actor) == ("trial_withdrawal", "user:caseworker") and "moved" not in detail
    assert query(warehouse, "SELECT arm FROM trial.allocation WHERE allocation_id = 2") == [(arm,)]
    refusals = [
        (2, date(2026, 11, 18), "again", "withdrawn already"),
        (3, date(2026, 11, 10), "early", "falls between the allocation"),
        (3, date(2026, 11, 25), "later", "falls between the allocation"),
        (999, date(2026, 11, 18), "unknown", "there is no allocation 999"),
        (3, date(2026, 11, 18), "   ", "say why"),
    ]
    for allocation, on, reason, message in refusals:
        with pytest.raises(TrialRefused, match=message):
            record_withdrawal(
                warehouse, allocation, on, reason, now=datetime(2026, 11, 19, 9), by="caseworker"
            )
    assert query(warehouse, "SELECT count(*) FROM trial.withdrawal") == [(1,)]


def test_the_allocation_file_has_one_row_per_record_held_iso_dates_and_is_owner_only(
    drawn: Path, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(drawn, tmp_path)
    record_withdrawal(
        warehouse, 1, date(2026, 11, 18), "declined support", now=datetime(2026, 11, 19, 9), by="t"
    )
    out = export_allocation(
        warehouse, tmp_path / "out" / "allocation.csv", now=datetime(2026, 11, 19, 10), by="t"
    )
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["allocation_id", "arm", "allocated_on", "withdrawn_on", "source", "source_record_id"]
    assert len(rows) - 1 == query(warehouse, "SELECT count(*) FROM trial.allocation_record")[0][0]
    assert {r[1] for r in rows[1:]} == {"programme", "control"} and {r[2] for r in rows[1:]} == {"2026-11-16"}
    assert {r[3] for r in rows[1:] if r[0] == "1"} == {"2026-11-18"}
    assert {r[3] for r in rows[1:] if r[0] != "1"} == {""}
    ((category, recipients, rows_recorded),) = query(
        warehouse, "SELECT category, recipients, rows FROM audit.event WHERE action = 'trial_export'"
    )
    assert category == "disclosure" and recipients and rows_recorded == len(rows) - 1


def test_the_commands_say_clearly_what_is_wrong_and_print_no_person(drawn: Path, tmp_path: Path) -> None:
    warehouse = copy_warehouse(drawn, tmp_path)
    runner = CliRunner(env={"COLUMNS": "200", "COHORT_NOW": "2026-11-23T10:00:00"})
    w = ("--warehouse", str(warehouse), "--by", "tester")

    missing = runner.invoke(app, ["trial", "allocate", "--as-of", "2026-11-23", *w])
    assert missing.exit_code == 1 and "no list is published for 23/11/2026" in missing.output
    bad = settings_file(tmp_path, capacity=0)
    invalid = runner.invoke(app, ["trial", "allocate", "--as-of", "2026-11-23", "--settings", str(bad), *w])
    assert (
        invalid.exit_code == 2
        and f"{bad}: capacity: 0 is less than the minimum of 1" in invalid.output.replace("\n", "")
    )
    seed = runner.invoke(app, ["trial", "allocate", "--as-of", "2026-11-23", "--seed", "abc", *w])
    assert seed.exit_code == 2 and "64 hex digits" in seed.output

    status = runner.invoke(app, ["trial", "status", "--warehouse", str(warehouse)])
    verified = runner.invoke(app, ["trial", "verify", "--warehouse", str(warehouse)])
    assert status.exit_code == 0 and verified.exit_code == 0 and "every draw verifies" in verified.output
    people = {str(p) for (p,) in query(warehouse, "SELECT person_id FROM trial.allocation")}
    words = set((status.output + verified.output + missing.output).replace("│", " ").split())
    assert not words & people


def test_no_draw_is_made_without_a_free_place_or_a_full_block_and_the_result_says_why() -> None:
    settings = load_trial_settings()
    pool = canonical_pool(
        pl.DataFrame([(1, 16, "rule", None), (2, 20, "rule", None)], schema=CANDIDATE_SCHEMA, orient="row"),
        settings,
    )
    assert nothing_to_draw(pool, 0, settings) == "no programme places are free (all 45 are held)"
    assert "nobody found suitable" in (nothing_to_draw(pool.clear(), 3, settings) or "")
    assert "no stratum has the 2 people a block of 1:1 needs; the 2 in the pool wait" in (
        nothing_to_draw(pool, 3, settings) or ""
    )
    assert nothing_to_draw(pool.with_columns(pl.lit("under 18 | rule").alias("stratum")), 3, settings) is None


def test_the_pool_takes_each_persons_latest_decision_recorded_by_the_draw(
    listed: Path, tmp_path: Path
) -> None:
    warehouse = copy_warehouse(listed, tmp_path)
    run_id = first_run(warehouse)
    people = listed_people(warehouse, run_id)
    # a decline the day after the list, before the draw: no longer suitable; one recorded after it: not yet
    decide(warehouse, run_id, people[:1], "decline", datetime(2026, 11, 17, 9), date(2026, 11, 17))
    decide(warehouse, run_id, people[1:2], "decline", datetime(2026, 11, 18, 12), date(2026, 11, 18))
    result = run_allocation(warehouse, AS_OF, now=datetime(2026, 11, 18, 10), by="tester", seed=SEED)
    pooled = {p for (p,) in query(warehouse, "SELECT person_id FROM trial.pool")}
    assert people[0] not in pooled and people[1] in pooled
    assert result.pool_size == len(people) - 1 == len(pooled)
    assert query(warehouse, "SELECT DISTINCT allocated_on FROM trial.allocation") == [(date(2026, 11, 18),)]
