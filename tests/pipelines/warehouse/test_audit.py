"""The audit log to the DPA 2018 s.62 standard: categories, justification, hash chain, verify, export."""

from __future__ import annotations

import hashlib
import json
import stat
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.warehouse import audit_chain
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.connection import connect
from pipelines.warehouse.copy import copy_warehouse

runner = CliRunner(env={"COLUMNS": "200"})
# the documented serialisation, written out here rather than taken from pipelines.warehouse.audit_log
HASHED = ["event_id", "occurred_at", "actor", "action", "category", "source", "load_id", "file_name",
          "sha256", "rows", "detail", "purpose", "recipients", "previous_hash"]  # fmt: skip

AT = datetime(2026, 11, 16, 9, 0)  # every event in these tests happens at this pinned time


def independent_hash(event: dict[str, Any]) -> str:
    """A regulator's re-computation of event_hash from the module docstring alone."""
    values = [event[name] for name in HASHED]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def as_dict(con: duckdb.DuckDBPyConnection, event_id: int) -> dict[str, Any]:
    cursor = con.execute("SELECT * FROM audit.event WHERE event_id = ?", [event_id])
    row = dict(zip([c[0] for c in cursor.description], cursor.fetchall()[0], strict=True))
    return {**row, "occurred_at": row["occurred_at"].strftime("%Y-%m-%dT%H:%M:%S.%f")}


def record_five(con: duckdb.DuckDBPyConnection, times: Iterator[datetime] | None = None) -> None:
    def when() -> datetime:
        return next(times) if times is not None else AT

    audit.record(con, "flow:ingest-extracts", "collect", "file loaded", source="police_custody", load_id=1,
                 file_name="custody.csv", sha256="ab" * 32, rows=120, at=when())  # fmt: skip
    audit.record(con, "flow:link-identities", "combine", "link run 1: 120 records", rows=120, at=when())
    audit.record(
        con,
        "user:ana",
        "view",
        "list run 1: 3 entries opened – café £5\nline two",
        purpose="review",
        at=when(),
    )
    audit.record(con, "user:ana", "export", "list run 1: list.html", purpose="weekly list",
                 recipients="the analyst team", file_name="list.html", at=when())  # fmt: skip
    audit.record(con, "reviewer:bo", "link_decision", "pair 4: match (same school)", at=when())


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "w.duckdb"
    with connect(path) as con:
        record_five(con)
    yield path


def problems(path: Path, checkpoint: Path | None = None) -> list[audit_chain.Problem]:
    with connect(path) as con:
        return audit_chain.verify(con, checkpoint, AT).problems


def test_recorded_events_form_a_chain_a_regulator_can_recompute(warehouse: Path) -> None:
    with connect(warehouse) as con:
        rows = [as_dict(con, n) for n in range(1, 6)]
        result = audit_chain.verify(con, None, AT)
    assert [r["category"] for r in rows] == [
        "collection", "combination", "consultation", "disclosure", "alteration"
    ]  # fmt: skip
    assert rows[0]["previous_hash"] == ""
    for before, after in zip(rows, rows[1:], strict=False):
        assert after["previous_hash"] == before["event_hash"]
    assert [independent_hash(r) for r in rows] == [r["event_hash"] for r in rows]
    assert (result.checked, result.head_id, result.head_hash, result.problems) == (
        5, 5, rows[-1]["event_hash"], []
    )  # fmt: skip


def test_an_edited_detail_is_caught(warehouse: Path) -> None:
    with connect(warehouse) as con:
        con.execute("UPDATE audit.event SET detail = 'nothing happened' WHERE event_id = 3")
    assert problems(warehouse) == [(3, "event 3: edited (its hash does not match its contents)")]


def test_a_deleted_middle_event_is_caught(warehouse: Path) -> None:
    with connect(warehouse) as con:
        con.execute("DELETE FROM audit.event WHERE event_id IN (2, 3)")
    assert problems(warehouse) == [(2, "events 2-3 deleted (the event ids jump to 4)")]


def test_deleting_the_last_events_is_caught_by_the_checkpoint(warehouse: Path, tmp_path: Path) -> None:
    checkpoint = tmp_path / "w.audit-checkpoint.json"
    assert problems(warehouse, checkpoint) == []
    saved = json.loads(checkpoint.read_text())
    with connect(warehouse) as con:
        assert (saved["event_id"], saved["event_hash"]) == (5, as_dict(con, 5)["event_hash"])
        con.execute("DELETE FROM audit.event WHERE event_id >= 4")
    assert stat.S_IMODE(checkpoint.stat().st_mode) == 0o600
    assert problems(warehouse) == []  # without the checkpoint a cut tail looks whole
    found = problems(warehouse, checkpoint)
    assert len(found) == 1 and found[0][0] == 5
    assert found[0][1].startswith("the log ends at event 3 but the checkpoint of ")
    assert found[0][1].endswith("recorded event 5: the tail was deleted")
    assert json.loads(checkpoint.read_text()) == saved  # a broken log never moves the checkpoint


def test_a_checkpointed_event_rewritten_with_a_new_chain_is_caught(warehouse: Path) -> None:
    checkpoint = audit_chain.checkpoint_path(warehouse)
    assert problems(warehouse, checkpoint) == []
    with connect(warehouse) as con:
        # blank every hash and record again: the log is re-sealed with event 1 edited
        con.execute("UPDATE audit.event SET event_hash = NULL, previous_hash = NULL, category = NULL")
        con.execute("UPDATE audit.event SET rows = 1 WHERE event_id = 1")
        audit.record(con, "user:eve", "link_decision", "cover-up", at=AT)
    assert [p[0] for p in problems(warehouse, checkpoint)] == [5]


def test_the_checkpoint_starts_with_the_first_events_and_follows_each_commit(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    checkpoint = audit_chain.checkpoint_path(path)
    with connect(path) as con:
        # an empty log with no checkpoint: nothing recorded
        assert audit_chain.verify(con, checkpoint, AT).intact
    assert not checkpoint.exists()
    with connect(path) as con:
        record_five(con)
    assert json.loads(checkpoint.read_text())["event_id"] == 5
    with connect(path) as con:
        audit.record(con, "user:ana", "decision", "list run 1: 1 decision", at=AT)
        sixth = as_dict(con, 6)["event_hash"]
    saved = json.loads(checkpoint.read_text())
    assert (saved["event_id"], saved["event_hash"]) == (6, sixth)
    assert stat.S_IMODE(checkpoint.stat().st_mode) == 0o600


@pytest.mark.bad_input
def test_blanked_hashes_and_a_deleted_checkpoint_never_verify_as_intact(warehouse: Path) -> None:
    checkpoint = audit_chain.checkpoint_path(warehouse)
    with connect(warehouse) as con:
        con.execute("UPDATE audit.event SET event_hash = NULL, previous_hash = NULL, category = NULL")
        con.execute("UPDATE audit.event SET actor = 'user:eve' WHERE event_id = 3")
    checkpoint.unlink()
    found = problems(warehouse, checkpoint)
    assert [p.event_id for p in found] == [None, None]
    assert found[0].what.startswith("none of the 5 events has a hash")
    assert found[1].what.startswith(f"there is no checkpoint ({checkpoint}) for a log of 5 events")
    with connect(warehouse) as con:  # the next event re-seals the log, but no checkpoint is started for it
        audit.record(con, "user:eve", "decision", "list run 1: 1 decision", at=AT)
    assert not checkpoint.exists()
    assert [p.what[:24] for p in problems(warehouse, checkpoint)] == ["there is no checkpoint ("]
    result = runner.invoke(app, ["audit", "verify", "--warehouse", str(warehouse)])
    assert result.exit_code == 1 and "NOT intact" in result.output and "intact[" not in result.output
    assert not checkpoint.exists()  # verify never starts one either


def test_cli_checkpoint_starts_one_for_a_log_without_and_records_who_and_why(warehouse: Path) -> None:
    checkpoint = audit_chain.checkpoint_path(warehouse)
    checkpoint.unlink()  # as for a warehouse made before checkpoints
    args = ["audit", "checkpoint", "--by", "dpo", "--warehouse", str(warehouse)]
    result = runner.invoke(app, [*args, "--reason", "warehouse from before checkpoints"])
    assert result.exit_code == 0, result.output
    with connect(warehouse) as con:
        event = as_dict(con, 6)
    assert (event["actor"], event["action"], event["category"], event["purpose"]) == (
        "user:dpo", "audit_checkpoint", "alteration", "warehouse from before checkpoints"
    )  # fmt: skip
    assert json.loads(checkpoint.read_text())["event_id"] == 6
    assert problems(warehouse, checkpoint) == []
    again = runner.invoke(app, [*args, "--reason", "again"])
    assert again.exit_code == 1 and "exists: run `cohort audit verify` instead" in again.output


@pytest.mark.bad_input
def test_cli_checkpoint_refuses_a_broken_chain(warehouse: Path) -> None:
    audit_chain.checkpoint_path(warehouse).unlink()
    with connect(warehouse) as con:
        con.execute("UPDATE audit.event SET detail = 'nothing' WHERE event_id = 2")
    args = ["audit", "checkpoint", "--reason", "r", "--warehouse", str(warehouse)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "event 2: edited" in result.output
    assert not audit_chain.checkpoint_path(warehouse).exists()


def test_changed_recipients_with_a_recomputed_hash_break_the_next_link(warehouse: Path) -> None:
    with connect(warehouse) as con:
        forged = {**as_dict(con, 4), "recipients": "nobody"}
        con.execute(
            "UPDATE audit.event SET recipients = 'nobody', event_hash = ? WHERE event_id = 4",
            [independent_hash(forged)],
        )
    found = problems(warehouse)
    assert [p[0] for p in found] == [5]
    assert "event 5: its previous_hash is not the hash of event 4" in found[0][1]


def test_swapped_event_ids_are_caught(warehouse: Path) -> None:
    with connect(warehouse) as con:
        con.execute("UPDATE audit.event SET event_id = 99 WHERE event_id = 2")
        con.execute("UPDATE audit.event SET event_id = 2 WHERE event_id = 3")
        con.execute("UPDATE audit.event SET event_id = 3 WHERE event_id = 99")
    found = problems(warehouse)
    assert {2, 3} <= {p[0] for p in found}
    assert (2, "event 2: edited (its hash does not match its contents)") in found


def test_a_hash_blanked_after_later_events_were_sealed_is_caught_and_never_resealed(warehouse: Path) -> None:
    with connect(warehouse) as con:
        con.execute("UPDATE audit.event SET event_hash = NULL WHERE event_id = 2")
        audit.record(con, "user:ana", "decision", "list run 1: 1 decision", at=AT)
        assert con.execute("SELECT event_hash FROM audit.event WHERE event_id = 2").fetchall() == [(None,)]
    assert problems(warehouse) == [(2, "event 2: its hash is blank although the log is sealed")]


def test_events_from_before_the_chain_are_sealed_by_the_next_record(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with connect(path) as con:
        for n, action in enumerate(["collect", "reject", "model_approved"], start=1):
            con.execute(
                "INSERT INTO audit.event (event_id, occurred_at, actor, action, detail) "
                "VALUES (?, ?, ?, ?, ?)",
                [n, datetime(2026, 1, n, 9, 30), "flow:old", action, f"legacy {n}"],
            )
        before = audit_chain.verify(con, None, AT)
        audit.record(con, "user:ana", "view", "list opened", purpose="review", at=AT)
        rows = [as_dict(con, n) for n in range(1, 5)]
        after = audit_chain.verify(con, None, AT)
    assert (before.checked, before.unsealed) == (3, 3)
    assert [p.what.split(":")[0] for p in before.problems] == ["none of the 3 events has a hash"]
    assert [r["category"] for r in rows] == ["collection", "collection", "alteration", "consultation"]
    assert rows[0]["previous_hash"] == "" and rows[0]["occurred_at"] == "2026-01-01T09:30:00.000000"
    assert [independent_hash(r) for r in rows] == [r["event_hash"] for r in rows]
    assert [r["previous_hash"] for r in rows[1:]] == [r["event_hash"] for r in rows[:-1]]
    assert (after.checked, after.unsealed, after.problems) == (4, 0, [])


@pytest.mark.parametrize(
    ("action", "kwargs", "message"),
    [
        ("delete_everything", {}, "audit action 'delete_everything' has no s.62 category"),
        ("view", {}, "audit action 'view' is a consultation: give its purpose"),
        ("export", {"recipients": "the board"}, "audit action 'export' is a disclosure: give its purpose"),
        ("subject_access", {"purpose": "SAR 12"}, "'subject_access' is a disclosure: say who received"),
        ("audit_export", {"purpose": "ICO", "recipients": "  "}, "say who received the data"),
    ],
)
def test_an_uncategorised_or_unjustified_event_is_refused(
    tmp_path: Path, action: str, kwargs: dict[str, Any], message: str
) -> None:
    with connect(tmp_path / "w.duckdb") as con:
        with pytest.raises(ValueError, match=message):
            audit.record(con, "user:ana", action, "something", **kwargs, at=AT)
        assert con.execute("SELECT count(*) FROM audit.event").fetchall() == [(0,)]


def test_every_action_has_one_of_the_six_categories_and_the_docstring_gives_the_fields() -> None:
    assert set(audit.CATEGORIES.values()) == set(audit.S62_CATEGORIES)
    for name in ("collect", "combine", "view", "export", "publish", "decision", "link_decision", "reproduce",
                 "reject", "supersede", "model_candidate", "model_approved", "model_retired",
                 "subject_access", "erase", "board_pack", "audit_export"):  # fmt: skip
        assert audit.category_of(name) in audit.S62_CATEGORIES
    assert list(audit.HASHED) == HASHED
    assert f"``[{', '.join(HASHED)}]``" in " ".join((audit.__doc__ or "").split())


def test_an_export_of_some_days_checks_on_its_own(tmp_path: Path) -> None:
    times = [
        (14, 9, 0, 0),
        (15, 0, 0, 0),
        (15, 11, 0, 0),
        (16, 23, 59, 500_000),
        (17, 0, 0, 0),
        (17, 9, 0, 0),
    ]
    clock = iter(datetime(2026, 11, d, h, m, microsecond=us) for d, h, m, us in times)
    with connect(tmp_path / "w.duckdb") as con:
        record_five(con, clock)
        summary = audit.export(
            con, tmp_path / "out", since=date(2026, 11, 15), until=date(2026, 11, 16), now=AT
        )
        head_before = as_dict(con, 1)["event_hash"]
    lines = [json.loads(line) for line in summary.events_file.read_text(encoding="utf-8").splitlines()]
    manifest = json.loads(summary.manifest_file.read_text())
    assert [(e["event_id"], e["occurred_at"]) for e in lines] == [
        (2, "2026-11-15T00:00:00.000000"),
        (3, "2026-11-15T11:00:00.000000"),
        (4, "2026-11-16T23:59:00.500000"),
    ]
    assert lines[0]["previous_hash"] == manifest["previous_hash_of_first"] == head_before
    for line in lines:
        assert independent_hash(line) == line["event_hash"]
    assert [e["previous_hash"] for e in lines[1:]] == [e["event_hash"] for e in lines[:-1]]
    assert "café £5\nline two" in lines[1]["detail"]
    assert manifest["events_sha256"] == hashlib.sha256(summary.events_file.read_bytes()).hexdigest()
    assert (manifest["count"], manifest["first_event_id"], manifest["last_event_id"]) == (3, 2, 4)
    assert manifest["head_hash"] == lines[-1]["event_hash"] and "RFC 8785" in manifest["serialisation"]
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o700
    assert {stat.S_IMODE(f.stat().st_mode) for f in (summary.events_file, summary.manifest_file)} == {0o600}


def test_an_export_never_overwrites_an_earlier_one(warehouse: Path, tmp_path: Path) -> None:
    with connect(warehouse) as con:
        audit.export(con, tmp_path / "out", now=AT)
        with pytest.raises(FileExistsError, match="events.jsonl already exists: export into a new folder"):
            audit.export(con, tmp_path / "out", now=AT)


def test_cli_verify_says_intact_then_lists_each_problem(warehouse: Path) -> None:
    result = runner.invoke(app, ["audit", "verify", "--warehouse", str(warehouse)])
    assert result.exit_code == 0, result.output
    assert "events checked: 5" in result.output and "the audit log is intact" in result.output
    assert (warehouse.parent / "w.audit-checkpoint.json").exists()
    with connect(warehouse) as con:
        con.execute("UPDATE audit.event SET actor = 'user:eve' WHERE event_id = 2")
        con.execute("DELETE FROM audit.event WHERE event_id = 4")
    result = runner.invoke(app, ["audit", "verify", "--warehouse", str(warehouse)])
    assert result.exit_code == 1
    assert "event 2: edited (its hash does not match its contents)" in result.output
    assert "event 4 deleted" in result.output and "Data Protection Officer" in result.output


def test_cli_verify_refuses_a_missing_warehouse(tmp_path: Path) -> None:
    result = runner.invoke(app, ["audit", "verify", "--warehouse", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 3 and "no warehouse at" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "none.duckdb").exists()


def test_cli_export_writes_private_files_and_records_the_disclosure(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "for-ico"
    args = ["audit", "export", "--out", str(out), "--warehouse", str(warehouse), "--by", "dpo"]
    result = runner.invoke(app, [*args, "--recipient", "the ICO", "--reason", "inspection 2026/7"])
    assert result.exit_code == 0, result.output
    assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in out.iterdir()} == {
        "events.jsonl": 0o600, "manifest.json": 0o600
    }  # fmt: skip
    with connect(warehouse) as con:
        event = as_dict(con, 6)
        assert audit_chain.verify(con, None, AT).intact
    digest = hashlib.sha256((out / "events.jsonl").read_bytes()).hexdigest()
    wanted = {
        "actor": "user:dpo", "action": "audit_export", "category": "disclosure",
        "purpose": "inspection 2026/7", "recipients": "the ICO", "rows": 5, "sha256": digest,
    }  # fmt: skip
    assert {k: event[k] for k in wanted} == wanted
    again = runner.invoke(app, [*args, "--recipient", "the ICO", "--reason", "again"])
    assert again.exit_code == 1 and "already exists" in again.output
    with connect(warehouse) as con:  # the refused export recorded nothing
        assert con.execute("SELECT max(event_id) FROM audit.event").fetchall() == [(6,)]
    missing = runner.invoke(app, ["audit", "export", "--out", str(tmp_path / "x"), "--reason", "r"])
    assert missing.exit_code == 2 and "--recipient" in missing.output


def test_cli_show_lists_the_latest_events_of_a_category(warehouse: Path) -> None:
    result = runner.invoke(
        app, ["audit", "show", "--category", "consultation", "--warehouse", str(warehouse)]
    )
    assert result.exit_code == 0, result.output
    assert "list run 1: 3 entries opened" in result.output and "link run 1" not in result.output
    result = runner.invoke(app, ["audit", "show", "--last", "2", "--warehouse", str(warehouse)])
    assert "pair 4: match" in result.output and "list.html" in result.output
    assert "file loaded" not in result.output


def test_the_ingest_and_link_log_of_a_real_warehouse_is_intact(linked: Path, tmp_path: Path) -> None:
    path = tmp_path / "linked.duckdb"
    copy_warehouse(linked, path, checkpoint=False)
    with connect(path) as con:
        result = audit_chain.verify(con, None, AT)
        counts = dict(con.execute("SELECT category, count(*) FROM audit.event GROUP BY 1").fetchall())
    assert result.problems == [] and result.checked == sum(counts.values()) > 10
    assert set(counts) == {"collection", "combination"} and counts["combination"] == 1
