"""Publishing a weekly list: owner-only files, byte-identical rebuilds, no formulas, a workbook read back."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import stat
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest

from lists.checks import IDENTITY_FLAG, RunChecks
from lists.entries import DECISIONS, DEPARTURE_SCHEMA, ENTRY_SCHEMA, ListRun
from pipelines.weekly.publish import (
    FILES,
    LIST_CSV,
    LIST_PARQUET,
    PSEUDONYMISED,
    REPORT,
    WORKBOOK,
    load_or_create_key,
    neutralise,
    pseudonym,
    publish,
    published_frame,
)
from pipelines.weekly.reviewed_workbook import WorkbookError, read_reviewed_workbook
from pipelines.weekly.workbook import ABOUT_SHEET, DATA_QUALITY, DECIDED_AT

KEY = b"k" * 32
RUN = ListRun(
    run_id=7, as_of=date(2024, 3, 4), created_at=datetime(2024, 3, 4, 9, 30), created_by="analyst",
    mode="rules and model", model_version="m-2024-02", model_approval="demo approval, 01/02/2024",
    rules_version="r-abc123", code_version="c-def456", capacity=2, previous_run_id=6,
    previous_as_of=date(2024, 2, 26),
)  # fmt: skip
RULES_ALONE = ListRun(
    **(RUN.__dict__ | {"mode": "rules alone", "model_version": None, "model_approval": None})
)
CHECKED = ListRun(
    **(RUN.__dict__ | {"checks": RunChecks(
        "ingest-9", ("quarantine_share (police_occurrences): 9.00% is 7.00% over the 2.00% limit",),
        ("education_attendance: newest file (2023-10-02) is 154 days old",), "police confirmed by phone",
        frozenset({102}),
    )})
)  # fmt: skip


def factor(text: str, source: str, contribution: float) -> dict[str, Any]:
    return {"feature": text.replace(" ", "_"), "text": text, "source": source, "contribution": contribution}


def entries_frame(rules_alone: bool = False) -> pl.DataFrame:
    people = [
        {"person_id": 101, "name": "Ada Brook", "dob": date(2006, 5, 1), "age": 17, "route": "both",
         "probability": 0.31, "probability_text": "31%", "band": "high",
         "rules_met": [{"rule_id": "knife", "text": "=HYPERLINK(\"x\",\"y\")", "reason": "+1 knife offence"}],
         "raising": [factor("two knife offences in a year", "police", 0.4)],
         "lowering": [factor("attends school", "education", -0.1)],
         "safeguarding": ["stabbed as a victim, 12/01/2024"],
         "pathways": [{"pathway": "mentor", "name": "+1 mentoring", "because": "referral open"}],
         "change": "continuing", "previous_rank": 2, "last_decision": "defer"},
        {"person_id": 102, "name": "Ben Carr", "dob": date(2008, 9, 30), "age": 15, "route": "rule",
         "probability": 0.08, "probability_text": "8%", "band": "medium",
         "rules_met": [{"rule_id": "robbery", "text": "Robbery", "reason": "charged 02/02/2024"}],
         "raising": [], "lowering": [], "safeguarding": [],
         "pathways": [{"pathway": "family", "name": "Family support", "because": "sibling in care"}],
         "change": "new", "previous_rank": None, "last_decision": None},
        {"person_id": 103, "name": "Cal Dunn", "dob": date(2001, 1, 15), "age": 23, "route": "model",
         "probability": 0.22, "probability_text": "22%", "band": "high", "rules_met": [],
         "raising": [factor("assault attendances at A&E", "health", 0.3)], "lowering": [],
         "safeguarding": [], "pathways": [], "change": "new", "previous_rank": None, "last_decision": None},
    ]  # fmt: skip
    if rules_alone:
        people = [p for p in people if p["rules_met"]]
        for p in people:
            p |= {
                "probability": None,
                "probability_text": "no model",
                "band": None,
                "raising": [],
                "lowering": [],
            }
    for rank, p in enumerate(people, start=1):
        p |= {"rank": rank, "within_capacity": rank <= RUN.capacity, "review_by": date(2024, 3, 11)}
    return pl.DataFrame(people, schema=ENTRY_SCHEMA)


DEPARTURES = pl.DataFrame(
    [{"person_id": 104, "name": "Dee Eve", "previous_rank": 1, "why": "aged out"},
     {"person_id": 105, "name": "@Eli Fox", "previous_rank": 3, "why": "risk fell"}],
    schema=DEPARTURE_SCHEMA,
)  # fmt: skip


@pytest.fixture
def published(tmp_path: Path) -> Path:
    folder = tmp_path / "lists" / "run-7"
    publish(folder, RUN, entries_frame(), DEPARTURES, KEY)
    return folder


def test_neutralise_prefixes_formula_starts_only() -> None:
    assert [neutralise(t) for t in ("=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "a=b", "")] == [
        "'=1+1", "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "a=b", "",
    ]  # fmt: skip


def test_published_frame_is_flat_and_readable() -> None:
    frame = published_frame(RUN, entries_frame())
    assert frame["rank"].to_list() == [1, 2, 3]
    first = frame.row(0, named=True)
    assert first["mode"] == "rules and model" and first["within capacity"] == "yes"
    assert first["date of birth"] == "01/05/2006" and first["review by"] == "11/03/2024"
    assert first["rules met"] == '\'=HYPERLINK("x","y"): +1 knife offence'
    assert first["risk raised by"] == "two knife offences in a year (police)"
    assert first["suggested pathways"] == "'+1 mentoring: referral open"
    assert first["change"] == "continuing (previous rank 2)"
    assert frame["change"].to_list()[1:] == ["new", "new"]
    assert frame["within capacity"].to_list() == ["yes", "yes", "no"]


def test_rules_alone_says_so_on_every_row() -> None:
    frame = published_frame(RULES_ALONE, entries_frame(rules_alone=True))
    assert frame["mode"].to_list() == ["rules alone", "rules alone"]
    assert frame["probability"].to_list() == ["no model", "no model"]
    assert frame["band"].null_count() == 2 and frame["risk raised by"].null_count() == 2


def test_files_are_owner_only(published: Path) -> None:
    assert sorted(p.name for p in published.iterdir()) == sorted(FILES)
    assert stat.S_IMODE(published.stat().st_mode) == 0o700
    for path in published.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


@pytest.mark.parametrize("run", [RUN, RULES_ALONE, CHECKED])
def test_republishing_gives_byte_identical_files(tmp_path: Path, run: ListRun) -> None:
    entries = entries_frame(rules_alone=run.rules_alone)
    first = publish(tmp_path / "a", run, entries, DEPARTURES, KEY)
    second = publish(tmp_path / "b", run, entries, DEPARTURES, KEY)
    assert list(first) == list(FILES) and first == second
    for name in FILES:
        content = (tmp_path / "a" / name).read_bytes()
        assert content == (tmp_path / "b" / name).read_bytes(), name
        assert hashlib.sha256(content).hexdigest() == first[name]


def test_no_published_cell_starts_a_formula(published: Path) -> None:
    formula = ("=", "+", "-", "@", "\t", "\r")
    with (published / LIST_CSV).open(newline="") as handle:
        cells = [c for row in csv.reader(handle) for c in row]
    assert '\'=HYPERLINK("x","y")' in " ".join(cells)
    parquet = pl.read_parquet(published / LIST_PARQUET)
    cells += [v for c in parquet.select(pl.col(pl.String)).columns for v in parquet[c].drop_nulls()]
    book = openpyxl.load_workbook(published / WORKBOOK)
    cells += [
        c.value for ws in book.worksheets for r in ws.iter_rows() for c in r if isinstance(c.value, str)
    ]
    assert "'@Eli Fox" in cells
    assert not [c for c in cells if c.startswith(formula)]
    assert not [c for ws in book.worksheets for r in ws.iter_rows() for c in r if c.data_type == "f"]


def test_parquet_and_csv_hold_the_same_frame(published: Path) -> None:
    from_csv = pl.read_csv(published / LIST_CSV, infer_schema=False)
    from_parquet = pl.read_parquet(published / LIST_PARQUET).cast(pl.String)
    assert from_csv.fill_null("").equals(from_parquet.fill_null(""))


def test_decision_column_offers_exactly_the_decisions(published: Path) -> None:
    sheet = openpyxl.load_workbook(published / WORKBOOK)["List"]
    header = [c.value for c in sheet[3]]
    letter = openpyxl.utils.get_column_letter(header.index("decision") + 1)
    (validation,) = sheet.data_validations.dataValidation
    assert validation.type == "list"
    assert validation.formula1 == '"' + ",".join(DECISIONS) + '"'
    assert str(validation.sqref) == f"{letter}4:{letter}6"
    assert "RULES" not in str(sheet["A1"].value) and "m-2024-02" in str(sheet["A1"].value)
    assert sheet.freeze_panes is not None and sheet.auto_filter.ref is not None
    editable = {header.index(n) for n in ("suggested pathways", "decision", "reason", "reviewer")}
    assert sheet.protection.sheet and sheet.protection.autoFilter is False  # False: filtering is allowed
    for row in sheet.iter_rows(min_row=4, max_row=6):
        assert [i for i, c in enumerate(row) if not c.protection.locked] == sorted(editable)


def review(
    path: Path, rows: dict[int, tuple[str, str, str]], person_ids: dict[int, str | None] | None = None
) -> None:
    """What an analyst does: fill decision, reason and reviewer on some rows, and save.

    person_ids overwrites the person id cell of some rows, as a careless edit would.
    """
    book = openpyxl.load_workbook(path)
    sheet = book["List"]
    header = [c.value for c in sheet[3]]
    for row, values in rows.items():
        for name, value in zip(("decision", "reason", "reviewer"), values, strict=True):
            sheet.cell(row=row, column=header.index(name) + 1, value=value)
    for row, person in (person_ids or {}).items():
        sheet.cell(row=row, column=header.index("person id") + 1).value = person
    book.save(path)


def test_reviewed_workbook_reads_back(published: Path) -> None:
    path = published / WORKBOOK
    review(
        path,
        {4: (" Accept ", "known to youth offending", "J. Smith"), 6: ("", "needs more information", "")},
        person_ids={6: " 103.0"},  # retyped as text, as Excel shows a float
    )
    reviewed = read_reviewed_workbook(path)
    check = hashlib.sha256((published / LIST_CSV).read_bytes()).hexdigest()
    assert (reviewed.run_id, reviewed.list_check) == (7, check)
    assert reviewed.rows.to_dicts() == [
        {"row": 4, "person_id": 101, "decision": "accept", "reason": "known to youth offending",
         "reviewer": "J. Smith", "pathway": "'+1 mentoring: referral open", "decided_at": None},
        {"row": 6, "person_id": 103, "decision": None, "reason": "needs more information",
         "reviewer": None, "pathway": None, "decided_at": None},
    ]  # fmt: skip
    assert reviewed.made_at == datetime(2024, 3, 4, 9, 30)  # the run's created at: the workbook's made-at
    assert reviewed.rows.schema["person_id"] == pl.Int64


def test_unreviewed_workbook_has_no_rows(published: Path) -> None:
    assert read_reviewed_workbook(published / WORKBOOK).rows.is_empty()


def test_workbook_that_is_not_ours_is_refused(tmp_path: Path, published: Path) -> None:
    text = tmp_path / "notes.xlsx"
    text.write_text("person id,decision\n")
    with pytest.raises(WorkbookError, match="not an .xlsx workbook"):
        read_reviewed_workbook(text)
    other = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(other)
    with pytest.raises(WorkbookError, match="not a workbook published by cohort weekly"):
        read_reviewed_workbook(other)
    book = openpyxl.load_workbook(published / WORKBOOK)
    book["List"]["A3"].value = "something"
    header = [c.value for c in book["List"][3]]
    book["List"].cell(row=3, column=header.index("reviewer") + 1, value="checked by")
    book.save(tmp_path / "renamed.xlsx")
    with pytest.raises(WorkbookError, match="sheet 'List', row 3: missing column\\(s\\) 'reviewer'"):
        read_reviewed_workbook(tmp_path / "renamed.xlsx")


def test_reviewed_row_without_person_id_is_refused(published: Path) -> None:
    path = published / WORKBOOK
    review(path, {5: ("decline", "moved away", "J. Smith")}, person_ids={5: None})
    with pytest.raises(WorkbookError, match="row 5, column 'person id'"):
        read_reviewed_workbook(path)


def test_pseudonymised_list_carries_no_identities(published: Path) -> None:
    text = (published / PSEUDONYMISED).read_text()
    frame = pl.read_csv(io.StringIO(text), infer_schema=False)
    assert frame.columns == [
        "pseudonym", "as of", "mode", "rank", "within capacity", "route", "band", "age",
        "suggested pathways", "change", "review by",
    ]  # fmt: skip
    assert frame["pseudonym"].to_list() == [pseudonym(p, KEY) for p in (101, 102, 103)]
    assert frame["suggested pathways"].to_list() == ["'+1 mentoring", "Family support", None]
    for secret in (
        "Ada",
        "Brook",
        "Carr",
        "01/05/2006",
        "101",
        "102",
        "knife",
        "referral",
        "police",
        "stabbed",
    ):
        assert secret not in text, secret


def test_pseudonyms_change_with_the_key(tmp_path: Path) -> None:
    entries = entries_frame()
    publish(tmp_path / "a", RUN, entries, DEPARTURES, KEY)
    publish(tmp_path / "b", RUN, entries, DEPARTURES, b"another key of 32 bytes........")
    first, second = (pl.read_csv(tmp_path / f / PSEUDONYMISED)["pseudonym"] for f in "ab")
    assert not set(first) & set(second)
    assert len(pseudonym(101, KEY)) == 16 and pseudonym(101, KEY) == pseudonym(101, KEY)


def test_report_is_offline_and_explains_everyone(published: Path) -> None:
    html = (published / REPORT).read_text()
    assert "http://" not in html and "https://" not in html and "<script" not in html and "<img" not in html
    for rank, name in enumerate(("Ada Brook", "Ben Carr", "Cal Dunn"), start=1):
        assert f'id="rank-{rank}"' in html and name in html
    assert 'class="safeguarding"' in html and "stabbed as a victim, 12/01/2024" in html
    assert "=HYPERLINK(&#34;x&#34;,&#34;y&#34;)" in html  # escaped, not neutralised: HTML runs no formulas
    assert "aged out" in html and "left: risk fell" in html
    assert "banner rules-alone" not in html and "advisory" in html


def test_rules_alone_report_has_the_banner(tmp_path: Path) -> None:
    publish(tmp_path, RULES_ALONE, entries_frame(rules_alone=True), DEPARTURES.clear(), KEY)
    html = (tmp_path / REPORT).read_text()
    assert 'class="banner rules-alone"' in html and "RULES ALONE" in html
    assert "Raising the estimated risk" not in html
    sheet = openpyxl.load_workbook(tmp_path / WORKBOOK)["List"]
    assert str(sheet["A1"].value).startswith("RULES ALONE")


def test_key_is_created_owner_only_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "pseudonym.key"
    key, created = load_or_create_key(path)
    assert created and len(key) == 64 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path) == (key, False)


def test_open_or_short_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pseudonym.key"
    path.write_bytes(b"x" * 32)
    os.chmod(path, 0o644)
    with pytest.raises(ValueError, match="chmod 600"):
        load_or_create_key(path)
    path.write_bytes(b"short\n")
    os.chmod(path, 0o600)
    with pytest.raises(ValueError, match="shorter than 16"):
        load_or_create_key(path)


def test_empty_list_still_publishes_and_reads_back(tmp_path: Path) -> None:
    digests = publish(tmp_path, RULES_ALONE, entries_frame().clear(), DEPARTURES.clear(), KEY)
    assert list(digests) == list(FILES)
    assert pl.read_csv(tmp_path / LIST_CSV).is_empty()
    reviewed = read_reviewed_workbook(tmp_path / WORKBOOK)
    assert (reviewed.run_id, reviewed.list_check, reviewed.rows.height) == (7, digests[LIST_CSV], 0)


def test_created_at_in_another_zone_gives_the_same_files(tmp_path: Path) -> None:
    zone = timezone(timedelta(hours=1))
    aware = ListRun(**(RUN.__dict__ | {"created_at": datetime(2024, 3, 4, 10, 30, tzinfo=zone)}))
    entries = entries_frame()
    assert publish(tmp_path / "a", RUN, entries, DEPARTURES, KEY) == publish(
        tmp_path / "b", aware, entries, DEPARTURES, KEY
    )
    assert "2024-03-04 09:30:00 UTC" in (tmp_path / "a" / REPORT).read_text()


@pytest.mark.bad_input
def test_a_list_from_failed_gates_says_so_everywhere_and_flags_identity_matches(tmp_path: Path) -> None:
    folder = tmp_path / "checked"
    publish(folder, CHECKED, entries_frame(), DEPARTURES, KEY)
    report = (folder / REPORT).read_text()
    assert "DATA QUALITY" in report and "9.00% is 7.00% over the 2.00% limit" in report
    assert "education_attendance: newest file (2023-10-02) is 154 days old" in report
    assert "police confirmed by phone" in report and "1 of the people on this list" in report
    flat = pl.read_csv(folder / LIST_CSV)
    assert flat[IDENTITY_FLAG].to_list() == [None, "yes", None]  # person 102 is ranked second
    sheet = openpyxl.load_workbook(folder / WORKBOOK)[ABOUT_SHEET]
    about = {row[0].value: row[1].value for row in sheet.iter_rows()}
    assert CHECKED.checks is not None
    assert about[DATA_QUALITY].splitlines() == CHECKED.checks.warnings()
    assert about[IDENTITY_FLAG].startswith("1 listed people have an identity match awaiting review")


def test_a_run_made_before_the_checks_publishes_as_it_did(published: Path) -> None:
    assert IDENTITY_FLAG not in pl.read_csv(published / LIST_CSV).columns
    assert "DATA QUALITY" not in (published / REPORT).read_text()
    header = [c.value for c in openpyxl.load_workbook(published / WORKBOOK)["List"][3]]
    assert DECIDED_AT not in header


@pytest.mark.bad_input
def test_a_decided_at_cell_dates_the_row_and_a_non_date_is_refused_by_row_and_column(tmp_path: Path) -> None:
    folder = tmp_path / "checked"
    publish(folder, CHECKED, entries_frame(), DEPARTURES, KEY)
    path = folder / WORKBOOK
    review(path, {4: ("defer", "awaiting school", "J. Smith"), 5: ("known", "open case", "J. Smith")})
    book = openpyxl.load_workbook(path)
    sheet = book["List"]
    column = [c.value for c in sheet[3]].index(DECIDED_AT) + 1
    sheet.cell(row=4, column=column, value=datetime(2024, 3, 6, 14, 5))
    book.save(path)
    reviewed = read_reviewed_workbook(path)
    assert reviewed.rows["decided_at"].to_list() == [datetime(2024, 3, 6, 14, 5), None]
    sheet.cell(row=5, column=column, value="next tuesday")
    book.save(path)
    with pytest.raises(WorkbookError, match="row 5, column 'decided at': not a date") as caught:
        read_reviewed_workbook(path)
    assert "tuesday" not in str(caught.value)  # the cell's text is not copied into the message
