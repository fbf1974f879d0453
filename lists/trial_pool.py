"""The pool a draw is made from, in canonical order with each person's stratum, and the hashes that
commit a draw before it is made: of the pool, of the seed and (lists.trial_settings) of the settings.

The canonical pool is one row per person, ordered by ``person_id`` ascending, numbered from 0
(``position``), with the person's ``stratum`` and ``score`` (the calibrated probability from their
list entry; null on a list drawn up on the rules alone).

``pool_hash`` is the SHA-256 (64 lower-case hex digits) of the UTF-8 bytes of the JSON array of
``[position, person_id, stratum, score]`` rows in position order, with no whitespace, non-ASCII
written as itself, position and person_id as JSON integers, score as the shortest decimal that reads
back as the same double (Python's ``repr``) or null. In Python::

    hashlib.sha256(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest()

The seed is 32 random bytes, written as 64 hex digits; ``seed_hash`` is the SHA-256 of the 32 bytes
(``hashlib.sha256(bytes.fromhex(seed_hex)).hexdigest()``).
"""

from __future__ import annotations

import hashlib
import json

import polars as pl

from lists.trial_settings import TrialSettings

SEED_BYTES = 32
CANDIDATE_SCHEMA = pl.Schema(
    {"person_id": pl.Int64(), "age": pl.Int32(), "route": pl.String(), "score": pl.Float64()}
)
"""A suitable person as the pipeline finds them: their list entry's age, route and probability."""
POOL_SCHEMA = pl.Schema(
    {"position": pl.Int32(), "person_id": pl.Int64(), "stratum": pl.String(), "score": pl.Float64()}
)
"""The canonical pool (trial.pool without draw_id)."""


class PoolError(ValueError):
    """The candidates cannot form a pool (a person twice, or a tie-breaker without scores)."""


def eligible(candidates: pl.DataFrame, settings: TrialSettings) -> pl.DataFrame:
    """The candidates (CANDIDATE_SCHEMA) the settings let into the trial: by route, and for a tie-breaker
    with a score from its randomised band up (anyone below it is not in the trial)."""
    kept = candidates.filter(pl.col("route").is_in(list(settings.routes)))
    if settings.tie_breaker is not None:
        if kept.height and kept["score"].is_null().all():
            raise PoolError(
                "the tie-breaker design needs each person's calibrated probability, but the list was drawn "
                "up on the rules alone: approve a model and draw the list up again, or set design: randomised"
            )
        kept = kept.filter(pl.col("score") >= settings.tie_breaker.randomise_from)
    return kept


def canonical_pool(candidates: pl.DataFrame, settings: TrialSettings) -> pl.DataFrame:
    """The canonical pool (POOL_SCHEMA) of the eligible candidates (see the module docstring).

    Raises:
        PoolError: a person appears twice, or a tie-breaker has no scores to go by.
    """
    kept = eligible(candidates, settings)
    doubled = kept.filter(pl.col("person_id").is_duplicated())
    if doubled.height:
        raise PoolError(f"{doubled['person_id'].n_unique()} people appear twice among the suitable people")
    strata = [settings.stratum(age, route) for age, route in kept.select("age", "route").iter_rows()]
    return (
        kept.with_columns(pl.Series("stratum", strata, dtype=pl.String))
        .sort("person_id")
        .with_row_index("position")
        .select(pl.col("position").cast(pl.Int32), "person_id", "stratum", "score")
    )


def pool_rows(pool: pl.DataFrame) -> list[list[object]]:
    """The pool's rows as the hash serialises them: ``[position, person_id, stratum, score]``."""
    return [[int(p), int(i), s, None if x is None else float(x)] for p, i, s, x in pool.iter_rows()]


def pool_hash(pool: pl.DataFrame) -> str:
    """The SHA-256 of the canonical pool's serialisation (see the module docstring).

    Raises:
        PoolError: the frame is not in canonical order (positions 0, 1, ... by ascending person_id).
    """
    pool = pool.select(POOL_SCHEMA.names())
    ids = pool["person_id"].to_list()
    if pool["position"].to_list() != list(range(pool.height)) or ids != sorted(set(ids)):
        raise PoolError("the pool is not in canonical order (positions from 0 by ascending person_id)")
    text = json.dumps(pool_rows(pool), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seed_hash(seed: bytes) -> str:
    """The SHA-256 of the seed's bytes, committed before the draw.

    Raises:
        ValueError: the seed is not 32 bytes.
    """
    check_seed(seed)
    return hashlib.sha256(seed).hexdigest()


def check_seed(seed: bytes) -> bytes:
    """The seed, or ValueError when it is not :data:`SEED_BYTES` bytes."""
    if len(seed) != SEED_BYTES:
        raise ValueError(f"a draw's seed is {SEED_BYTES} bytes (64 hex digits), not {len(seed)}")
    return seed
