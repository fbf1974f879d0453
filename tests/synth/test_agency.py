"""Identity noise as each agency records it."""

from __future__ import annotations

import numpy as np
import polars as pl

from synth.agency import DOB_ERROR, FORENAME_VARIANT, SURNAME_ERROR, registrations


def people(n: int) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    return pl.DataFrame(
        {
            "true_person_id": np.arange(n),
            "forename": np.array(["William", "Olivia", "Mohammed", "Amelia"])[rng.integers(0, 4, n)],
            "middle_name": [""] * n,
            "surname": np.array(["Smith", "Khan", "O'Brien", "Da Silva"])[rng.integers(0, 4, n)],
            "dob_day": rng.integers(10_000, 14_000, n),
            "sex": np.where(rng.random(n) < 0.5, "M", "F"),
        }
    )


def error_rates(noise_level: float, n: int = 200_000) -> dict[str, float]:
    truth = people(n)
    regs = registrations(
        np.random.default_rng(1), truth, truth["true_person_id"].to_numpy(), noise_level, 0.0
    )
    joined = regs.join(truth, on="true_person_id", suffix="_true")
    return {
        "forename": float((joined["forename"] != joined["forename_true"]).mean() or 0),
        "surname": float((joined["surname"] != joined["surname_true"]).mean() or 0),
        "dob": float((joined["dob"].cast(pl.Int64) != joined["dob_day"]).mean() or 0),
    }


def test_noise_rates_match_the_reference() -> None:
    rates = error_rates(1.0)
    assert abs(rates["forename"] - FORENAME_VARIANT) < 0.004
    assert abs(rates["surname"] - SURNAME_ERROR) < 0.003
    # half of dob errors on days 13+ cannot swap and a few shifts land on the same date
    assert 0.5 * DOB_ERROR < rates["dob"] < 1.3 * DOB_ERROR


def test_noise_multiplier_scales_every_rate() -> None:
    once, twice = error_rates(1.0), error_rates(2.0)
    for field in once:
        assert 1.6 < twice[field] / once[field] < 2.4, field


def test_no_noise_means_records_match_the_truth() -> None:
    rates = error_rates(0.0, n=20_000)
    assert rates == {"forename": 0.0, "surname": 0.0, "dob": 0.0}


def test_duplicate_registrations_follow_their_rate() -> None:
    truth = people(100_000)
    regs = registrations(np.random.default_rng(2), truth, truth["true_person_id"].to_numpy(), 1.0, 0.015)
    second = regs.filter(pl.col("registration") == 1).height / truth.height
    assert 0.012 < second < 0.018
