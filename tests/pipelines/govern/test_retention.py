"""The retention schedule and `cohort retention`: on a small hand-made warehouse whose dates are chosen
around the cutoffs, and end to end on a copy of the linked small world after one weekly list."""

from __future__ import annotations

import copy
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from data_contracts.contract import load_contracts
from governance.retention import RetentionError, cutoff, load_schedule, parse_schedule
from pipelines.cli import app
from pipelines.cli import privacy as cli_privacy
from pipelines.govern.retention import apply_retention, check_retention
from pipelines.ingest.reconcile import reconcile
from pipelines.warehouse.connection import connect
from pipelines.warehouse.copy import copy_warehouse
from pipelines.warehouse.raw_files import write_raw_file
from pipelines.weekly.drawing import WeeklyError
from pipelines.weekly.reproduce import reproduce
from pipelines.weekly.run import run_weekly
from tests.clock import test_clock

runner = CliRunner(env={"COLUMNS": "200"})
AS_OF = date(2026, 6, 1)  # extracts and decisions: cutoff 01/06/2020; lists and link history: 01/06/2024
SHIPPED = yaml.safe_load((Path(__file__).parents[3] / "governance" / "retention.yaml").read_text())
TABLES = (
    "raw.police_custody", "staging.police_custody", "quarantine.police_custody", "raw.partner_referrals",
    "staging.partner_referrals", "lists.entry", "lists.departure", "review.decision", "link.person_history",
    "link.xref_history",
)  # fmt: skip


def invoke(*args: str, code: int = 0, input: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=input)
    assert result.exit_code == code, (result.output, result.exception)
    return result.output


def keys(warehouse: Path, table: str) -> list[tuple[Any, ...]]:
    """Each row's key: (load_id, row_number), run and person, decision id, or person and replacing run."""
    key = {
        "lists.entry": "run_id, person_id", "lists.departure": "run_id, person_id",
        "review.decision": "decision_id", "link.person_history": "person_id, replaced_by",
        "link.xref_history": "source_record_id, replaced_by",
    }.get(table, "load_id, row_number")  # fmt: skip
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return sorted(con.execute(f"SELECT {key} FROM {table}").fetchall())


def raw_frame(rows: list[tuple[int, int, str, str]]) -> pl.DataFrame:
    """Raw police custody rows (load, row, custody ref, arrest date as sent), surname SMITH."""
    return pl.DataFrame(
        [(load, row, ref, "SMITH", day) for load, row, ref, day in rows],
        schema={"load_id": pl.Int32, "row_number": pl.Int64, "CUSTODY_REF": pl.String, "SURNAME": pl.String,
                "ARREST_DATE": pl.String},
        orient="row",
    )  # fmt: skip


def hand_made(folder: Path) -> Path:
    """A warehouse with rows either side of every cutoff (AS_OF) and two published list folders."""
    warehouse = folder / "warehouse.duckdb"
    lists = folder / "lists"
    for name in ("2023-01-02-run-1", "2025-06-02-run-2"):
        (lists / name).mkdir(parents=True)
        for file in ("list.csv", "report.html"):
            (lists / name / file).write_text("x")
    with connect(warehouse) as con:
        con.execute(
            "INSERT INTO meta.load (load_id, run_id, source, file_name, sha256, size_bytes, extract_date, "
            "received_at, loaded_at, status) SELECT load_id, 'r', source, source || '_' || day || '.csv', "
            "'x', 1, day, now(), now(), 'loaded' FROM (VALUES (1, 'police_custody', DATE '2018-01-01'), "
            "(2, 'police_custody', DATE '2026-01-01'), (3, 'partner_referrals', DATE '2019-01-01'), "
            "(4, 'partner_referrals', DATE '2021-01-01')) v(load_id, source, day)"
        )
        # police custody, by arrest date: (1,1) 2019 erased; (1,2) 2021 kept; (1,3) quarantined with an
        # impossible date, so by its extract's date (2018) erased; (2,1) quarantined but readable, 2019,
        # erased although its file is recent; (2,2) arrested on the cutoff day itself, kept
        raw = [(1, 1, "CUS1", "01/05/2019"), (1, 2, "CUS2", "01/01/2021"), (1, 3, "CUS3", "31/02/2019"),
               (2, 1, "CUS4", "01/03/2019"), (2, 2, "CUS5", "01/06/2020")]  # fmt: skip
        for load_id in (1, 2):  # raw rows in Parquet files, one per load (pipelines.warehouse.raw_files)
            rows = [r for r in raw if r[0] == load_id]
            write_raw_file(con, "police_custody", load_id, raw_frame(rows))
        con.executemany(
            "INSERT INTO staging.police_custody (load_id, row_number, custody_ref, surname, arrest_date) "
            "VALUES (?, ?, ?, 'SMITH', ?)",
            [(1, 1, "CUS1", date(2019, 5, 1)), (1, 2, "CUS2", date(2021, 1, 1)),
             (2, 2, "CUS5", date(2020, 6, 1))],
        )  # fmt: skip
        con.executemany(
            'INSERT INTO quarantine.police_custody (load_id, row_number, reasons, "CUSTODY_REF", '
            "\"ARREST_DATE\") VALUES (?, ?, [{'rule': 'date', 'message': 'not a date'}], ?, ?)",
            [(1, 3, "CUS3", "31/02/2019"), (2, 1, "CUS4", "01/03/2019")],
        )
        # partner referrals, measured by referral date; one has none: its extract date (2019) decides.
        # Their raw rows are in raw_legacy, as in a warehouse made before the raw files
        con.executemany(
            'INSERT INTO raw_legacy.partner_referrals (load_id, row_number, "Referral Ref", "Referral Date") '
            "VALUES (?, ?, ?, ?)",
            [(3, 1, "REF1", "14-Mar-2021"), (3, 2, "REF2", None), (4, 1, "REF3", "14-Mar-2020")],
        )
        con.executemany(
            "INSERT INTO staging.partner_referrals (load_id, row_number, referral_ref, referral_date) "
            "VALUES (?, ?, ?, ?)",
            [(3, 1, "REF1", date(2021, 3, 14)), (3, 2, "REF2", None), (4, 1, "REF3", date(2020, 3, 14))],
        )
        for run_id, as_of in ((1, "2023-01-02"), (2, "2025-06-02")):
            con.execute(
                "INSERT INTO lists.run (run_id, as_of, created_at, created_by, status, mode, load_ids, "
                "decisions_until, rules_version, rulebook, code_version, parameters, entries, "
                "within_capacity, folder, files) VALUES (?, ?, now(), 't', 'published', 'rules alone', [1], "
                "0, 'v', '{}', 'c', '{}', 1, 1, ?, '{\"list.csv\": \"abc\"}')",
                [run_id, as_of, str(lists / f"{as_of}-run-{run_id}")],
            )
        con.execute(
            "INSERT INTO lists.entry (run_id, person_id, rank, within_capacity, route, age, change, "
            "review_by, explanation) VALUES (1, 10, 1, true, 'rule', 17, 'new', '2023-01-09', '{}'), "
            "(1, 11, 2, true, 'rule', 18, 'new', '2023-01-09', '{}'), "
            "(2, 10, 1, true, 'rule', 19, 'new', '2025-06-09', '{}')"
        )
        con.execute("INSERT INTO lists.departure VALUES (1, 12, 3, 'aged out'), (2, 11, 2, 'risk fell')")
        con.execute(
            "INSERT INTO review.decision (decision_id, person_id, decision, reason, reviewer, decided_on, "
            "recorded_at) VALUES (1, 10, 'decline', 'r', 'a', '2020-05-31', now()), "
            "(2, 10, 'accept', 'r', 'a', '2020-06-01', now()), "
            "(3, 11, 'defer', 'r', 'a', '2026-01-01', now())"
        )
        con.execute(
            "INSERT INTO link.run (run_id, started_at, finished_at, status) VALUES "
            "('old', '2023-01-01 05:00', '2023-01-01 05:10', 'succeeded'), "
            "('new', '2025-01-01 05:00', '2025-01-01 05:10', 'succeeded')"
        )
        con.execute(
            "INSERT INTO link.person_history (person_id, surname, records, sources, run_id, replaced_by) "
            "VALUES (10, 'SMITH', 1, ['police_custody'], 'first', 'old'), (11, 'JONES', 1, [], 'old', 'new')"
        )
        con.execute(
            "INSERT INTO link.xref_history (source, source_record_id, person_id, registration, method, "
            "run_id, replaced_by) VALUES ('police_custody', 'CUS1', 10, 'x', 'none', 'first', 'old'), "
            "('police_custody', 'CUS2', 11, 'y', 'none', 'old', 'new')"
        )
    return warehouse


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return hand_made(tmp_path)


def test_the_shipped_schedule_covers_every_extract_once() -> None:
    schedule = load_schedule()
    sources = [s for c in schedule.classes for s in c.sources]
    assert sorted(sources) == sorted(
        p.stem for p in (Path(__file__).parents[3] / "data_contracts").glob("*.yaml")
    )
    assert {c.kind for c in schedule.classes} == {"extracts", "lists", "decisions", "link_history"}
    assert not schedule.approved  # proposed defaults until the DPO sets them
    police = next(c for c in schedule.classes if c.id == "police_extracts")
    assert police.keep_years == 6 and "Management of Police Information" in police.basis


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["classes"][0].update(keep_years="six"), "retention.yaml: classes/0/keep_years"),
        (lambda d: d["classes"][0].pop("basis"), "retention.yaml: classes/0: 'basis' is a required property"),
        (lambda d: d["classes"][0]["sources"].remove("police_custody"),
         "data contract 'police_custody' has no retention class"),
        (lambda d: d["classes"][1]["sources"].append("police_custody"),
         "classes/1/sources: 'police_custody' is already in class 'police_extracts'"),
        (lambda d: d["classes"][0]["event_dates"].update(police_custody="OUTCOME"),
         "classes/0/event_dates/police_custody: 'OUTCOME' is not a date column of police_custody"),
        (lambda d: d["classes"][6].update(keep_years=1), "linkage_history keep_years must be at least"),
        (lambda d: d["classes"].pop(5), "exactly one class of kind 'decisions', not 0"),
        (lambda d: d["classes"][4].update(measured_from="decided_on"), "classes/4/measured_from"),
    ],
)  # fmt: skip
def test_a_broken_schedule_is_refused_naming_the_file_and_field(change: Any, message: str) -> None:
    document = copy.deepcopy(SHIPPED)
    change(document)
    with pytest.raises(RetentionError, match="retention.yaml") as raised:
        parse_schedule(document, "governance/retention.yaml")
    assert message in str(raised.value)


def test_cutoff_counts_whole_years_back() -> None:
    assert cutoff(date(2026, 6, 1), 6) == date(2020, 6, 1)
    assert cutoff(date(2028, 2, 29), 2) == date(2026, 2, 28)


def test_check_counts_exactly_the_rows_past_their_period_and_changes_nothing(warehouse: Path) -> None:
    before = {table: keys(warehouse, table) for table in TABLES}
    due = {d.record_class.id: d for d in check_retention(warehouse, load_schedule(), AS_OF)}
    assert due["police_extracts"].cutoff == date(2020, 6, 1)
    assert due["police_extracts"].rows["raw.police_custody"] == 3
    assert due["police_extracts"].rows["staging.police_custody"] == 1
    assert due["police_extracts"].rows["quarantine.police_custody"] == 2
    assert due["partner_extracts"].rows == {"raw.partner_referrals": 2, "staging.partner_referrals": 2,
                                            "quarantine.partner_referrals": 0}  # fmt: skip
    assert due["published_lists"].rows == {"lists.entry": 2, "lists.departure": 1}
    assert due["published_lists"].runs == (1,) and due["published_lists"].files == 2
    assert due["review_decisions"].rows == {"review.decision": 1}
    assert due["linkage_history"].rows == {"link.person_history": 1, "link.xref_history": 1}
    assert {table: keys(warehouse, table) for table in TABLES} == before
    assert (warehouse.parent / "lists" / "2023-01-02-run-1" / "list.csv").exists()
    output = invoke("retention", "check", "--as-of", "2026-06-01", "--warehouse", str(warehouse))
    assert "01/06/2020" in output and "raw.police_custody" in output and "proposed" in output
    assert {table: keys(warehouse, table) for table in TABLES} == before


def test_apply_erases_exactly_those_rows_and_the_list_folder(warehouse: Path) -> None:
    erasure = apply_retention(warehouse, load_schedule(), AS_OF, by="dpo", now=datetime(2026, 11, 30, 9))
    assert erasure.problems == []
    assert keys(warehouse, "raw.police_custody") == [(1, 2), (2, 2)]
    assert keys(warehouse, "staging.police_custody") == [(1, 2), (2, 2)]
    assert keys(warehouse, "quarantine.police_custody") == []
    assert keys(warehouse, "raw.partner_referrals") == [(3, 1)]
    assert keys(warehouse, "staging.partner_referrals") == [(3, 1)]
    assert keys(warehouse, "lists.entry") == [(2, 10)]
    assert keys(warehouse, "lists.departure") == [(2, 11)]
    assert keys(warehouse, "review.decision") == [(2,), (3,)]
    assert keys(warehouse, "link.person_history") == [(11, "new")]
    assert keys(warehouse, "link.xref_history") == [("CUS2", "new")]
    assert not (warehouse.parent / "lists" / "2023-01-02-run-1").exists()
    assert (warehouse.parent / "lists" / "2025-06-02-run-2" / "list.csv").exists()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        runs = con.execute("SELECT run_id, erased_at IS NOT NULL, files FROM lists.run ORDER BY 1").fetchall()
        events = con.execute(
            "SELECT detail, purpose, rows, actor FROM audit.event WHERE action = 'erase' ORDER BY event_id"
        ).fetchall()
    assert runs == [(1, True, '{"list.csv": "abc"}'), (2, False, '{"list.csv": "abc"}')]  # the record stays
    schedule = load_schedule()
    assert [e[1] for e in events] == [c.basis for c in schedule.classes]
    assert [e[2] for e in events] == [6, 0, 0, 4, 3, 1, 2]
    assert all(e[3] == "user:dpo" for e in events)
    assert events[0][0].startswith(
        "retention class police_extracts: 6 rows erased (raw.police_custody 3, staging.police_custody 1, "
        "quarantine.police_custody 2); kept 6 years from the record's event date"
    )
    assert events[1][0].startswith("retention class education_extracts: 0 rows erased; kept 6 years")
    assert "1 list runs marked erased, 2 published files in 1 folders" in events[4][0]
    assert not any("SMITH" in e[0] for e in events)
    # applied again, nothing more is due
    again = apply_retention(warehouse, schedule, AS_OF, by="dpo", now=datetime(2026, 11, 30, 9))
    assert sum(d.total for d in again.erased) == 0 and again.problems == []


@pytest.mark.bad_input
def test_apply_counts_the_erased_rows_against_each_load_so_ingest_still_reconciles(warehouse: Path) -> None:
    with connect(warehouse) as con:  # the counts each load was stored with (see hand_made)
        con.executemany(
            "UPDATE meta.load SET rows_raw = ?, rows_staged = ?, rows_quarantined = ? WHERE load_id = ?",
            [(3, 2, 1, 1), (2, 1, 1, 2), (2, 2, 0, 3), (1, 1, 0, 4)],
        )
        assert reconcile(con, load_contracts()) == []
    apply_retention(warehouse, load_schedule(), AS_OF, by="dpo", now=datetime(2026, 11, 30, 9))
    erased = "SELECT load_id, rows_erased_raw, rows_erased_staged, rows_erased_quarantined FROM meta.load"
    # custody: (1,1) raw and staged, (1,3) raw and quarantined, (2,1) raw and quarantined;
    # referrals: (3,2) and (4,1), raw and staged
    expected = [(1, 2, 1, 1), (2, 1, 0, 1), (3, 1, 1, 0), (4, 1, 1, 0)]
    assert sorted(keys_of(warehouse, erased)) == expected
    with connect(warehouse) as con:
        assert reconcile(con, load_contracts()) == []
        con.execute("UPDATE meta.load SET rows_erased_raw = 0 WHERE load_id = 2")  # without the count
        assert reconcile(con, load_contracts()) == [
            "load 2 (police_custody_2026-01-01.csv): recorded raw/staged/quarantined 2/1/1, "
            "less erased 0/0/1, found 1/1/0"
        ]
    apply_retention(warehouse, load_schedule(), AS_OF, by="dpo", now=datetime(2026, 11, 30, 10))
    assert sorted(keys_of(warehouse, erased))[0] == (1, 2, 1, 1)  # nothing more is due, nothing added


def keys_of(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_apply_refuses_without_yes_where_no_one_can_confirm(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {table: keys(warehouse, table) for table in TABLES}
    w = ("--as-of", "2026-06-01", "--warehouse", str(warehouse))
    output = invoke("retention", "apply", *w, code=1)
    assert "Refusing to erase" in output and "--yes" in output
    monkeypatch.setattr(cli_privacy, "_interactive", lambda: True)
    assert "Nothing was erased" in invoke("retention", "apply", *w, code=1, input="n\n")
    assert {table: keys(warehouse, table) for table in TABLES} == before
    output = invoke("retention", "apply", *w, "--by", "dpo", input="y\n")
    assert "Erased on 01/06/2026" in output
    assert keys(warehouse, "review.decision") == [(2,), (3,)]


def test_apply_with_yes_erases_without_asking(warehouse: Path) -> None:
    invoke("retention", "apply", "--as-of", "2026-06-01", "--warehouse", str(warehouse), "--yes")
    assert keys(warehouse, "raw.police_custody") == [(1, 2), (2, 2)]


def test_a_folder_that_is_not_a_list_folder_is_never_deleted(warehouse: Path) -> None:
    odd = warehouse.parent / "not-a-list"
    odd.mkdir()
    with connect(warehouse) as con:
        con.execute("UPDATE lists.run SET folder = ? WHERE run_id = 1", [str(odd)])
    erasure = apply_retention(warehouse, load_schedule(), AS_OF, by="dpo", now=datetime(2026, 11, 30, 9))
    assert odd.exists() and len(erasure.problems) == 1 and "delete it by hand" in erasure.problems[0]


@pytest.mark.slow
def test_erasing_a_real_warehouse_keeps_its_invariants(linked: Path, tmp_path: Path) -> None:
    copy_warehouse(linked, tmp_path / "warehouse.duckdb", checkpoint=False)
    warehouse = tmp_path / "warehouse.duckdb"
    key = tmp_path / "secrets" / "key"
    first = run_weekly(
        warehouse, date(2026, 11, 16), now=test_clock()(), lists_dir=tmp_path / "lists", by="t", key_file=key
    )
    as_of = date(2030, 11, 16)  # the list is 4 years old; extracts before 16/11/2024 are due
    schedule = load_schedule()
    due = {d.record_class.id: d for d in check_retention(warehouse, schedule, as_of)}
    counts = _counts(warehouse)
    erasure = apply_retention(warehouse, schedule, as_of, by="dpo", now=datetime(2026, 11, 30, 9))
    after = _counts(warehouse)
    for done in erasure.erased:
        for table, rows in done.rows.items():
            assert counts[table] - after[table] == rows == due[done.record_class.id].rows[table], table
    assert due["police_extracts"].total > 0 and after["staging.police_occurrences"] > 0
    assert after["lists.entry"] == 0 and not first.folder.exists()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # every row left is on the right side of its cutoff, and raw = staged + quarantined per load
        oldest = con.execute("SELECT min(offence_date) FROM staging.police_occurrences").fetchall()[0][0]
        unbalanced = con.execute(
            "SELECT count(*) FROM meta.load l WHERE status = 'loaded' AND source = 'police_occurrences' AND "
            "(SELECT count(*) FROM raw.police_occurrences r WHERE r.load_id = l.load_id) <> "
            "(SELECT count(*) FROM staging.police_occurrences s WHERE s.load_id = l.load_id) + "
            "(SELECT count(*) FROM quarantine.police_occurrences q WHERE q.load_id = l.load_id)"
        ).fetchall()[0][0]
        erased_at = con.execute("SELECT erased_at FROM lists.run WHERE run_id = ?", [first.run_id]).fetchall()
    assert oldest >= date(2024, 11, 16) and unbalanced == 0
    assert isinstance(erased_at[0][0], datetime)
    with pytest.raises(WeeklyError, match=f"list run {first.run_id} was erased on"):
        reproduce(warehouse, first.run_id, by="auditor", now=datetime(2026, 12, 1, 9), key_file=key)
    # the next weekly run still works: the erased run has no entries, so everyone listed is new
    later = run_weekly(
        warehouse,
        date(2026, 11, 23),
        now=datetime(2026, 11, 23, 7),
        lists_dir=tmp_path / "lists",
        by="t",
        key_file=key,
    )
    assert later.entries > 0 and later.new == later.entries


def _counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE schema_name IN "
            "('staging', 'quarantine', 'lists', 'review', 'link') "
            "UNION ALL SELECT 'raw.' || view_name FROM duckdb_views() WHERE schema_name = 'raw'"
        ).fetchall()
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for (t,) in tables}
