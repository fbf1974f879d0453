"""The evaluation on the small linked world, with trial rows written straight into a copy of its
warehouse: the files are written owner-only and name no one, the counts match the allocations, one
person's outcomes equal a count made directly from staging, the data cut is respected, and the
evaluation is recorded in the audit log."""

from __future__ import annotations

import hashlib
import json
import stat
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.trial.evaluate import EvaluationResult, evaluate_trial
from pipelines.trial.evaluate_files import PERSON_COLUMNS
from pipelines.trial.outcomes import EvaluationRefused, read_allocations
from pipelines.warehouse.audit_chain import checkpoint_path
from pipelines.warehouse.connection import connect
from pipelines.weekly.publish import load_or_create_key, pseudonym
from tests.warehouses import copy_warehouse, query

NOW = datetime(2026, 11, 20, 10)
DRAWS = {1: date(2025, 3, 3), 2: date(2025, 6, 2), 3: date(2026, 6, 1)}
"""Draws 1 and 2 are followed up for 12 months by the small world's end (16/11/2026); draw 3 is not."""
PER_DRAW = 20
STRATA = ("under 18 | rule", "18 and over | rule")


@dataclass(frozen=True)
class Allocated:
    allocation_id: int
    person_id: int
    draw_id: int
    stratum: str
    arm: str
    randomised: bool
    allocated_on: date


def write_trial_rows(warehouse: Path) -> list[Allocated]:
    """Allocate the 60 people with the most police occurrence records, alternately to each arm within
    each stratum of each draw (allocation 1 is the tie-breaker's); withdraw allocation 3."""
    rows = []
    with connect(warehouse) as con:
        people = [
            int(p)
            for (p,) in con.execute(
                "SELECT person_id FROM link.xref WHERE source = 'police_occurrences' GROUP BY person_id "
                "ORDER BY count(*) DESC, person_id LIMIT ?",
                [PER_DRAW * len(DRAWS)],
            ).fetchall()
        ]
        for draw_id, on in DRAWS.items():
            con.execute(
                "INSERT INTO trial.draw VALUES (?, 'test trial', ?, NULL, NULL, 'h', ?, 45, ?, 'p', 's', 1, "
                "NULL, ?, 'tester', 2)",
                [draw_id, on, json.dumps({"pool": {"waiting_weeks": 8}}), PER_DRAW,
                 datetime(on.year, on.month, on.day, 9)],
            )  # fmt: skip
        for index, person in enumerate(people):
            draw_id = 1 + index // PER_DRAW
            stratum = STRATA[(index // 2) % 2]
            randomised = index != 0
            arm = "programme" if index % 2 == 0 or not randomised else "control"
            allocated = Allocated(index + 1, person, draw_id, stratum, arm, randomised, DRAWS[draw_id])
            con.execute(
                "INSERT INTO trial.allocation VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [allocated.allocation_id, draw_id, person, stratum, arm, 0.5 if randomised else 1.0,
                 randomised, allocated.allocated_on],
            )  # fmt: skip
            con.execute(
                "INSERT INTO trial.allocation_record SELECT ?, source, source_record_id FROM link.xref "
                "WHERE person_id = ?",
                [allocated.allocation_id, person],
            )
            rows.append(allocated)
        con.execute(
            "INSERT INTO trial.withdrawal VALUES (3, DATE '2025-05-01', 'moved school', 'tester', "
            "TIMESTAMP '2025-05-01 10:00', 1)"
        )
    return rows


@pytest.fixture(scope="module")
def allocated(linked: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Allocated]]:
    """The linked small world with the trial rows (do not write to it: copy it)."""
    warehouse = copy_warehouse(linked, tmp_path_factory.mktemp("allocated"))
    return warehouse, write_trial_rows(warehouse)


@dataclass(frozen=True)
class Evaluated:
    warehouse: Path
    rows: list[Allocated]
    result: EvaluationResult
    key: bytes


@pytest.fixture(scope="module")
def evaluated(allocated: tuple[Path, list[Allocated]], tmp_path_factory: pytest.TempPathFactory) -> Evaluated:
    folder = tmp_path_factory.mktemp("evaluated")
    warehouse = copy_warehouse(allocated[0], folder)
    key_file = folder / "secrets" / "pseudonym.key"
    result = evaluate_trial(warehouse, 12, folder / "out", now=NOW, by="tester", key_file=key_file)
    return Evaluated(warehouse, allocated[1], result, load_or_create_key(key_file)[0])


def test_files_are_written_owner_only(evaluated: Evaluated) -> None:
    files = evaluated.result.files
    assert set(files) == {"report", "json", "parquet", "csv"}
    for path in files.values():
        assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(files["json"].parent.stat().st_mode) == 0o700


def test_counts_match_the_allocations(evaluated: Evaluated) -> None:
    followed = [a for a in evaluated.rows if a.randomised and a.draw_id in (1, 2)]
    expected = {arm: sum(1 for a in followed if a.arm == arm) for arm in ("programme", "control")}
    assert evaluated.result.analysed == expected == {"programme": 19, "control": 20}
    arms = evaluated.result.arms
    assert arms["programme"]["not_yet_followed_up"] == arms["control"]["not_yet_followed_up"] == PER_DRAW // 2
    assert arms["programme"]["withdrawn"] == 1 and arms["control"]["withdrawn"] == 0
    flow = evaluated.result.consort
    assert flow["randomised"] == 59 and flow["tie_breaker"] == 1
    document = json.loads(evaluated.result.files["json"].read_text())
    assert document["analysed"] == expected and document["tie_breaker"]["analysed"] == 1
    people = pl.read_parquet(evaluated.result.files["parquet"])
    assert people.height == 40 and people.filter(~pl.col("randomised")).height == 1
    assert people.equals(pl.read_csv(evaluated.result.files["csv"], schema=people.schema))


def test_every_estimate_has_its_interval_or_says_why(evaluated: Evaluated) -> None:
    estimates = evaluated.result.estimates
    assert set(estimates) == {"cchi", "knife_suspect", "knife_victim", "serious_violence"}
    assert set(estimates["cchi"]) == {
        "ratio_of_means", "ratio_of_means_bootstrap", "difference_in_means", "probability_of_superiority"
    }  # fmt: skip
    for found in estimates.values():
        for estimate in found.values():
            assert estimate.p_value is not None and 0 < estimate.p_value <= 1
            assert estimate.note is not None or (
                estimate.lower is not None and estimate.upper is not None
                and estimate.lower <= (estimate.estimate or 0) <= estimate.upper
            )  # fmt: skip
    primary = evaluated.result.primary
    report = evaluated.result.files["report"].read_text()
    assert report.index("Primary estimate (pre-specified)") < report.index("CONSORT flow")
    assert f"{primary.estimate:.2f} times the control arm" in report


def test_the_outputs_name_no_one(evaluated: Evaluated) -> None:
    ids = [a.person_id for a in evaluated.rows]
    people = query(
        evaluated.warehouse,
        "SELECT forename, surname, dob FROM link.person WHERE list_contains(?, person_id)",
        [ids],
    )
    texts = {name: path.read_text() for name, path in evaluated.result.files.items() if name != "parquet"}
    for forename, surname, dob in people:
        for text in texts.values():
            lowered = text.lower()
            for name in (forename, surname):
                if name and len(name) > 2:
                    assert f">{name.lower()}<" not in lowered and f",{name.lower()}," not in lowered
                    assert f'"{name.lower()}"' not in lowered
            assert dob.isoformat() not in text and dob.strftime("%d/%m/%Y") not in text
    assert "person_id" not in texts["json"] and "person_id" not in texts["report"]
    frame = pl.read_parquet(evaluated.result.files["parquet"])
    assert tuple(frame.columns) == PERSON_COLUMNS
    assert set(frame["pseudonym"]) == {
        pseudonym(a.person_id, evaluated.key) for a in evaluated.rows if a.draw_id in (1, 2)
    }
    assert not set(frame["pseudonym"]) & {str(i) for i in ids}


DIRECT = """
SELECT coalesce(sum(c.cchi_days) FILTER (WHERE lower(s.role) = 'suspect'), 0),
       count(*) FILTER (WHERE lower(s.role) = 'suspect' AND (s.knife_flag = 'Y' OR c.weapon_offence))
FROM staging.police_occurrences s JOIN meta.load l USING (load_id)
JOIN link.xref x ON x.source = 'police_occurrences' AND x.source_record_id = s.record_id
JOIN read_csv($codes, types = {'ho_code': 'VARCHAR'}) c ON c.ho_code = s.ho_code
WHERE l.status = 'loaded' AND x.person_id = $person AND s.offence_date >= $start
  AND s.offence_date < $end AND s.recorded_date <= $cut
"""


def direct_count(warehouse: Path, person: int, start: date, end: date, cut: date) -> tuple[float, int]:
    """Harm and knife offences as suspect, counted straight from staging and the reference table."""
    codes = Path(__file__).resolve().parents[3] / "data_contracts" / "reference" / "offence_codes.csv"
    params = {"codes": str(codes), "person": person, "start": start, "end": end, "cut": cut}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        harm, knife = con.execute(DIRECT, params).fetchall()[0]
    return float(harm), int(knife)


def test_outcomes_equal_a_direct_count_from_staging(evaluated: Evaluated) -> None:
    frame = pl.read_parquet(evaluated.result.files["parquet"])
    busiest = frame.sort("cchi", "pseudonym", descending=[True, False]).row(0, named=True)
    (who,) = [a for a in evaluated.rows if pseudonym(a.person_id, evaluated.key) == busiest["pseudonym"]]
    end = date(who.allocated_on.year + 1, who.allocated_on.month, who.allocated_on.day)
    harm, knife = direct_count(
        evaluated.warehouse, who.person_id, who.allocated_on, end, evaluated.result.cut
    )
    assert busiest["cchi"] == pytest.approx(harm) and harm > 0
    assert busiest["knife_suspect"] == knife


def test_the_data_cut_is_respected(allocated: tuple[Path, list[Allocated]], tmp_path: Path) -> None:
    warehouse = copy_warehouse(allocated[0], tmp_path)
    cut = date(2026, 3, 2)  # the last day of draw 1's windows; draw 2's are open
    result = evaluate_trial(
        warehouse, 12, tmp_path / "out", now=NOW, by="tester", until=cut, permutations=200,
        key_file=tmp_path / "key",
    )  # fmt: skip
    assert result.cut == cut and sum(result.analysed.values()) == PER_DRAW - 1
    key = load_or_create_key(tmp_path / "key")[0]
    frame = pl.read_parquet(result.files["parquet"]).filter(pl.col("randomised"))
    recorded_later = 0
    for who in [a for a in allocated[1] if a.draw_id == 1 and a.randomised]:
        row = frame.filter(pl.col("pseudonym") == pseudonym(who.person_id, key)).row(0, named=True)
        harm, knife = direct_count(warehouse, who.person_id, who.allocated_on, date(2026, 3, 3), cut)
        assert (row["cchi"], row["knife_suspect"]) == (pytest.approx(harm), knife)
        later = direct_count(warehouse, who.person_id, who.allocated_on, date(2026, 3, 3), date(2026, 11, 16))
        recorded_later += later != (harm, knife)
    assert recorded_later  # some offences in the window were recorded after the cut, and are left out
    with pytest.raises(EvaluationRefused, match="--until 2026-12-01 is after the newest extract"):
        evaluate_trial(warehouse, 12, tmp_path / "out", now=NOW, by="tester", until=date(2026, 12, 1))


def test_an_allocation_follows_its_records_to_the_person_who_holds_them_now(
    allocated: tuple[Path, list[Allocated]], tmp_path: Path
) -> None:
    warehouse = copy_warehouse(allocated[0], tmp_path)
    second = allocated[1][1]
    with connect(warehouse) as con:  # as if linkage had since given the records a new id
        con.execute("UPDATE trial.allocation SET person_id = 990002 WHERE allocation_id = ?", [2])
        found = read_allocations(con)
    assert found.filter(pl.col("allocation_id") == 2)["person_id"].item() == second.person_id


def test_the_evaluation_is_audited(evaluated: Evaluated) -> None:
    ((action, category, file_name, sha, rows, detail, purpose),) = query(
        evaluated.warehouse,
        "SELECT action, category, file_name, sha256, rows, detail, purpose FROM audit.event "
        "WHERE event_id = ?",
        [evaluated.result.event_id],
    )
    json_file = evaluated.result.files["json"]
    assert (action, category, file_name, rows) == ("trial_evaluation", "consultation", json_file.name, 39)
    assert sha == hashlib.sha256(json_file.read_bytes()).hexdigest() and purpose
    assert "19 programme and 20 control analysed" in detail
    with connect(evaluated.warehouse) as con:
        from pipelines.warehouse import audit_chain

        assert audit_chain.verify(con, checkpoint_path(evaluated.warehouse), NOW).intact


def test_the_command_refuses_a_cut_after_the_data(
    allocated: tuple[Path, list[Allocated]], tmp_path: Path
) -> None:
    warehouse = copy_warehouse(allocated[0], tmp_path)
    result = CliRunner().invoke(
        app,
        ["trial", "evaluate", "--follow-up-months", "12", "--until", "2027-01-01",
         "--out", str(tmp_path / "o"), "--warehouse", str(warehouse), "--by", "tester"],
        env={"COHORT_NOW": "2026-11-20T10:00:00", "COHORT_PSEUDONYM_KEY_FILE": str(tmp_path / "key")},
    )  # fmt: skip
    assert result.exit_code == 1
    assert "--until 2027-01-01 is after the newest extract loaded (2026-11-16)" in result.output
