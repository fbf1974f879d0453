"""A small world with 8 weeks of future, an allocation of the people active in it, and a strong effect."""

from __future__ import annotations

import hashlib
import shutil
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from synth.future import FUTURE_FOLDER
from tests.conftest import FUTURE

END = FUTURE.end_date
UNTIL = END + timedelta(weeks=8)
HEADER = "allocation_id,arm,allocated_on,withdrawn_on,source,source_record_id"
STRONG = """
name: strong test effect
description: every offence prevented in the window; half the victimisations
start_lag_days: 0
hazard_ratios:
  offending: {under_18: 0.0, 18_and_over: 0.0}
  knife: {under_18: 0.0, 18_and_over: 0.0}
  victimisation: {under_18: 0.5, 18_and_over: 0.5}
"""
WITHDRAWN_ON = END + timedelta(weeks=3)


def digests(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root``, by relative path."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def copy(world: Path, to: Path) -> Path:
    """A copy of a world (copy2: modes and delivery times kept)."""
    shutil.copytree(world, to)
    return to


@pytest.fixture(scope="session")
def world(future_world: Path) -> Path:
    """The small world with 8 weeks of future (never advanced: copy it first)."""
    return future_world


@pytest.fixture(scope="session")
def allocation(world: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Everyone with an offence or victimisation in the future weeks, arms alternating by id.

    Every third programme allocation is withdrawn three weeks in; one allocation's records are
    unknown to the world.
    """
    events = pl.read_parquet(world / FUTURE_FOLDER / "events.parquet").filter(
        pl.col("kind").is_in([0, 1]) & (pl.col("event_date") < UNTIL)
    )
    identity = pl.read_parquet(world / "ground_truth" / "record_identity.parquet")
    people = sorted(set(events["true_person_id"]) & set(identity["true_person_id"]))
    lines = [HEADER]
    for n, person in enumerate(people):
        arm = "programme" if n % 2 == 0 else "control"
        withdrawn = WITHDRAWN_ON.isoformat() if n % 6 == 0 else ""
        records = (
            identity.filter(pl.col("true_person_id") == person).sort("source", "source_record_id").head(3)
        )
        for source, record, _ in records.iter_rows():
            lines.append(f"A{n:04d},{arm},{END.isoformat()},{withdrawn},{source},{record}")
    lines.append(f"UNKNOWN,control,{END.isoformat()},,police_occurrences,OCC999999999")
    path = tmp_path_factory.mktemp("allocation") / "allocation.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def strong(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("effect") / "strong.yaml"
    path.write_text(STRONG)
    return path
