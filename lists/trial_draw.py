"""The draw: who in a canonical pool (lists.trial_pool) goes to the programme, who to control, and who
waits, fully determined by the pool, the places free, the settings and the seed.

The algorithm, so that anyone can recompute a draw from trial.draw and trial.pool:

1. **Random numbers.** ``u = numpy.random.default_rng(int.from_bytes(seed, "big")).random(n)``: one
   uniform number per pool position, in position order (numpy's PCG64 seeded through SeedSequence;
   ``random`` is ``(next 64-bit output >> 11) / 2**53``).
2. **Always treated (tie-breaker only).** People with ``score >= treat_from`` are not randomised:
   by score descending, then person_id, the first ``places`` of them go to the programme with
   probability 1 (``randomised`` false); any beyond the places wait. The places left are
   ``places`` minus those taken.
3. **How many in each stratum (fixed before any random number is read).** With a ratio of ``a``
   programme to ``b`` control, a block is ``a + b`` people. Stratum ``s`` of the randomised part has
   ``n_s`` people and room for ``m_s = n_s // (a + b)`` blocks; the places left allow
   ``K = places_left // a`` blocks. If ``sum(m_s) <= K`` every stratum gets ``k_s = m_s`` blocks.
   Otherwise the K blocks are shared in proportion to ``m_s`` by largest remainder: ``k_s`` is the
   whole part of ``K * m_s / sum(m)`` (exact fractions) and the blocks left over go one each to the
   strata with the largest fractional parts, ties to the stratum name first in order.
   Stratum ``s`` then sends ``t_s = a * k_s`` to the programme and ``c_s = b * k_s`` to control.
4. **Who.** Within each stratum people are ordered by ``(u, position)``: the first ``t_s`` go to the
   programme, the next ``c_s`` to control, and the rest wait.

So the number assigned to the programme in each stratum of a draw is fixed by the pool, the places
and the settings, and within a stratum every set of ``t_s`` people is equally likely: the evaluation's
randomisation inference, which permutes arms within (draw_id, stratum) among the randomised
allocations, relies on it. Each allocated person's ``probability`` is their true probability of
assignment to the programme in this draw, ``t_s / n_s`` (the same for control in that stratum; the
probability of being allocated at all is ``(t_s + c_s) / n_s``). People who wait are not allocated:
they stay suitable and are in the pool of the next draw (for as long as the trial's settings allow).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import polars as pl

from lists.trial_pool import POOL_SCHEMA, check_seed
from lists.trial_settings import TrialSettings

ALLOCATION_SCHEMA = pl.Schema(
    {
        "person_id": pl.Int64(),
        "stratum": pl.String(),
        "arm": pl.String(),
        "probability": pl.Float64(),
        "randomised": pl.Boolean(),
    }
)
"""One allocation: the person, their stratum, programme or control, the probability of the programme,
and whether it was randomised (false: always treated by the tie-breaker)."""


@dataclass(frozen=True)
class StratumPlan:
    """How many of a stratum's randomised part go to each arm, and how many wait."""

    stratum: str
    pool: int
    programme: int
    control: int

    @property
    def waiting(self) -> int:
        return self.pool - self.programme - self.control

    @property
    def probability(self) -> float:
        """Each person's probability of assignment to the programme."""
        return self.programme / self.pool if self.pool else 0.0


def uniforms(seed: bytes, n: int) -> np.ndarray:
    """The draw's random numbers: one uniform on [0, 1) per pool position (step 1 of the algorithm)."""
    rng = np.random.default_rng(int.from_bytes(check_seed(seed), "big"))
    return rng.random(n)


def always_treated(pool: pl.DataFrame, places: int, settings: TrialSettings) -> tuple[pl.DataFrame, int]:
    """The tie-breaker's always-treated given places (step 2), and how many of them wait for lack of one."""
    if settings.tie_breaker is None:
        return pool.clear(), 0
    top = pool.filter(pl.col("score") >= settings.tie_breaker.treat_from).sort(
        ["score", "person_id"], descending=[True, False]
    )
    return top.head(places), max(top.height - places, 0)


def plan_strata(sizes: dict[str, int], places: int, settings: TrialSettings) -> list[StratumPlan]:
    """The numbers each stratum sends to each arm (step 3), strata in name order.

    Args:
        sizes: people in each stratum of the randomised part of the pool.
        places: programme places left for the randomised part.
    """
    a, b = settings.ratio
    names = sorted(sizes)
    room = {s: sizes[s] // (a + b) for s in names}
    blocks = max(places, 0) // a
    total = sum(room.values())
    if total <= blocks:
        given = dict(room)
    else:
        quota = {s: Fraction(blocks * room[s], total) for s in names}
        given = {s: int(quota[s]) for s in names}
        left = blocks - sum(given.values())
        by_remainder = sorted(names, key=lambda s: (-(quota[s] - given[s]), s))
        for s in by_remainder[:left]:
            given[s] += 1
    return [StratumPlan(s, sizes[s], a * given[s], b * given[s]) for s in names]


def draw(pool: pl.DataFrame, places: int, settings: TrialSettings, seed: bytes) -> pl.DataFrame:
    """Allocate a canonical pool (lists.trial_pool.POOL_SCHEMA) into ``places`` programme places.

    Fully determined by its inputs (see the module docstring for the algorithm): the same pool,
    places, settings and seed always give the same allocations.

    Returns:
        ALLOCATION_SCHEMA, one row per allocated person, by person_id; people who wait are absent.
    """
    pool = pool.select(POOL_SCHEMA.names()).cast(POOL_SCHEMA)
    u = uniforms(seed, pool.height)
    treated, _, rest = split_pool(pool, places, settings)
    sizes = dict(rest.group_by("stratum").len().iter_rows())
    plans = {p.stratum: p for p in plan_strata(sizes, places - treated.height, settings)}
    ordered = (
        rest.with_columns(pl.Series("u", u[rest["position"].to_numpy()], dtype=pl.Float64))
        .sort("stratum", "u", "position")
        .with_columns(pl.int_range(pl.len()).over("stratum").alias("order"))
    )
    counts = pl.DataFrame(
        [(s, p.programme, p.control, p.probability) for s, p in plans.items()],
        schema={"stratum": pl.String, "programme": pl.Int64, "control": pl.Int64, "probability": pl.Float64},
        orient="row",
    )
    randomised = (
        ordered.join(counts, on="stratum")
        .with_columns(
            pl.when(pl.col("order") < pl.col("programme"))
            .then(pl.lit("programme"))
            .when(pl.col("order") < pl.col("programme") + pl.col("control"))
            .then(pl.lit("control"))
            .alias("arm"),
            pl.lit(True).alias("randomised"),
        )
        .filter(pl.col("arm").is_not_null())
    )
    fixed = treated.with_columns(
        pl.lit("programme").alias("arm"), pl.lit(1.0).alias("probability"), pl.lit(False).alias("randomised")
    )
    return (
        pl.concat([fixed.select(ALLOCATION_SCHEMA.names()), randomised.select(ALLOCATION_SCHEMA.names())])
        .cast(ALLOCATION_SCHEMA)
        .sort("person_id")
    )


def split_pool(
    pool: pl.DataFrame, places: int, settings: TrialSettings
) -> tuple[pl.DataFrame, int, pl.DataFrame]:
    """The always-treated given places, how many always-treated wait, and the part to randomise."""
    treated, waiting = always_treated(pool, places, settings)
    rest = pool.join(treated.select("person_id"), on="person_id", how="anti")
    if settings.tie_breaker is not None:
        rest = rest.filter(pl.col("score") < settings.tie_breaker.treat_from)
    return treated, waiting, rest


def plan_draw(pool: pl.DataFrame, places: int, settings: TrialSettings) -> tuple[list[StratumPlan], int, int]:
    """What a draw will do before the seed is read: each stratum's plan, the always-treated given
    places, and the always-treated who wait."""
    treated, waiting, rest = split_pool(pool, places, settings)
    sizes = dict(rest.group_by("stratum").len().iter_rows())
    return plan_strata(sizes, places - treated.height, settings), treated.height, waiting
