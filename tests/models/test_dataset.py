"""Labelling snapshot rows with the outcome that followed, and sampling the training negatives."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from models.dataset import _sample_negatives, outcomes

AS_OF = date(2025, 1, 15)


def offence(person: int, day: date, role: str = "suspect", serious: bool = True) -> dict[str, object]:
    return {"person_id": person, "event_date": day, "role": role, "serious_violence": serious}


OCCURRENCES = pl.DataFrame(
    [
        offence(1, date(2025, 1, 15)),  # on as_of: in the window
        offence(2, date(2025, 1, 14)),  # the day before: a feature, not the outcome
        offence(3, date(2026, 1, 15)),  # as_of + 12 months: the window has closed
        offence(4, date(2026, 1, 14)),  # the window's last day
        offence(5, date(2025, 6, 1), role="victim"),
        offence(6, date(2025, 6, 1), serious=False),  # not serious violence
        offence(7, date(2025, 3, 1)),
        offence(7, date(2025, 4, 1)),  # twice in the window: still one row
    ]
)


def rows(*people: int, as_of: date = AS_OF) -> pl.DataFrame:
    return pl.DataFrame({"person_id": list(people), "as_of": [as_of] * len(people)})


def test_the_window_runs_from_as_of_inclusive_for_twelve_months_exclusive() -> None:
    labelled = outcomes(OCCURRENCES, rows(1, 2, 3, 4, 6, 7), ["suspect", "victim"], 12)
    assert labelled.to_list() == [True, False, False, True, False, True]


def test_only_the_configured_roles_count() -> None:
    assert outcomes(OCCURRENCES, rows(5), ["suspect", "victim"], 12).to_list() == [True]
    assert outcomes(OCCURRENCES, rows(5), ["suspect"], 12).to_list() == [False]
    assert outcomes(OCCURRENCES, rows(1, 5), ["victim"], 12).to_list() == [False, True]


def test_the_labels_keep_the_rows_order_and_each_rows_own_as_of() -> None:
    # person 2's offence on 14/01/2025 is in the window of a snapshot taken a month earlier
    snapshots = pl.concat([rows(7, 2, 99, 1), rows(2, 3, as_of=date(2024, 12, 15))])
    labelled = outcomes(OCCURRENCES, snapshots, ["suspect"], 12)
    assert labelled.to_list() == [True, False, False, True, True, False]
    assert labelled.len() == snapshots.height


def test_a_month_end_window_closes_on_the_shorter_months_last_day() -> None:
    # as_of 31/01/2024 with a one-month horizon runs to 29/02/2024 exclusive
    events = pl.DataFrame([offence(1, date(2024, 2, 28)), offence(2, date(2024, 2, 29))])
    labelled = outcomes(events, rows(1, 2, as_of=date(2024, 1, 31)), ["suspect"], 1)
    assert labelled.to_list() == [True, False]


def snapshot_frame(positives: int, negatives: int, as_of: date) -> pl.DataFrame:
    outcome = [True] * positives + [False] * negatives
    return pl.DataFrame(
        {"person_id": range(len(outcome)), "as_of": [as_of] * len(outcome), "outcome": outcome}
    )


FRAME = pl.concat(
    [snapshot_frame(30, 4_000, date(2024, 1, 16)), snapshot_frame(20, 6_000, date(2024, 2, 16))]
)


def test_sampling_keeps_every_positive_and_weights_negatives_back() -> None:
    sampled = _sample_negatives(FRAME, 0.25, seed=11)
    positives = sampled.filter("outcome")
    negatives = sampled.filter(~pl.col("outcome"))
    assert positives.height == 50
    assert (positives["weight"] == 1.0).all() and (negatives["weight"] == 4.0).all()
    # about a quarter of the 10,000 negatives (binomial sd 43), weighted back to about 10,000
    assert abs(negatives.height - 2_500) < 200
    assert negatives["weight"].sum() == pytest.approx(10_000, abs=800)


def test_sampling_is_the_same_for_the_same_seed_and_differs_for_another() -> None:
    first = _sample_negatives(FRAME, 0.25, seed=11)
    assert first.equals(_sample_negatives(FRAME, 0.25, seed=11))
    assert not first["person_id"].equals(_sample_negatives(FRAME, 0.25, seed=12)["person_id"])


def test_a_snapshots_sample_does_not_depend_on_the_other_dates_built_with_it() -> None:
    # snapshots are built a few dates at a time, so a date's sample must not depend on its batch
    together = _sample_negatives(FRAME, 0.5, seed=3)
    apart = pl.concat([_sample_negatives(part, 0.5, seed=3) for part in FRAME.partition_by("as_of")])
    assert together.sort("as_of", "person_id").equals(apart.sort("as_of", "person_id"))


@pytest.mark.parametrize("share", [0.1, 0.5, 0.9])
def test_the_sample_of_negatives_is_close_to_the_share(share: float) -> None:
    sampled = _sample_negatives(FRAME, share, seed=5)
    kept = sampled.filter(~pl.col("outcome")).height
    assert kept == pytest.approx(10_000 * share, abs=5 * np.sqrt(10_000 * share * (1 - share)))
