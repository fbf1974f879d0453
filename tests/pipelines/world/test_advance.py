"""A world with a future, advanced week by week: its schedule, its bytes, and the effect it plants."""

from __future__ import annotations

import json
import stat
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from pipelines.world.advance import advance_world
from pipelines.world.write import write_delivery
from synth.future import FUTURE_FOLDER
from synth.sources import BY_NAME
from synth.treatment import removed_events
from synth.world import deliver, extract_frames, simulate
from tests.conftest import quiet_stage
from tests.pipelines.world.conftest import END, FUTURE, UNTIL, WITHDRAWN_ON, copy, digests
from tests.synth.test_world import read_extract


@pytest.fixture(scope="module")
def advanced(
    world: Path, allocation: Path, strong: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """The whole future advanced with nobody allocated, and with the allocation and the strong effect."""
    folder = tmp_path_factory.mktemp("advanced")
    baseline, treated = copy(world, folder / "baseline"), copy(world, folder / "treated")
    advance_world(baseline, 8)
    advance_world(treated, 8, allocation=allocation, effect=strong)
    return baseline, treated


def future_rows(world: Path) -> pl.DataFrame:
    """Every withheld row: file, source, record id and the event it records (read before advancing)."""
    index = json.loads((world / FUTURE_FOLDER / "deliveries.json").read_text())
    frames = []
    for entry in index:
        source = BY_NAME[entry["source"]]
        frame = pl.read_parquet(world / FUTURE_FOLDER / entry["frame"])
        frames.append(
            frame.select(
                pl.lit(entry["file"]).alias("file"),
                pl.lit(source.name).alias("source"),
                pl.col(source.record_id).cast(pl.String).alias("record"),
                pl.col("_event_id").alias("event_id"),
            )
        )
    return pl.concat(frames)


def events_of(rows: pl.DataFrame, records: set[tuple[str, str]]) -> set[int | None]:
    """The events recorded by the given (file, record id) rows."""
    chosen = pl.DataFrame(sorted(records), schema=["file", "record"], orient="row")
    return set(rows.join(chosen, on=["file", "record"])["event_id"])


def landed(world: Path, files: list[str]) -> set[tuple[str, str]]:
    """(file, record id) of every row of the named landing files."""
    rows = set()
    for name in files:
        source = BY_NAME[next(s for s in BY_NAME if name.startswith(s + "_"))]
        frame = read_extract(world / "landing" / name, source.name)
        rows |= {(name, str(r)) for r in frame[source.record_id].to_list()}
    return rows


def test_landing_ends_on_the_end_date_on_the_usual_schedule(
    world: Path, small_world: tuple[Path, dict[str, object]]
) -> None:
    names = sorted(p.name for p in (world / "landing").iterdir())
    assert names == sorted(p.name for p in (small_world[0] / "landing").iterdir())
    index = json.loads((world / FUTURE_FOLDER / "deliveries.json").read_text())
    dates = {(e["source"], date.fromisoformat(e["extract_date"])) for e in index}
    assert all(END < day <= UNTIL for _, day in dates)
    assert not {e["file"] for e in index} & set(names)
    weekly = [END + timedelta(weeks=k) for k in range(1, 9)]
    assert sorted(d for s, d in dates if s == "police_occurrences") == weekly
    assert sorted(d for s, d in dates if s == "health_ed_attendances") == [date(2026, 12, 16)]
    assert sorted(d for s, d in dates if s == "education_attendance") == [date(2027, 1, 5)]


def test_advanced_files_are_the_bytes_generate_world_writes(
    world: Path, advanced: tuple[Path, Path], tmp_path: Path
) -> None:
    sim = simulate(FUTURE, quiet_stage)
    expected = tmp_path / "landing"
    expected.mkdir()
    for name, frame in extract_frames(sim).items():
        for d in deliver(sim, name, frame).future:
            write_delivery(d, expected)
    baseline = advanced[0] / "landing"
    for path in expected.iterdir():
        assert path.read_bytes() == (baseline / path.name).read_bytes(), path.name
        assert path.stat().st_mtime == (baseline / path.name).stat().st_mtime
    assert len(list(baseline.iterdir())) == len(list((world / "landing").iterdir())) + len(
        list(expected.iterdir())
    )


def test_every_file_is_owner_only(advanced: tuple[Path, Path]) -> None:
    for path in [advanced[1], *advanced[1].rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_the_same_world_allocation_and_effect_give_the_same_bytes(
    world: Path, allocation: Path, tmp_path: Path
) -> None:
    first, second = copy(world, tmp_path / "first"), copy(world, tmp_path / "second")
    for each in (first, second):
        advance_world(each, 3, allocation=allocation)
    assert digests(first) == digests(second)
    assert digests(first) != digests(world)


def test_two_weeks_then_two_give_what_four_give(
    world: Path, allocation: Path, strong: Path, tmp_path: Path
) -> None:
    stepwise, at_once = copy(world, tmp_path / "stepwise"), copy(world, tmp_path / "at_once")
    advance_world(stepwise, 2, allocation=allocation, effect=strong)
    advance_world(stepwise, 2, allocation=allocation, effect=strong)
    advance_world(at_once, 4, allocation=allocation, effect=strong)
    assert digests(stepwise / "landing") == digests(at_once / "landing")
    assert digests(stepwise / FUTURE_FOLDER) == digests(at_once / FUTURE_FOLDER)
    for name in ("record_identity", "invalid_rows"):
        path = Path("ground_truth") / f"{name}.parquet"
        assert pl.read_parquet(stepwise / path).equals(pl.read_parquet(at_once / path))
    truth = [pl.read_parquet(w / "ground_truth" / "treatment.parquet") for w in (stepwise, at_once)]
    assert truth[0]["advance"].unique().sort().to_list() == [1, 2]
    assert truth[0].drop("advance").sort("allocation_id", "event_id").equals(truth[1].drop("advance"))
    assert truth[0]["prevented"].sum() > 0  # the comparison covers prevented events


def test_thinning_removes_exactly_the_records_of_prevented_events(
    world: Path, advanced: tuple[Path, Path]
) -> None:
    baseline, treated = advanced
    rows = future_rows(world)
    files = rows["file"].unique().to_list()
    assert landed(baseline, files) == set(
        rows.select("file", "record").iter_rows()
    )  # nobody allocated: all land
    gone = set(rows.select("file", "record").iter_rows()) - landed(treated, files)
    removed_ids = events_of(rows, gone)
    truth = pl.read_parquet(treated / "ground_truth" / "treatment.parquet")
    own = truth.filter((pl.col("arm") == "programme") & pl.col("in_window"))
    # the strong effect prevents every offence of the programme arm inside its window
    assert own.filter(pl.col("kind") == "offence")["prevented_if_treated"].all()
    # the records that must go: those of every prevented crime, worked out from the world's events
    events = pl.read_parquet(treated / "ground_truth" / "events.parquet")
    prevented = own.filter(pl.col("prevented_if_treated"))
    led = prevented.filter(~pl.col("co_offender"))["crime"]  # crimes they led, and victimisations
    joined = prevented.filter(pl.col("co_offender")).select("crime", "true_person_id")
    own_parts = events.filter(pl.col("kind").is_in(["offence", "arrest", "custody"]))
    expected = set(events.filter(pl.col("crime").is_in(led.implode()))["event_id"])
    expected |= set(own_parts.join(joined, on=["crime", "true_person_id"])["event_id"])
    with_rows = set(rows["event_id"].drop_nulls())
    assert removed_ids == expected & with_rows
    assert len(removed_ids) >= 5  # enough removed for the comparison to mean something
    assert None not in removed_ids  # attendance returns (no event) are never touched


def test_the_truth_agrees_with_what_was_removed(world: Path, advanced: tuple[Path, Path]) -> None:
    truth = pl.read_parquet(advanced[1] / "ground_truth" / "treatment.parquet")
    rows = future_rows(world)
    files = rows["file"].unique().to_list()
    present = landed(advanced[1], files)
    kept_events = events_of(rows, present)
    delivered = truth.filter(pl.col("event_id").is_in(rows["event_id"].implode()))
    for event_id, prevented in delivered.select("event_id", "prevented").iter_rows():
        assert prevented == (event_id not in kept_events), event_id
    removed = removed_events(
        truth.filter((pl.col("arm") == "programme") & pl.col("prevented_if_treated"))["event_id"].unique(),
        pl.read_parquet(world / FUTURE_FOLDER / "events.parquet"),
    )
    assert set(truth.filter("prevented")["event_id"]) == set(removed["event_id"]) & set(truth["event_id"])


def test_controls_and_the_withdrawn_keep_their_own_events(advanced: tuple[Path, Path]) -> None:
    truth = pl.read_parquet(advanced[1] / "ground_truth" / "treatment.parquet")
    controls = truth.filter(pl.col("arm") == "control")
    assert controls["prevented_if_treated"].any()  # their outcome under the programme is defined ...
    assert (
        controls.filter("prevented")["spillover"]
    ).all()  # ... but only another's prevented crime removes theirs
    late = truth.filter(
        (pl.col("arm") == "programme") & (pl.col("event_date") >= WITHDRAWN_ON) & ~pl.col("in_window")
    )
    assert late.height > 0 and (late["hazard_ratio"] == 1.0).all() and not late["prevented_if_treated"].any()
    state = json.loads((advanced[1] / "state.json").read_text())
    assert state["advances"][0]["allocations_unmatched"] == 1
