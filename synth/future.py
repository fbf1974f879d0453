"""A world's withheld future: its deliveries after the end date, the crimes in it, and the world's state.

A world generated with `future_weeks` simulates its people that far beyond the end date and cuts
the later deliveries on the same schedule, with the same planted faults. `landing/` holds only
the deliveries up to the end date; the rest wait in `future/` until the world is advanced, when
the rows of the events the programme prevented are taken out of them (see `synth.treatment`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl

from synth.delivery import Delivery
from synth.ground_truth import CRIME_KINDS
from synth.params import WorldParams

FUTURE_FOLDER = "future"
EVENTS_FILE = "events.parquet"  # in future/: the crimes of the future (see `future_events`)
INDEX_FILE = "deliveries.json"  # in future/: one entry per withheld delivery, oldest first
DEFECTS_FILE = "invalid_rows.parquet"  # in future/: the invalid rows planted in the withheld deliveries
STATE_FILE = "state.json"  # in the world folder: its current end and every advance

FUTURE_EVENT_COLUMNS = (
    "event_id",
    "true_person_id",
    "kind",
    "category",
    "crime",
    "lead",
    "event_date",
    "recorded",
    "recorded_date",
    "ho_code",
    "knife",
    "cchi_days",
    "date_of_birth",
)


def future_events(events: pl.DataFrame, people: pl.DataFrame, end_date: date) -> pl.DataFrame:
    """Every event on or after the end date that belongs to a crime: what an effect can take away.

    Offences (lead or co-offender), victimisations, and the records that follow them (arrests,
    custody, a search that found a weapon, an assault attendance) share their crime's number.

    Args:
        events: the world's dated events (synth.life_events), with `crime` and `lead`.
        people: the population (for dates of birth: the effect depends on age at the event).
        end_date: the world's end date.

    Returns:
        One row per event, with the columns in `FUTURE_EVENT_COLUMNS`, by event_id.
    """
    births = people.select("true_person_id", pl.from_epoch("dob_day", time_unit="d").alias("date_of_birth"))
    return (
        events.filter(
            pl.col("kind").is_in([int(k) for k in CRIME_KINDS])
            & (pl.col("crime") >= 0)
            & (pl.col("event_date") >= end_date)
        )
        .join(births, on="true_person_id", how="left")
        .select(FUTURE_EVENT_COLUMNS)
        .sort("event_id")
    )


def frame_file(d: Delivery) -> str:
    """The name a withheld delivery's rows are kept under in future/."""
    return f"{d.source.name}_{d.extract_date.isoformat()}.parquet"


def index_entry(d: Delivery) -> dict[str, Any]:
    """future/deliveries.json's record of one withheld delivery."""
    return {
        "file": d.file_name,
        "frame": frame_file(d),
        "source": d.source.name,
        "extract_date": d.extract_date.isoformat(),
        "since": d.since.isoformat() if d.since else None,
        "rows": d.frame.height,
        "invalid_rows": d.defects.height,
    }


def future_summary(params: WorldParams, deliveries: list[Delivery]) -> dict[str, Any]:
    """The manifest's account of the withheld future (no rows, no identities: counts only)."""
    return {
        "weeks": params.future_weeks,
        "until": (params.end_date + timedelta(weeks=params.future_weeks)).isoformat(),
        "folder": f"{FUTURE_FOLDER}/",
        "files": len(deliveries),
        "rows": sum(d.frame.height for d in deliveries),
        "state": STATE_FILE,
        "note": "Withheld: `cohort synth advance` moves these deliveries into landing/ week by week.",
    }


def initial_state(params: WorldParams) -> dict[str, Any]:
    """A world's state as generated: its end date, how far its future runs, and no advances yet."""
    return {
        "seed": params.seed,
        "end_date": params.end_date.isoformat(),
        "current_end": params.end_date.isoformat(),
        "future_until": (params.end_date + timedelta(weeks=params.future_weeks)).isoformat(),
        "future_weeks": params.future_weeks,
        "effect_sha256": None,
        "advances": [],
    }
