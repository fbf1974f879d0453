"""`cohort subject-access` on a copy of the linked small world after one weekly list, and the export's
files from a hand-made holding."""

from __future__ import annotations

import hashlib
import json
import stat
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from markupsafe import escape
from typer.testing import CliRunner

from data_contracts.contract import load_contracts
from pipelines.cli import app
from pipelines.govern.subject_files import export_files
from pipelines.govern.subject_records import Held, Subject
from pipelines.warehouse.connection import connect
from pipelines.warehouse.copy import copy_warehouse
from pipelines.weekly.run import run_weekly
from tests.clock import test_clock

runner = CliRunner(env={"COLUMNS": "200"})
AS_OF = date(2026, 11, 16)


def invoke(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture(scope="module")
def world(linked: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the linked world with one weekly list published."""
    folder = tmp_path_factory.mktemp("subject")
    copy_warehouse(linked, folder / "warehouse.duckdb", checkpoint=False)
    run_weekly(folder / "warehouse.duckdb", AS_OF, now=test_clock()(), lists_dir=folder / "lists",
               by="tester",
               key_file=folder / "secrets" / "key")  # fmt: skip
    return folder


@pytest.fixture
def listed(world: Path) -> tuple[int, dict[str, set[str]]]:
    """The listed person with records from the most sources, and their linked record ids by source."""
    with duckdb.connect(str(world / "warehouse.duckdb"), read_only=True) as con:
        person = con.execute(
            "SELECT e.person_id FROM lists.entry e JOIN link.xref x USING (person_id) GROUP BY 1 "
            "ORDER BY count(DISTINCT x.source) DESC, 1 LIMIT 1"
        ).fetchall()[0][0]
        linked = con.execute(
            "SELECT source, source_record_id FROM link.xref WHERE person_id = ?", [person]
        ).fetchall()
    records: dict[str, set[str]] = {}
    for source, record_id in linked:
        records.setdefault(source, set()).add(record_id)
    return person, records


def export(world: Path, person_id: int, out: Path, code: int = 0) -> str:
    return invoke(
        "subject-access", str(person_id), "--out", str(out), "--requester", "the person, by post",
        "--reason", "subject access request of 02/11/2026", "--by", "dpo",
        "--warehouse", str(world / "warehouse.duckdb"), code=code,
    )  # fmt: skip


@pytest.mark.slow
def test_a_listed_persons_export_holds_their_records_list_and_disclosures(
    world: Path, listed: tuple[int, dict[str, set[str]]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COHORT_PSEUDONYM_KEY_FILE", str(world / "secrets" / "key"))
    person, records = listed
    assert len(records) >= 2
    out = tmp_path / "export"
    output = export(world, person, out)
    assert "summary.html" in output and "Check the export before it is released" in output
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == sorted(
        ["summary.html", "person.csv", "lists.csv", "decisions.csv", "disclosures.csv", "manifest.json"]
        + [f"records/{source}.csv" for source in records]
    )
    assert all(stat.S_IMODE((out / name).stat().st_mode) == 0o600 for name in written)

    # every linked record, staged once, with its copies as received
    contracts = load_contracts()
    total = 0
    for source, ids in records.items():
        frame = pl.read_csv(out / "records" / f"{source}.csv", infer_schema=False)
        record_id = contracts[source].column(contracts[source].record_id).staging_name
        staged = frame.filter(pl.col("layer") == "staged")
        assert staged.height == len(ids) and set(staged[record_id]) == ids, source
        assert set(frame.filter(pl.col("layer") == "as received")[record_id]) == ids
        total += frame.height

    # the list entry and the run's disclosures
    with duckdb.connect(str(world / "warehouse.duckdb"), read_only=True) as con:
        rank = con.execute("SELECT rank FROM lists.entry WHERE person_id = ?", [person]).fetchall()[0][0]
        run_events = con.execute(
            "SELECT event_id FROM audit.event "
            "WHERE action IN ('publish', 'export') AND detail LIKE 'list run 1%'"
        ).fetchall()
        event = con.execute(
            "SELECT detail, purpose, recipients, rows, file_name, sha256 FROM audit.event "
            "WHERE action = 'subject_access'"
        ).fetchall()
        named = con.execute("SELECT surname, dob FROM link.person WHERE person_id = ?", [person]).fetchall()
    surname, dob = named[0]
    lists = pl.read_csv(out / "lists.csv")
    assert lists.select("run_id", "listed", "rank").rows() == [(1, "on the list", rank)]
    disclosures = pl.read_csv(out / "disclosures.csv")
    assert sorted(disclosures["event_id"]) == sorted(e for (e,) in run_events) and len(run_events) == 6
    assert set(disclosures["recipients"].drop_nulls()) == {
        "the partnership's analyst team",
        "partners outside the analyst team (pseudonymised)",
    }

    # the manifest checks every file; the summary is readable and self-contained
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["person_id"] == person and manifest["records"] == total
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    assert set(manifest["files"]) == set(written) - {"manifest.json"}
    summary = (out / "summary.html").read_text()
    assert surname in summary and dob.strftime("%d/%m/%Y") in summary
    assert all(str(escape(contracts[s].description)) in summary for s in records)
    assert "http://" not in summary and "src=" not in summary and "Data Protection Officer" in summary

    # one audit event: a disclosure to the requester, with counts and no one named
    assert len(event) == 1
    detail, purpose, recipients, rows, file_name, digest = event[0]
    assert purpose == "subject access request of 02/11/2026" and recipients == "the person, by post"
    assert rows == total and digest == hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest()
    assert file_name == f"subject-access-{manifest['reference']}"
    assert str(person) not in detail and surname not in detail and dob.isoformat() not in detail
    assert f"{total} extract rows from {len(records)} sources, 1 list entries" in detail

    # a second export lists the first among the disclosures
    export(world, person, tmp_path / "again")
    again = pl.read_csv(tmp_path / "again" / "disclosures.csv")
    assert again.filter(pl.col("action") == "subject_access").height == 1


@pytest.mark.slow
def test_an_id_merged_into_a_listed_person_resolves_to_them(
    world: Path, listed: tuple[int, dict[str, set[str]]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COHORT_PSEUDONYM_KEY_FILE", str(tmp_path / "key"))
    copy_warehouse(world / "warehouse.duckdb", tmp_path / "warehouse.duckdb", checkpoint=False)
    person, records = listed
    with connect(tmp_path / "warehouse.duckdb") as con:
        old = int(con.execute("SELECT max(person_id) + 100 FROM link.person").fetchall()[0][0])
        run = con.execute("SELECT run_id FROM link.run").fetchall()[0][0]
        con.execute("INSERT INTO link.id_change VALUES (?, 'merge', ?, ?, 3)", [run, old, person])
        con.execute(
            "INSERT INTO review.decision (decision_id, person_id, decision, reason, reviewer, decided_on, "
            "recorded_at) VALUES (1, ?, 'defer', 'waiting for the school', 'A. Analyst', '2026-11-01', "
            "now())",
            [old],
        )
    output = export(tmp_path, old, tmp_path / "export")
    assert f"Person id {old} was merged into {person}" in output
    manifest = json.loads((tmp_path / "export" / "manifest.json").read_text())
    assert (manifest["requested_id"], manifest["person_id"], manifest["merged_ids"]) == (old, person, [old])
    decisions = pl.read_csv(tmp_path / "export" / "decisions.csv")
    assert decisions.select("person_id", "decision").rows() == [(old, "defer")]
    assert {p.stem for p in (tmp_path / "export" / "records").iterdir()} == set(records)
    assert f"You asked about person id {old}" in (tmp_path / "export" / "summary.html").read_text()


@pytest.mark.slow
def test_an_unknown_id_exits_1_and_writes_nothing(
    world: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COHORT_PSEUDONYM_KEY_FILE", str(tmp_path / "key"))
    with duckdb.connect(str(world / "warehouse.duckdb"), read_only=True) as con:
        events = con.execute("SELECT count(*) FROM audit.event").fetchall()[0][0]
    output = export(world, 987654321, tmp_path / "export", code=1)
    assert "nobody is held under person id 987654321" in output and "nothing was written" in output
    assert not (tmp_path / "export").exists() and not list(tmp_path.glob(".export*"))
    assert not (tmp_path / "key").exists()  # not even a pseudonymisation key
    with duckdb.connect(str(world / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM audit.event").fetchall()[0][0] == events
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    assert "not empty" in export(world, 1, tmp_path / "full", code=1)


def audit_events(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return int(con.execute("SELECT count(*) FROM audit.event").fetchall()[0][0])


@pytest.mark.bad_input
@pytest.mark.slow
def test_a_symlinked_export_folder_is_refused_before_anything_is_read_written_or_recorded(
    world: Path, listed: tuple[int, dict[str, set[str]]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COHORT_PSEUDONYM_KEY_FILE", str(tmp_path / "key"))
    before = audit_events(world / "warehouse.duckdb")
    shared = tmp_path / "shared"
    shared.mkdir()
    (tmp_path / "export").symlink_to(shared)
    (tmp_path / "linked-parent").symlink_to(shared)
    for out in (tmp_path / "export", tmp_path / "linked-parent" / "export"):
        result = runner.invoke(app, [
            "subject-access", str(listed[0]), "--out", str(out), "--requester", "the person",
            "--reason", "SAR", "--warehouse", str(world / "warehouse.duckdb"),
        ])  # fmt: skip
        assert result.exit_code == 2, result.output
        assert "is a symbolic link; give a real folder" in result.output and "Traceback" not in result.output
    assert list(shared.iterdir()) == [] and not list(tmp_path.glob(".*partial"))
    assert audit_events(world / "warehouse.duckdb") == before
    assert not (tmp_path / "key").exists()


@pytest.mark.bad_input
@pytest.mark.slow
def test_a_failure_after_writing_began_leaves_no_folder_and_records_no_disclosure(
    world: Path, listed: tuple[int, dict[str, set[str]]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pipelines.govern import subject_access

    warehouse = tmp_path / "warehouse.duckdb"
    copy_warehouse(world / "warehouse.duckdb", warehouse, checkpoint=False)
    before = audit_events(warehouse)
    real_rename = Path.rename

    def full_disk(self: Path, target: Path) -> Path:  # the files are written, then placing them fails
        if self.name.endswith(".partial"):
            raise OSError(28, "No space left on device")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", full_disk)
    with pytest.raises(OSError, match="No space left"):
        subject_access.export_subject(
            warehouse, listed[0], tmp_path / "export", requester="the person", reason="SAR", by="dpo",
            key_file=tmp_path / "key", now=test_clock()(),
        )  # fmt: skip
    assert not (tmp_path / "export").exists() and not list(tmp_path.glob(".export*"))
    assert audit_events(warehouse) == before


def test_export_files_neutralise_formulas_and_checksum_every_file() -> None:
    contracts = load_contracts()
    columns = [c.staging_name for c in contracts["partner_referrals"].columns]
    record = {c: None for c in columns} | {
        "referral_ref": "REF1", "first_name": "=HYPERLINK(\"http://x\")", "last_name": "O'NEIL",
        "date_of_birth": "2009-03-14", "referral_date": "2026-03-14",
    }  # fmt: skip
    frame = pl.DataFrame(
        [
            {"layer": "staged", "load_id": 1, "row_number": 1, "linked_by": "none"}
            | record
            | {"quarantine_reasons": None}
        ],
        schema={"layer": pl.String, "load_id": pl.Int64, "row_number": pl.Int64, "linked_by": pl.String}
        | dict.fromkeys([*columns, "quarantine_reasons"], pl.String),
    )
    held = Held(
        Subject(7, 7, ()),
        pl.DataFrame({"held_as": ["current"], "person_id": [7], "forename": ["=CMD"], "middle_names": [None],
                      "surname": ["O'NEIL"], "dob": [date(2009, 3, 14)], "sex": ["F"], "postcode": [None],
                      "sources": [["partner_referrals"]]}),
        {"partner_referrals": frame}, pl.DataFrame({"listed": []}, schema={"listed": pl.String}),
        pl.DataFrame(), pl.DataFrame(),
    )  # fmt: skip
    about = {"reference": "abc", "made_at": "2026-11-21 10:00:00", "made_by": "dpo", "requester": "her",
             "reason": "request"}  # fmt: skip
    files = export_files(held, contracts, about)
    assert "'=HYPERLINK" in files["records/partner_referrals.csv"].decode()
    assert "'=CMD" in files["person.csv"].decode() and "partner_referrals" in files["person.csv"].decode()
    manifest = json.loads(files["manifest.json"])
    assert manifest["files"] == {
        n: hashlib.sha256(c).hexdigest() for n, c in files.items() if n != "manifest.json"
    }
    summary = files["summary.html"].decode()
    assert "14/03/2026" in summary and "=HYPERLINK(&#34;http://x&#34;)" in summary
    assert "O&#39;NEIL" in summary and "No decisions are recorded about you" in summary
