"""Probabilities are shown only as finely as the model's calibration vouches for (lists.probability)."""

from __future__ import annotations

import polars as pl
import pytest

from lists.probability import Step, calibration_steps, probability_text, reliability_curve, step_text

# the demo model's reliability curve on its test window (evaluation.json, rounded): eight steps,
# the top one spanning 4.95%-100%
DEMO = [
    {"lower": 0.0, "upper": 0.00746, "count": 1383},
    {"lower": 0.00746, "upper": 0.00839, "count": 442},
    {"lower": 0.00839, "upper": 0.00965, "count": 511},
    {"lower": 0.00965, "upper": 0.01576, "count": 2486},
    {"lower": 0.01576, "upper": 0.01617, "count": 261},
    {"lower": 0.01617, "upper": 0.02016, "count": 1186},
    {"lower": 0.02016, "upper": 0.04954, "count": 402},
    {"lower": 0.04954, "upper": 1.0, "count": 521},
]


def steps(curve: list[dict[str, float]], min_people: int = 100) -> tuple[Step, ...]:
    return calibration_steps(curve, floor=0.01, ceiling=0.95, min_people=min_people)


def shown(probabilities: list[float | None], found: tuple[Step, ...] | None) -> list[str]:
    frame = pl.DataFrame({"probability": probabilities}, schema={"probability": pl.Float64()})
    return frame.select(probability_text(0.01, 0.95, found).alias("text"))["text"].to_list()


def test_the_demo_curve_vouches_for_ranges_and_a_top_step_of_5_per_cent_or_more() -> None:
    assert [(s.text, s.people) for s in steps(DEMO)] == [
        ("under 1%", 2336),  # three steps wholly under the floor read alike: one step
        ("1% to 2%", 2486),
        ("2%", 1447),  # narrow and well populated: its whole per cent
        ("2% to 5%", 402),
        ("5% or more", 521),  # never "95% or more": the evidence at the top spans 5-100%
    ]


@pytest.mark.parametrize(
    ("probability", "text"),
    [
        (0.0, "under 1%"), (0.00965, "under 1%"), (0.0097, "1% to 2%"), (0.01576, "1% to 2%"),
        (0.018, "2%"), (0.04954, "2% to 5%"),  # steps are closed on the right, as the curve's bins
        (0.0496, "5% or more"), (0.90, "5% or more"), (0.999, "5% or more"), (1.0, "5% or more"),
        (None, "no model"),
    ],
)  # fmt: skip
def test_a_probability_reads_its_steps_words(probability: float | None, text: str) -> None:
    assert shown([probability], steps(DEMO)) == [text]


def test_a_step_on_too_few_people_joins_its_neighbour() -> None:
    assert [(s.text, s.people) for s in steps(DEMO, min_people=1000)] == [
        ("under 1%", 1383),
        ("1% to 2%", 3439),
        ("2% or more", 2370),  # the thin steps above 1.6% joined the top one
    ]
    # a thin top step joins the one below it
    thin_top = [*DEMO[:-1], {"lower": 0.04954, "upper": 1.0, "count": 5}]
    assert steps(thin_top)[-1].text == "2% or more"


@pytest.mark.parametrize(
    ("lower", "upper", "text"),
    [
        (None, 0.006, "under 1%"),
        (None, 0.014, "1% or less"),  # rounds to 1%: the probability is at most 1% in whole per cent
        (0.004, 0.03, "3% or less"),  # reaching below the floor: open below
        (0.02, 0.98, "2% or more"),  # reaching above the ceiling: open above
        (0.96, None, "95% or more"),  # never a certainty
        (0.3, None, "30% or more"),
        (0.3, 0.304, "30%"),
        (0.3, 0.45, "30% to 45%"),
        (0.0249, 0.0451, "2% to 5%"),  # bounds rounded half up
        (None, None, "1% to 95%"),  # one step: the evidence cannot narrow it at all
    ],
)
def test_a_steps_words_follow_its_bounds_within_the_floor_and_ceiling(
    lower: float | None, upper: float | None, text: str
) -> None:
    assert step_text(lower, upper, 0.01, 0.95) == text


def test_no_step_reads_0_or_100_per_cent_whatever_the_curve() -> None:
    curve = [{"lower": i / 20, "upper": (i + 1) / 20, "count": 50} for i in range(20)]
    for step in steps(curve, min_people=1):
        assert step.text not in ("0%", "100%") and "0% to" not in step.text[:5], step


def test_without_calibration_evidence_a_probability_reads_in_whole_per_cent() -> None:
    assert reliability_curve({"metrics": {}}) is None
    assert reliability_curve({"reliability": {"risk model": DEMO}}) == DEMO
    assert shown([0.31, 0.005, 0.97, None], None) == ["31%", "under 1%", "95% or more", "no model"]
