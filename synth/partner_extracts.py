"""The partners' extract: referral forms typed in by hand, with no identifier."""

from __future__ import annotations

import polars as pl

from synth import noise
from synth.extracts import World, hidden, with_identity
from synth.model import Kind


def partner_referrals(world: World) -> dict[str, pl.DataFrame]:
    """Referral forms typed in by partners: no identifier, and more typing errors."""
    ref = world.of(Kind.PARTNER_REFERRAL)
    located = with_identity(world, ref.select("true_person_id", "event_date"), 0.0, None)
    rng, n = world.rng, ref.height
    forename = noise.use_nicknames(
        located["forename"].to_numpy().astype(str),
        rng.random(n) < min(1.0, 0.06 * world.noise),
        rng,
    )
    surname = noise.add_typos(
        located["surname"].to_numpy().astype(str), rng.random(n) < min(1.0, 0.04 * world.noise), rng
    )
    postcode = noise.format_postcodes(located["postcode"].to_numpy().astype(str), "messy", rng)
    return {
        "partner_referrals": ref.select(
            pl.format("VRP-{}", pl.col("event_id").cast(pl.String).str.zfill(8)).alias("Referral Ref"),
            pl.Series("First Name", forename),
            pl.Series("Last Name", surname),
            located["dob"].alias("Date of Birth"),
            located["sex"].replace_strict({"M": "Male", "F": "Female", "U": "Unknown"}).alias("Gender"),
            pl.Series("Postcode", postcode),
            pl.col("event_date").alias("Referral Date"),
            pl.col("detail").alias("Referrer Type"),
            pl.col("recorded_date").alias("Date Entered"),
            *hidden(),
        )
    }
