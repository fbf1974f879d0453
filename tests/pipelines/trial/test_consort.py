"""The CONSORT flow on the small linked world: people on the published lists of the trial's period,
assessed, suitable and pooled are each counted once (a person listed under an id linkage has since
merged counts once), lists outside the period or superseded are left out; `cohort trial consort`
prints the flow and writes the diagram owner-only."""

from __future__ import annotations

import json
import stat
from datetime import date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.trial.consort import trial_consort
from pipelines.warehouse.connection import connect
from tests.pipelines.trial.test_evaluation import write_trial_rows
from tests.warehouses import copy_warehouse

OLD_ID = 990_001
"""An id linkage has since merged into the first allocated person."""


def list_run(con: object, run_id: int, as_of: date, status: str = "published") -> None:
    con.execute(  # type: ignore[attr-defined]
        "INSERT INTO lists.run (run_id, as_of, created_at, created_by, status, mode, load_ids, "
        "decisions_until, rules_version, rulebook, code_version, parameters, entries, within_capacity, "
        "folder, files) VALUES (?, ?, ?, 'tester', ?, 'rules alone', [], 0, 'r', '{}', 'c', '{}', 0, 0, "
        "'f', '{}')",
        [run_id, as_of, datetime(as_of.year, as_of.month, as_of.day, 7), status],
    )


def entries(con: object, run_id: int, people: list[int]) -> None:
    for rank, person in enumerate(people, start=1):
        con.execute(  # type: ignore[attr-defined]
            "INSERT INTO lists.entry (run_id, person_id, rank, within_capacity, route, age, change, "
            "review_by, explanation) VALUES (?, ?, ?, true, 'rule', 17, 'new', DATE '2026-01-01', '{}')",
            [run_id, person, rank],
        )


def decisions(con: object, run_id: int, people: list[int], decision: str, first_id: int) -> None:
    for offset, person in enumerate(people):
        con.execute(  # type: ignore[attr-defined]
            "INSERT INTO review.decision (decision_id, run_id, person_id, decision, reason, reviewer, "
            "decided_on, recorded_at) VALUES (?, ?, ?, ?, 'panel', 'panel', DATE '2025-03-01', "
            "TIMESTAMP '2025-03-01 10:00')",
            [first_id + offset, run_id, person, decision],
        )


@pytest.fixture(scope="module")
def listed(linked: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The linked small world with trial rows, and the lists, decisions and pool they came from."""
    warehouse = copy_warehouse(linked, tmp_path_factory.mktemp("consort"))
    rows = write_trial_rows(warehouse)
    first, second = (
        [a.person_id for a in rows if a.draw_id == 1],
        [a.person_id for a in rows if a.draw_id == 2],
    )
    with connect(warehouse) as con:
        taken = set(first + second + [a.person_id for a in rows])
        others = [
            int(p) for (p,) in con.execute("SELECT person_id FROM link.person ORDER BY person_id").fetchall()
            if p not in taken
        ][:26]  # fmt: skip
        list_run(con, 1, date(2025, 2, 24))
        entries(con, 1, first + others[:10] + [OLD_ID])
        list_run(con, 2, date(2025, 5, 26))
        entries(con, 2, second + others[10:15] + others[:3])
        list_run(con, 3, date(2024, 6, 3))  # before the trial's period
        entries(con, 3, others[15:22])
        list_run(con, 4, date(2025, 5, 26), "superseded")
        entries(con, 4, others[22:26])
        con.execute("INSERT INTO link.id_change VALUES ('r', 'merge', ?, ?, 1)", [OLD_ID, first[0]])
        decisions(con, 1, first, "accept", 1)
        decisions(con, 2, second, "accept", 100)
        decisions(con, 1, others[:6], "decline", 200)
        decisions(con, 2, others[10:12], "defer", 300)
        decisions(con, 1, [OLD_ID], "defer", 400)  # the same person as first[0]
        for position, person in enumerate([*first, others[0], others[1]]):
            con.execute(
                "INSERT INTO trial.pool VALUES (1, ?, ?, 'under 18 | rule', NULL)", [position, person]
            )
    return warehouse


def test_each_stage_counts_people_once(listed: Path) -> None:
    flow = trial_consort(listed, 12)
    counts = {box["key"]: box["count"] for box in flow["enrolment"]}
    # 20 + 10 on the first list (the old id is the first allocated person), 20 + 5 new on the second
    assert counts == {"eligible": 55, "assessed": 48, "suitable": 40, "pooled": 22}
    assert flow["never_drawn"] == 2 and flow["randomised"] == 59 and flow["tie_breaker"] == 1
    programme, control = flow["arms"]
    assert (programme["allocated"], programme["analysed"], control["allocated"], control["analysed"]) == (
        29, 19, 30, 20,
    )  # fmt: skip
    waiting = {item["key"]: item["count"] for item in programme["follow_up"]}
    assert waiting["not_yet_followed_up"] == 10 and waiting["withdrawn"] == 1


def test_the_command_prints_the_flow_and_writes_the_diagram(listed: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["trial", "consort", "--follow-up-months", "12", "--warehouse", str(listed), "--out", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert "On a published list (eligible): 55" in result.output
    assert "Randomised: 59" in result.output
    page = tmp_path / "consort-12m.html"
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    text = page.read_text()
    assert "In a draw&#39;s pool" in text and "<strong>22</strong>" in text
    assert json.dumps(trial_consort(listed, 6)["follow_up_months"]) == "6"
