"""Each allocation's outcomes in its follow-up window, from the same events and definitions as the features.

The window runs from the allocation day for the follow-up months: ``[allocated_on, allocated_on + M
months)``, by offence (event) date, counting only what was recorded on or before the data cut. An
allocation is followed up when its whole window lies on or before the cut. The outcomes:

- ``cchi``: the Cambridge Crime Harm Index of offences as suspect (the weights the features' harm
  counts use, ``cchi_days`` in data_contracts/reference/offence_codes.csv);
- ``knife_suspect`` and ``knife_victim``: knife or offensive-weapon offences (features.police.KNIFE);
- ``serious_violence``: the outcome the model predicts (models/settings.yaml: serious-violence
  offences in the configured roles), counted once per crime.

What else happened in the window is observable too: days in custody (remand or sentence, from the
police custody extract), a move out of the area (an out-of-area address recorded, as the features see
it), death (recorded as the victim of a homicide). Exposure is the days at liberty: from the
allocation to the end of the window, the cut, a death or a move (whichever comes first), less the days
in custody before then.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import polars as pl

from features.events import Events, as_of_grid
from features.police import HOMICIDE_CODES, KNIFE, SERIOUS_VIOLENCE, offences_with_codes
from features.residence import residence_features
from models.split import add_months

ALLOCATION_SCHEMA = pl.Schema(
    {
        "allocation_id": pl.Int64(), "person_id": pl.Int64(), "draw_id": pl.Int64(),
        "stratum": pl.String(), "arm": pl.String(), "randomised": pl.Boolean(),
        "allocated_on": pl.Date(), "withdrawn_on": pl.Date(),
    }
)  # fmt: skip
"""An allocation, followed to the person who holds its records now."""
OUTCOMES = ("cchi", "knife_suspect", "knife_victim", "serious_violence")
OUTCOME_SCHEMA = pl.Schema(
    {
        **ALLOCATION_SCHEMA, "window_end": pl.Date(), "followed_up": pl.Boolean(),
        "followup_days": pl.Int64(), "exposure_days": pl.Int64(), "withdrawn": pl.Boolean(),
        "custody_days": pl.Int64(), "moved": pl.Boolean(), "died": pl.Boolean(),
        "cchi": pl.Float64(), "knife_suspect": pl.Int64(), "knife_victim": pl.Int64(),
        "serious_violence": pl.Int64(),
    }
)  # fmt: skip
"""One row per allocation: its window and what happened in it (``window_end`` is the first day after)."""
CUSTODY_TYPES = ("REMAND", "SENTENCE")


def follow_up_windows(allocations: pl.DataFrame, months: int, cut: date) -> pl.DataFrame:
    """The allocations with ``window_end`` (first day after the window), ``seen_until`` (the first day
    not yet observed: the window's end or the day after the cut), ``followed_up`` and ``followup_days``."""
    after_cut = cut + timedelta(days=1)
    ends = [add_months(day, months) for day in allocations["allocated_on"]]
    return (
        allocations.select(ALLOCATION_SCHEMA.names())
        .cast(ALLOCATION_SCHEMA)
        .with_columns(pl.Series("window_end", ends, dtype=pl.Date))
        .with_columns(
            pl.min_horizontal("window_end", pl.lit(after_cut)).alias("seen_until"),
            (pl.col("window_end") <= after_cut).alias("followed_up"),
        )
        .with_columns(
            (pl.col("seen_until") - pl.col("allocated_on")).dt.total_days().clip(0).alias("followup_days")
        )
    )


def allocation_outcomes(
    allocations: pl.DataFrame, events: Events, *, months: int, cut: date, roles: Sequence[str]
) -> pl.DataFrame:
    """What happened to each allocated person in their follow-up window.

    Args:
        allocations: ALLOCATION_SCHEMA rows.
        events: the allocated people's events (occurrences, custody and addresses are read).
        months: the follow-up.
        cut: the data cut: only events recorded on or before it count.
        roles: the roles in which a serious-violence offence counts (models/settings.yaml).

    Returns:
        OUTCOME_SCHEMA rows, one per allocation, in allocation order.
    """
    windows = follow_up_windows(allocations, months, cut)
    spans = windows.select("allocation_id", "person_id", "allocated_on", "seen_until")
    offences = _in_window(offences_with_codes(events), spans, cut)
    suspect, victim = pl.col("role") == "suspect", pl.col("role") == "victim"
    counted = offences.group_by("allocation_id").agg(
        pl.col("cchi_days").filter(suspect).sum().alias("cchi"),
        (KNIFE & suspect).sum().cast(pl.Int64).alias("knife_suspect"),
        (KNIFE & victim).sum().cast(pl.Int64).alias("knife_victim"),
        pl.col("crime_ref").filter(SERIOUS_VIOLENCE & pl.col("role").is_in(list(roles)))
        .n_unique().cast(pl.Int64).alias("serious_violence"),
        pl.col("event_date").filter(victim & pl.col("ho_code").is_in(HOMICIDE_CODES)).min().alias("died_on"),
    )  # fmt: skip
    out = (
        windows.join(counted, on="allocation_id", how="left")
        .join(_moves(events, windows), on="allocation_id", how="left")
        .with_columns(
            pl.min_horizontal("seen_until", "died_on", "moved_on").alias("_liberty_until"),
            pl.col("died_on").is_not_null().alias("died"),
            pl.col("moved_on").is_not_null().alias("moved"),
            (pl.col("withdrawn_on").is_not_null() & (pl.col("withdrawn_on") <= cut)).alias("withdrawn"),
        )
    )
    custody = _custody(events, cut)
    out = out.join(_custody_days(custody, out, "seen_until", "custody_days"), on="allocation_id", how="left")
    out = out.join(_custody_days(custody, out, "_liberty_until", "_held"), on="allocation_id", how="left")
    liberty = (pl.col("_liberty_until") - pl.col("allocated_on")).dt.total_days().clip(0)
    return (
        out.with_columns(
            pl.col("cchi").fill_null(0.0),
            *[pl.col(c).fill_null(0) for c in ("knife_suspect", "knife_victim", "serious_violence")],
            pl.col("custody_days").fill_null(0),
            (liberty - pl.col("_held").fill_null(0)).clip(0).alias("exposure_days"),
        )
        .select(OUTCOME_SCHEMA.names())
        .cast(OUTCOME_SCHEMA)
        .sort("allocation_id")
    )


def _in_window(frame: pl.DataFrame, spans: pl.DataFrame, cut: date) -> pl.DataFrame:
    """The events of each allocated person that happened in their window and were recorded by the cut."""
    return (
        frame.filter(pl.col("recorded_date") <= cut)
        .join(spans, on="person_id")
        .filter(
            (pl.col("event_date") >= pl.col("allocated_on")) & (pl.col("event_date") < pl.col("seen_until"))
        )
    )


def _moves(events: Events, windows: pl.DataFrame) -> pl.DataFrame:
    """allocation_id and ``moved_on``: the day an out-of-area address was recorded, for those whose
    latest address by the end of what is seen is out of the area and was recorded in the window."""
    ends = windows["seen_until"].unique().to_list()
    if not ends:
        return pl.DataFrame(schema={"allocation_id": pl.Int64(), "moved_on": pl.Date()})
    people = events.addresses.filter(pl.col("person_id").is_in(windows["person_id"].implode()))
    residence = residence_features(Events.of(addresses=people), as_of_grid(ends))
    return (
        windows.join(
            residence.select("person_id", "as_of", "person_moved_out", "person_moved_out_date"),
            left_on=["person_id", "seen_until"], right_on=["person_id", "as_of"],
        )
        .filter(pl.col("person_moved_out") & (pl.col("person_moved_out_date") >= pl.col("allocated_on")))
        .select("allocation_id", pl.col("person_moved_out_date").alias("moved_on"))
    )  # fmt: skip


def _custody(events: Events, cut: date) -> pl.DataFrame:
    """Spells held on remand or under sentence, recorded by the cut: person_id, start, end (exclusive;
    an open spell runs on)."""
    return events.custody.filter(
        pl.col("custody_type").is_in(CUSTODY_TYPES) & (pl.col("recorded_date") <= cut)
    ).select("person_id", pl.col("event_date").alias("start"), pl.col("release_date").alias("end"))


def _custody_days(custody: pl.DataFrame, windows: pl.DataFrame, until: str, name: str) -> pl.DataFrame:
    """allocation_id and the number of distinct days from the allocation to ``until`` spent in custody
    (overlapping spells count each day once)."""
    spells = (
        windows.select("allocation_id", "person_id", "allocated_on", pl.col(until).alias("_until"))
        .join(custody, on="person_id")
        .with_columns(
            pl.max_horizontal("start", "allocated_on").alias("_from"),
            pl.min_horizontal(pl.col("end").fill_null(pl.col("_until")), "_until").alias("_to"),
        )
        .filter(pl.col("_from") < pl.col("_to"))
    )
    days = spells.select(
        "allocation_id",
        pl.date_ranges("_from", pl.col("_to") - pl.duration(days=1)).alias("day"),
    ).explode("day")
    return days.group_by("allocation_id").agg(pl.col("day").n_unique().cast(pl.Int64).alias(name))
