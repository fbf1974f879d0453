"""What an advance adds to a world's ground truth and manifest, rewritten so that they cover every advance.

Each update replaces what an earlier attempt at the same advance wrote (the same files, the same
records, the same advance's rows), so an advance interrupted and run again leaves no duplicates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.world.future_store import write_json, write_parquet
from synth.manifest import GROUND_TRUTH_COLUMNS
from synth.treatment import Effect

TRUTH = "ground_truth"


def truth_path(world: Path, name: str) -> Path:
    """ground_truth/<name>.parquet of a world."""
    return world / TRUTH / f"{name}.parquet"


def read_treatment(world: Path) -> pl.DataFrame | None:
    """ground_truth/treatment.parquet, or None before the first advance."""
    path = truth_path(world, "treatment")
    return pl.read_parquet(path) if path.is_file() else None


def add_record_identity(world: Path, added: list[pl.DataFrame]) -> int:
    """Add the advanced files' record identities to ground_truth/record_identity.parquet.

    Returns:
        The rows it now has.
    """
    path = truth_path(world, "record_identity")
    existing = pl.read_parquet(path)
    if not added:
        return existing.height
    new = pl.concat(added)
    combined = pl.concat([existing.join(new, on=["source", "source_record_id"], how="anti"), new]).sort(
        "source", "source_record_id"
    )
    write_parquet(combined, path)
    return combined.height


def add_invalid_rows(world: Path, added: list[pl.DataFrame], files: list[str]) -> int:
    """Add the invalid rows planted in the advanced files (those still in them) to ground_truth/invalid_rows.

    Returns:
        The rows it now has.
    """
    path = truth_path(world, "invalid_rows")
    existing = pl.read_parquet(path)
    kept = existing.filter(~pl.col("file").is_in(files))
    combined = pl.concat([kept, *(a.select(existing.columns) for a in added)]) if added else kept
    write_parquet(combined, path)
    return combined.height


def write_treatment(world: Path, truth: pl.DataFrame, effect: Effect, effect_sha: str, advances: int) -> None:
    """Write ground_truth/treatment.parquet (every advance's rows) and treatment_effect.json (the effect)."""
    write_parquet(truth, truth_path(world, "treatment"))
    document = {
        "name": effect.name,
        "sha256": effect_sha,
        "advances": list(range(1, advances + 1)),
        "start_lag_days": effect.start_lag_days,
        "hazard_ratios": effect.ratio_table().to_dicts(),
        "declaration": effect.document,
        "note": "Applied by thinning (synth/treatment.py). Nothing in pipelines/ reads this file.",
    }
    write_json(document, world / TRUTH / "treatment_effect.json")


def update_manifest(
    world: Path, entries: list[dict[str, object]], number: int, rows: dict[str, int], until: str
) -> None:
    """Add the advanced files to manifest.json, with the ground truth's new row counts.

    Args:
        world: the world's folder.
        entries: the files written (`synth.world.file_entry`), in order.
        number: the advance's number.
        rows: the rows each ground-truth table now has (record_identity, invalid_rows, treatment).
        until: the world's new end (ISO date).
    """
    path = world / "manifest.json"
    manifest: dict[str, Any] = json.loads(path.read_text("utf-8"))
    written = {str(e["file"]) for e in entries}
    files = [f for f in manifest["files"] if f["file"] not in written]
    files += [{**e, "advance": number} for e in entries]
    manifest["files"] = files
    manifest["totals"] = {
        "files": len(files),
        "rows": sum(int(f["rows"]) for f in files),
        "invalid_rows": sum(int(f["invalid_rows"]) for f in files),
    }
    for name, count in rows.items():
        manifest["ground_truth"][name] = {
            "file": f"{TRUTH}/{name}.parquet",
            "rows": count,
            "columns": GROUND_TRUTH_COLUMNS[name],
        }
    manifest["future"]["advanced_until"] = until
    write_json(manifest, path)
