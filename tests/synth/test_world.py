"""End-to-end properties of a generated world."""

from __future__ import annotations

import hashlib
import stat
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from data_contracts.identifiers import nhs_number_is_valid, pnc_id_is_valid, upn_is_valid
from synth.params import WorldParams
from synth.sources import BY_NAME, SOURCES
from tests.conftest import SMALL, make_world

World = tuple[Path, dict[str, object]]


def read_extract(path: Path, source_name: str) -> pl.DataFrame:
    source = BY_NAME[source_name]
    if source.file_format == "xlsx":
        return pl.read_excel(path)
    return pl.read_csv(path, separator=source.delimiter, infer_schema=False)


def files_of(world: World) -> list[dict[str, object]]:
    files = world[1]["files"]
    assert isinstance(files, list)
    return files


def digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_byte_identical_files(small_world: World, tmp_path: Path) -> None:
    again = tmp_path / "again"
    make_world(SMALL, again)
    assert digests(again) == digests(small_world[0])


def test_another_seed_gives_another_world(small_world: World, tmp_path: Path) -> None:
    other = tmp_path / "other"
    make_world(WorldParams(residents=SMALL.residents, seed=SMALL.seed + 1), other)
    first, second = digests(small_world[0]), digests(other)
    assert first.keys() == second.keys()
    assert first["ground_truth/people.parquet"] != second["ground_truth/people.parquet"]


def test_outputs_are_owner_only(small_world: World) -> None:
    root = small_world[0]
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path} is readable by others ({oct(mode)})"


def test_every_source_delivers_an_initial_file_and_increments(small_world: World) -> None:
    files = files_of(small_world)
    for source in SOURCES:
        mine = [f for f in files if f["source"] == source.name]
        assert [f["kind"] for f in mine][0] == "initial"
        expected = {"weekly": 12, "monthly": 3, "termly": 1}[source.cadence]
        assert len(mine) - 1 == expected, source.name


def test_every_extract_row_has_exactly_one_true_identity(small_world: World) -> None:
    root, manifest = small_world
    identity = pl.read_parquet(root / "ground_truth" / "record_identity.parquet")
    assert identity.height == manifest["totals"]["rows"]  # type: ignore[index]
    assert identity.select("source", "source_record_id").is_duplicated().sum() == 0
    assert identity["true_person_id"].null_count() == 0
    for f in files_of(small_world):
        rows = read_extract(root / str(f["file"]), str(f["source"]))
        assert rows.height == f["rows"]
        ids = rows[BY_NAME[str(f["source"])].record_id].cast(pl.String)
        known = identity.filter(pl.col("source") == f["source"])["source_record_id"]
        assert ids.is_in(known.implode()).all(), f["file"]


def test_manifest_documents_every_file_and_column(small_world: World) -> None:
    root, manifest = small_world
    listed = {str(f["file"]) for f in files_of(small_world)}
    on_disk = {str(p.relative_to(root)) for p in (root / "landing").iterdir()}
    assert listed == on_disk
    for f in files_of(small_world):
        path = root / str(f["file"])
        assert hashlib.sha256(path.read_bytes()).hexdigest() == f["sha256"]
        header = read_extract(path, str(f["source"])).columns
        assert header == list(BY_NAME[str(f["source"])].columns), f["file"]
    truth = manifest["ground_truth"]
    assert isinstance(truth, dict)
    for name, entry in truth.items():
        frame = pl.read_parquet(root / entry["file"])
        assert set(frame.columns) == set(entry["columns"]), name


def test_planted_defects_are_counted_and_near_the_requested_share(small_world: World) -> None:
    root, manifest = small_world
    invalid = pl.read_parquet(root / "ground_truth" / "invalid_rows.parquet")
    assert invalid.height == manifest["totals"]["invalid_rows"]  # type: ignore[index]
    share = invalid.height / manifest["totals"]["rows"]  # type: ignore[index]
    assert 0.0035 < share < 0.0065
    assert set(invalid["defect"].unique()) == {
        "impossible_date",
        "unknown_code",
        "missing_key",
        "malformed_identifier",
    }
    for f in files_of(small_world):
        assert sum(f["invalid_by_defect"].values()) == f["invalid_rows"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("source", "column", "check"),
    [
        ("police_occurrences", "PNC_ID", pnc_id_is_valid),
        ("education_attendance", "upn", upn_is_valid),
        ("health_ed_attendances", "NHS_NUMBER", nhs_number_is_valid),
    ],
)
def test_identifiers_fail_their_check_only_where_planted(
    small_world: World, source: str, column: str, check: object
) -> None:
    root = small_world[0]
    invalid = pl.read_parquet(root / "ground_truth" / "invalid_rows.parquet").filter(
        (pl.col("source") == source) & (pl.col("defect") == "malformed_identifier")
    )
    record_id = BY_NAME[source].record_id
    rows = pl.concat(
        [read_extract(root / str(f["file"]), source) for f in files_of(small_world) if f["source"] == source]
    )
    failing = rows.filter(~check(pl.col(column)))[record_id]  # type: ignore[operator]
    assert sorted(failing.to_list()) == sorted(invalid["source_record_id"].to_list())
    assert rows[column].null_count() < 0.1 * rows.height


def test_rows_arrive_in_the_first_delivery_after_they_were_recorded(small_world: World) -> None:
    root = small_world[0]
    for f in files_of(small_world):
        if f["source"] != "police_occurrences":
            continue
        rows = read_extract(root / str(f["file"]), "police_occurrences").with_columns(
            pl.col("RECORDED_DATE").str.to_date("%d/%m/%Y"),
            pl.col("OFFENCE_DATE").str.to_date("%d/%m/%Y", strict=False),
        )
        before = date.fromisoformat(str(f["recorded_before"]))
        assert (rows["RECORDED_DATE"] < before).all()
        if f["recorded_from"]:
            assert (rows["RECORDED_DATE"] >= date.fromisoformat(str(f["recorded_from"]))).all()
        valid = rows.filter(pl.col("OFFENCE_DATE").is_not_null())
        assert (valid["OFFENCE_DATE"] <= valid["RECORDED_DATE"]).all()


def test_police_records_lag_their_events_and_late_ones_are_not_delivered(
    small_world: World,
) -> None:
    root, manifest = small_world
    events = pl.read_parquet(root / "ground_truth" / "events.parquet")
    identity = pl.read_parquet(root / "ground_truth" / "record_identity.parquet")
    police = events.filter(pl.col("kind").is_in(["offence", "victimisation"]) & pl.col("recorded"))
    lag = (police["recorded_date"] - police["event_date"]).dt.total_days()
    assert lag.min() >= 0
    assert (lag > 28).mean() > 0.05  # a real tail of records arriving weeks later
    end = date.fromisoformat(str(manifest["history"]["end_date"]))  # type: ignore[index]
    late = police.filter(pl.col("recorded_date") >= end).select(
        pl.format("OCC{}", pl.col("event_id").cast(pl.String).str.zfill(9)).alias("source_record_id")
    )
    delivered = identity.filter(pl.col("source") == "police_occurrences")["source_record_id"]
    assert late.height > 0
    assert not late["source_record_id"].is_in(delivered.implode()).any()


def test_spreadsheet_extract_is_a_real_workbook(small_world: World) -> None:
    root = small_world[0]
    workbook = next((root / "landing").glob("education_exclusions_*.xlsx"))
    assert workbook.read_bytes()[:2] == b"PK"
    sheet = pl.read_excel(workbook)
    assert sheet.schema["Start Date"] in (pl.Date, pl.Datetime)


def test_adult_co_offenders_appear_only_in_police_records(small_world: World) -> None:
    root = small_world[0]
    people = pl.read_parquet(root / "ground_truth" / "people.parquet")
    identity = pl.read_parquet(root / "ground_truth" / "record_identity.parquet")
    events = pl.read_parquet(root / "ground_truth" / "events.parquet")
    adults = people.filter(~pl.col("simulated_in_detail"))["true_person_id"]
    theirs = events.filter(pl.col("true_person_id").is_in(adults.implode()))
    assert theirs.height > 0
    assert set(theirs["kind"].unique().to_list()) == {"offence"}
    sources = identity.filter(pl.col("true_person_id").is_in(adults.implode()))["source"].unique()
    assert set(sources.to_list()) <= {"police_occurrences"}
