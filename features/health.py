"""Health and partner features: emergency department assault attendances, sharp-object injuries,
mental health and substance misuse referrals, and referrals by partners (with who referred)."""

from __future__ import annotations

import polars as pl

from data_contracts.reference import reference_table
from features.counting import KEY, Count, count_events, windowed
from features.events import Events, known

MENTAL_HEALTH_SERVICES = ("CAMHS", "AMHS")


def health_counts() -> list[Count]:
    attendance, referral = pl.col("kind") == "ed", pl.col("kind") == "referral"
    return [
        *windowed("health_assault_attendances", attendance, ("365d", "ever")),
        *windowed("health_sharp_injuries", attendance & pl.col("sharp_object"), ("365d", "ever")),
        *windowed(
            "health_mental_health_referrals",
            referral & pl.col("service").is_in(MENTAL_HEALTH_SERVICES),
            ("365d", "ever"),
        ),
        *windowed(
            "health_substance_referrals",
            referral & (pl.col("service") == "SUBSTANCE_MISUSE"),
            ("365d", "ever"),
        ),
    ]


def health_features(events: Events, grid: pl.DataFrame, dated: set[str]) -> pl.DataFrame:
    """Assault attendances and sharp injuries at the emergency department; health referrals."""
    mechanisms = reference_table("injury_mechanisms").select(
        pl.col("code").alias("injury_mechanism"), "sharp_object"
    )
    attendances = known(events.ed_attendances.join(mechanisms, on="injury_mechanism", how="left"), grid)
    referrals = known(events.health_referrals, grid)
    both = pl.concat(
        [
            attendances.select(
                *KEY,
                "event_date",
                pl.lit("ed").alias("kind"),
                pl.col("sharp_object").fill_null(False),
                pl.lit(None, pl.String).alias("service"),
            ),
            referrals.select(
                *KEY,
                "event_date",
                pl.lit("referral").alias("kind"),
                pl.lit(False).alias("sharp_object"),
                "service",
            ),
        ]
    )
    return count_events(both, health_counts(), dated)


def referral_counts() -> list[Count]:
    return windowed("partner_referrals", pl.lit(True), ("365d", "ever"))


def referral_features(events: Events, grid: pl.DataFrame, dated: set[str]) -> pl.DataFrame:
    """Referrals by partners (schools, parents, youth workers, social care, police) and the latest source."""
    seen = known(events.partner_referrals, grid)
    latest = seen.group_by(KEY).agg(
        pl.col("referrer_type").sort_by("event_date", "recorded_date").last().alias("partner_last_referrer")
    )
    return count_events(seen, referral_counts(), dated).join(latest, on=KEY, how="left")
