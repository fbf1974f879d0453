"""Advance a world with a future by whole weeks: its next deliveries land, less what the programme prevented.

An advance of N weeks moves the withheld deliveries whose extract date falls in (current end,
current end + N weeks] from `future/` into `landing/`, written exactly as `generate_world` writes
deliveries, after taking out the rows of the events the planted effect prevented for the people
allocated to the programme (`synth.treatment`). The events of the weeks advanced are decided with
the allocation given; earlier weeks' decisions stand. The same world, allocation and effect give
the same bytes, and two advances of two weeks give the same landing files as one of four.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.world.future_store import (
    AdvanceRefused,
    due,
    forget_delivered,
    read_deliveries,
    read_events,
    read_index,
    read_state,
    write_state,
)
from pipelines.world.truth_store import (
    add_invalid_rows,
    add_record_identity,
    read_treatment,
    truth_path,
    update_manifest,
    write_treatment,
)
from pipelines.world.write import write_delivery
from synth.allocation import MATCHED_SCHEMA, match_allocations, parse_allocation
from synth.delivery import Delivery
from synth.treatment import (
    EFFECT_FILE,
    Effect,
    describe_rows,
    mark_removed,
    parse_effect,
    prevented_by_programme,
    removed_events,
    treatment_rows,
)
from synth.world import planted_defects, record_identity


@dataclass(frozen=True)
class FileAdvanced:
    """One file an advance wrote into landing/: counts only."""

    source: str
    file: str
    rows: int
    rows_prevented: int
    invalid_rows: int


@dataclass(frozen=True)
class Advanced:
    """What one advance did (counts only: nothing here identifies anyone)."""

    number: int
    start: date  # the world's end before the advance
    end: date  # its end after
    files: list[FileAdvanced]
    allocations: int  # allocations matched to a true person
    unmatched: int  # allocations none of whose records the world knows
    events_prevented: int  # events in these weeks the programme prevented (own draws, programme arm)
    future_until: date

    @property
    def rows_prevented(self) -> int:
        return sum(f.rows_prevented for f in self.files)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as fault:
        message = f"{path}: cannot read the {what} ({fault.strerror}): give an existing file"
        raise AdvanceRefused(message) from None


def read_effect(path: Path | None) -> tuple[Effect, str]:
    """The effect declaration at `path` [default: the shipped one] and the sha256 of its bytes."""
    chosen = path or EFFECT_FILE
    data = _read(chosen, "effect declaration")
    return parse_effect(data.decode("utf-8"), str(chosen)), _sha256(data)


def read_allocations(world: Path, path: Path | None) -> tuple[pl.DataFrame, int, str | None]:
    """The allocations matched to true people, how many matched none, and the file's sha256."""
    if path is None:
        return pl.DataFrame(schema=MATCHED_SCHEMA), 0, None
    data = _read(path, "allocation file")
    allocation = parse_allocation(data.decode("utf-8-sig"), str(path))
    identity = (
        pl.scan_parquet(truth_path(world, "record_identity"))
        .filter(pl.col("source_record_id").is_in(allocation["source_record_id"].unique().implode()))
        .collect()
    )
    matched = match_allocations(allocation, identity)
    return matched.allocations, matched.unmatched, _sha256(data)


def _kept(d: Delivery, removed: pl.Series) -> tuple[Delivery, int]:
    """The delivery without the rows of removed events (and without their planted faults)."""
    gone = pl.col("_event_id").is_in(removed.implode())
    record_id = d.source.record_id
    dropped = d.frame.filter(gone)
    if dropped.height == 0:
        return d, 0
    frame = d.frame.filter(~gone)
    dropped_ids = dropped[record_id].cast(pl.String).implode()
    defects = d.defects.filter(~pl.col("source_record_id").is_in(dropped_ids))
    return Delivery(d.source, d.extract_date, d.since, frame, defects), dropped.height


def _weeks(world: Path, state: dict[str, Any], weeks: int) -> tuple[date, date, date]:
    """(the world's end, its end after `weeks`, the end of its future), or why it cannot advance."""
    start = date.fromisoformat(state["current_end"])
    until = date.fromisoformat(state["future_until"])
    if weeks < 1:
        raise AdvanceRefused(f"--weeks must be at least 1 (got {weeks})")
    end = start + timedelta(weeks=weeks)
    if end > until:
        left = (until - start).days // 7
        raise AdvanceRefused(
            f"{world}: the future is used up: it runs to {until.isoformat()} and the world is at "
            f"{start.isoformat()}, so at most {left} more week(s) can be advanced (asked for {weeks}); "
            "generate a world with more --future-weeks"
        )
    return start, end, until


def _effect_in_use(state: dict[str, Any], path: Path | None) -> tuple[Effect, str]:
    """The effect at `path`, provided it is the one the world's earlier advances used."""
    effect, sha = read_effect(path)
    if state["effect_sha256"] not in (None, sha):
        raise AdvanceRefused(
            f"{path or EFFECT_FILE}: the world's earlier advances used another effect (sha256 "
            f"{state['effect_sha256'][:12]}…): a world keeps one effect; copy the world before its first "
            "advance to try another"
        )
    return effect, sha


def decide(
    world: Path, allocations: pl.DataFrame, effect: Effect, seed: int, number: int, start: date, end: date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The truth table of every advance so far with this one's weeks decided, and every event removed.

    Returns:
        (ground_truth/treatment as it is to be written, `synth.treatment.removed_events`).
    """
    events = read_events(world)
    described = describe_rows(treatment_rows(allocations, events, effect, seed, start, end), number)
    earlier = read_treatment(world)
    if earlier is not None:  # earlier weeks' decisions stand (and a repeated advance replaces its own)
        described = pl.concat([earlier.filter(pl.col("advance") < number), described])
    removed = removed_events(prevented_by_programme(described), events)
    return mark_removed(described, removed), removed


@dataclass(frozen=True)
class _Landed:
    files: list[FileAdvanced]
    entries: list[dict[str, object]]  # the manifest's (synth.world.file_entry)
    identity: list[pl.DataFrame]
    defects: list[pl.DataFrame]


def land(world: Path, due_entries: list[dict[str, Any]], removed: pl.Series) -> _Landed:
    """Write the due deliveries into landing/ without the rows of removed events."""
    landed = _Landed([], [], [], [])
    for d in read_deliveries(world, due_entries):
        kept, dropped = _kept(d, removed)
        landed.entries.append(write_delivery(kept, world / "landing"))
        landed.identity.append(record_identity(d.source.name, kept))
        landed.defects.append(planted_defects(d.source.name, kept))
        landed.files.append(
            FileAdvanced(d.source.name, d.file_name, kept.frame.height, dropped, kept.defects.height)
        )
    return landed


def advance_world(
    world: Path, weeks: int, *, allocation: Path | None = None, effect: Path | None = None
) -> Advanced:
    """Advance the world `weeks` weeks (see the module's docstring).

    Args:
        world: a world generated with a future (`cohort synth --future-weeks N`).
        weeks: whole weeks to advance (at least 1).
        allocation: the trial's allocation file (`cohort trial export-allocation`); None when nobody
            is allocated (nothing is prevented).
        effect: the planted effect's declaration [default: synth/data/treatment_effect.yaml]. A world
            keeps the effect its first advance used.

    Raises:
        AdvanceRefused: no future, the future used up, or another effect than the one in use.
        AllocationError: the allocation file is malformed (the message names file, line and field).
        EffectError: the effect declaration breaks its schema (the message names file and field).
    """
    state = read_state(world)
    start, end, until = _weeks(world, state, weeks)
    chosen, effect_sha = _effect_in_use(state, effect)
    allocations, unmatched, allocation_sha = read_allocations(world, allocation)
    number = len(state["advances"]) + 1
    truth, removed = decide(world, allocations, chosen, int(state["seed"]), number, start, end)
    due_entries = due(read_index(world), start, end)
    landed = land(world, due_entries, removed["event_id"])
    counts = {
        "record_identity": add_record_identity(world, landed.identity),
        "invalid_rows": add_invalid_rows(world, landed.defects, [f.file for f in landed.files]),
        "treatment": truth.height,
    }
    write_treatment(world, truth, chosen, effect_sha, number)
    update_manifest(world, landed.entries, number, counts, end.isoformat())
    own = prevented_by_programme(truth.filter(pl.col("advance") == number)).len()
    advanced = Advanced(number, start, end, landed.files, allocations.height, unmatched, own, until)
    state["current_end"] = end.isoformat()
    state["effect_sha256"] = effect_sha
    state["advances"].append(
        {
            "number": number,
            "weeks": weeks,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "allocation_sha256": allocation_sha,
            "effect_sha256": effect_sha,
            "allocations": allocations.height,
            "allocations_unmatched": unmatched,
            "files": len(landed.files),
            "rows": sum(f.rows for f in landed.files),
            "rows_prevented": advanced.rows_prevented,
            "events_prevented": own,
        }
    )
    write_state(world, state)  # last but one: an advance interrupted before this can be run again
    forget_delivered(world, due_entries)
    return advanced
