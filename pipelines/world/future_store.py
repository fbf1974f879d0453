"""A world's withheld future on disk: `future/` (its deliveries, their faults, its crimes) and `state.json`.

Written by `generate_world` for a world with a future; read, and used up week by week, by
`advance_world`. Every file is owner-only. Layout::

    future/deliveries.json        one entry per withheld delivery, oldest first (synth.future.index_entry)
    future/<source>_<date>.parquet  its rows as cut, with the hidden ground-truth columns
    future/invalid_rows.parquet   the invalid rows planted in them (as ground_truth/invalid_rows)
    future/events.parquet         the future's crimes (synth.future.future_events)
    state.json                    the world's current end and every advance (synth.future.initial_state)
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.files import private_folder, write_private
from synth.delivery import Delivery
from synth.future import (
    DEFECTS_FILE,
    EVENTS_FILE,
    FUTURE_FOLDER,
    INDEX_FILE,
    STATE_FILE,
    frame_file,
    index_entry,
    initial_state,
)
from synth.params import WorldParams
from synth.sources import BY_NAME, SOURCES
from synth.world import planted_defects

SOURCE_ORDER = {s.name: n for n, s in enumerate(SOURCES)}


class AdvanceRefused(ValueError):
    """The world cannot advance as asked; the message says why and what to do."""


def write_parquet(frame: pl.DataFrame, path: Path) -> None:
    """Write a frame as parquet, owner-only (no statistics: the same frame gives the same bytes)."""
    frame.write_parquet(path, statistics=False)
    path.chmod(0o600)


def write_json(document: object, path: Path) -> None:
    """Write a document as indented JSON, owner-only."""
    write_private(path, json.dumps(document, indent=2, default=str) + "\n")


def write_future(out: Path, params: WorldParams, deliveries: list[Delivery], events: pl.DataFrame) -> None:
    """Write a new world's withheld deliveries, their planted faults, its future crimes and its state.

    Args:
        out: the world's folder.
        params: the world's parameters (its seed, end date and future).
        deliveries: every delivery after the end date.
        events: the future's crimes (`synth.future.future_events`).
    """
    folder = private_folder(out / FUTURE_FOLDER)
    ordered = sorted(deliveries, key=lambda d: (d.extract_date, SOURCE_ORDER[d.source.name]))
    for d in ordered:
        write_parquet(d.frame, folder / frame_file(d))
    defects = [planted_defects(d.source.name, d) for d in ordered]
    columns = ["source", "file", "source_record_id", "defect", "column"]
    schema = dict.fromkeys(columns, pl.String)
    planted = pl.concat(defects).select(columns) if defects else pl.DataFrame(schema=schema)
    write_parquet(planted, folder / DEFECTS_FILE)
    write_parquet(events, folder / EVENTS_FILE)
    write_json([index_entry(d) for d in ordered], folder / INDEX_FILE)
    write_json(initial_state(params), out / STATE_FILE)


def read_state(world: Path) -> dict[str, Any]:
    """The world's state.

    Raises:
        AdvanceRefused: the folder is not a world, or its world has no future.
    """
    if not (world / "manifest.json").is_file():
        raise AdvanceRefused(
            f"{world}: not a synthetic world (no manifest.json): give the folder `cohort synth` wrote"
        )
    path = world / STATE_FILE
    if not path.is_file():
        raise AdvanceRefused(
            f"{world}: this world has no future to advance into: generate it with "
            "`cohort synth --future-weeks N` (N weeks are then withheld in future/)"
        )
    state: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return state


def write_state(world: Path, state: dict[str, Any]) -> None:
    """Replace the world's state."""
    write_json(state, world / STATE_FILE)


def read_index(world: Path) -> list[dict[str, Any]]:
    """The withheld deliveries still in future/, oldest first."""
    index: list[dict[str, Any]] = json.loads((world / FUTURE_FOLDER / INDEX_FILE).read_text("utf-8"))
    return index


def write_index(world: Path, index: list[dict[str, Any]]) -> None:
    """Replace the list of withheld deliveries."""
    write_json(index, world / FUTURE_FOLDER / INDEX_FILE)


def due(index: list[dict[str, Any]], after: date, until: date) -> list[dict[str, Any]]:
    """The withheld deliveries whose extract date falls in (after, until], in index order."""
    return [e for e in index if after < date.fromisoformat(e["extract_date"]) <= until]


def read_events(world: Path) -> pl.DataFrame:
    """The future's crimes (`synth.future.future_events`)."""
    return pl.read_parquet(world / FUTURE_FOLDER / EVENTS_FILE)


def read_deliveries(world: Path, entries: list[dict[str, Any]]) -> list[Delivery]:
    """The withheld deliveries `entries` names, as generate_world cut them (rows, hidden columns, faults)."""
    if not entries:
        return []
    folder = world / FUTURE_FOLDER
    files = [e["file"] for e in entries]
    defects = (
        pl.scan_parquet(folder / DEFECTS_FILE)
        .filter(pl.col("file").is_in(files))
        .select("source_record_id", "defect", "column", "file")
        .collect()
    )
    out = []
    for e in entries:
        since = e["since"]
        out.append(
            Delivery(
                BY_NAME[e["source"]],
                date.fromisoformat(e["extract_date"]),
                date.fromisoformat(since) if since else None,
                pl.read_parquet(folder / e["frame"]),
                defects.filter(pl.col("file") == e["file"]).drop("file"),
            )
        )
    return out


def forget_delivered(world: Path, entries: list[dict[str, Any]]) -> None:
    """Take delivered entries out of future/: their files now live in landing/."""
    names = {e["file"] for e in entries}
    write_index(world, [e for e in read_index(world) if e["file"] not in names])
    for e in entries:
        (world / FUTURE_FOLDER / e["frame"]).unlink(missing_ok=True)
