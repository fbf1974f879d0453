"""What the agencies' extract builders share: the world they read, identities, record ids, hidden columns."""

from __future__ import annotations

import numpy as np
import polars as pl

from synth import agency
from synth.identifiers import generate_nhs_numbers, generate_pnc_ids, generate_upns
from synth.model import Kind

HIDDEN = ("_true_person_id", "_recorded", "_event_id")  # kept beside each row for ground truth, never written


def record_id(prefix: str, width: int = 9) -> pl.Expr:
    """A source's row id: its prefix and the event id (so ground truth can find the event)."""
    return pl.format(prefix + "{}", pl.col("event_id").cast(pl.String).str.zfill(width))


def hidden(recorded: str = "recorded_date", *, event: bool = True) -> list[pl.Expr]:
    """The ground-truth columns every extract row carries until it is written.

    Args:
        recorded: the column holding the date the agency recorded the row.
        event: the row is one event's (its `event_id` is kept); False for rows that
            summarise many (termly attendance), whose `_event_id` is null.
    """
    event_id = pl.col("event_id") if event else pl.lit(None, dtype=pl.UInt32)
    return [
        pl.col("true_person_id").alias("_true_person_id"),
        pl.col(recorded).alias("_recorded"),
        event_id.cast(pl.UInt32).alias("_event_id"),
    ]


class World:
    """What the extract builders read: ground truth plus a random generator."""

    def __init__(
        self,
        events: pl.DataFrame,
        people: pl.DataFrame,
        addresses: pl.DataFrame,
        schools: pl.DataFrame,
        attendance: pl.DataFrame,
        rng: np.random.Generator,
        noise_level: float,
        moved: pl.DataFrame,
    ):
        self.events, self.people, self.addresses, self.moved = events, people, addresses, moved
        self.schools, self.attendance, self.rng, self.noise = schools, attendance, rng, noise_level

    def of(self, *kinds: Kind) -> pl.DataFrame:
        """Recorded events of the given kinds: what an agency can send."""
        return self.events.filter(pl.col("kind").is_in([int(k) for k in kinds]) & pl.col("recorded"))


def _ids(world: World, regs: pl.DataFrame, kind: str, first_year: pl.DataFrame | None = None) -> pl.DataFrame:
    rng, n = world.rng, regs.height
    if kind == "pnc":
        assert first_year is not None, "police ids need each person's first year on record"
        years = regs.join(first_year, on="true_person_id", how="left")["year"].fill_null(2015).to_numpy()
        years = years + regs["registration"].to_numpy()  # a duplicate nominal is created later
        return regs.with_columns(pl.Series("pnc_id", generate_pnc_ids(rng, years)))
    if kind == "upn":
        school = world.people.select("true_person_id", "primary_school_id", "dob_day")
        joined = regs.join(school, on="true_person_id", how="left").join(
            world.schools.select(pl.col("school_id").alias("primary_school_id"), "la_code", "establishment"),
            on="primary_school_id",
            how="left",
        )
        dob_year = joined["dob_day"].cast(pl.Date).dt.year().to_numpy()
        year = (dob_year + 5 + regs["registration"].to_numpy() * 8) % 100
        upns = generate_upns(rng, joined["la_code"].to_numpy(), joined["establishment"].to_numpy(), year)
        return regs.with_columns(pl.Series("upn", upns))
    return regs.with_columns(pl.Series("nhs_number", generate_nhs_numbers(rng, n)))


def with_identity(
    world: World,
    rows: pl.DataFrame,
    duplicate_rate: float,
    id_kind: str | None,
    first_year: pl.DataFrame | None = None,
    ethnicity_unstated: float = 0.0,
) -> pl.DataFrame:
    regs = agency.registrations(
        world.rng, world.people, rows["true_person_id"].to_numpy(), world.noise, duplicate_rate
    )
    if id_kind:
        regs = _ids(world, regs, id_kind, first_year)
    # ethnicity is held on the agency's record of the person (pupil, patient), blank where never stated
    ethnicity = world.people.select("true_person_id", "ethnicity")
    regs = regs.join(ethnicity, on="true_person_id", how="left", maintain_order="left")
    regs = regs.with_columns(blank(world, regs["ethnicity"], ethnicity_unstated))
    return agency.attach_identity(
        world.rng, rows, regs, world.people, world.addresses, world.moved, world.noise
    )


def blank(world: World, column: pl.Series, share: np.ndarray | float) -> pl.Series:
    """The column with a share of its values blanked (identifiers an agency did not capture)."""
    kept = pl.Series(world.rng.random(column.len()) >= share)
    return column.cast(pl.String).zip_with(kept, pl.repeat(None, column.len(), dtype=pl.String, eager=True))
