"""Recording bias: off by default; when on, heavier policing records more offences."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from synth.params import WorldParams
from tests.conftest import SMALL, make_world

World = tuple[Path, dict[str, object]]


def recorded_share_by_policing(root: Path) -> tuple[float, float]:
    """Share of true offences recorded, in the least and most heavily policed thirds."""
    people = pl.read_parquet(root / "ground_truth" / "people.parquet")
    events = pl.read_parquet(root / "ground_truth" / "events.parquet").filter(pl.col("kind") == "offence")
    joined = events.join(people.select("true_person_id", "policing_intensity"), on="true_person_id")
    joined = joined.filter(pl.col("policing_intensity").is_not_null())
    low, high = joined["policing_intensity"].quantile(1 / 3), joined["policing_intensity"].quantile(2 / 3)
    light = joined.filter(pl.col("policing_intensity") <= low)["recorded"].mean()
    heavy = joined.filter(pl.col("policing_intensity") >= high)["recorded"].mean()
    return float(light), float(heavy)  # type: ignore[arg-type]


def test_recording_does_not_depend_on_policing_by_default(small_world: World) -> None:
    assert not SMALL.recording_bias
    light, heavy = recorded_share_by_policing(small_world[0])
    assert abs(heavy - light) < 0.05


def test_recording_bias_records_more_where_policing_is_heavier(tmp_path: Path) -> None:
    biased = WorldParams(residents=SMALL.residents, seed=SMALL.seed, recording_bias=True)
    manifest = make_world(biased, tmp_path)
    assert manifest["parameters"]["recording_bias"] is True  # type: ignore[index]
    light, heavy = recorded_share_by_policing(tmp_path)
    assert heavy - light > 0.08
