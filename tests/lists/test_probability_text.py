"""How a calibrated probability is shown: whole per cent, never a certainty, "no model" when there is none."""

from __future__ import annotations

import copy
import dataclasses

import polars as pl
import pytest

from lists.reasons import probability_text
from lists.settings import ListSettings, ListSettingsError, load_list_settings, parse_list_settings

SHIPPED = load_list_settings()  # floor 0.01, ceiling 0.95


def shown(probabilities: list[float | None], settings: ListSettings = SHIPPED) -> list[str]:
    frame = pl.DataFrame({"probability": probabilities}, schema={"probability": pl.Float64()})
    return frame.select(probability_text(settings).alias("text"))["text"].to_list()


@pytest.mark.parametrize(
    ("probability", "text"),
    [
        (0.31, "31%"),
        (0.3149, "31%"),
        (0.5, "50%"),
        (0.01, "1%"),  # the floor itself is shown as a number
        (0.0099, "under 1%"),
        (0.005, "under 1%"),
        (0.0, "under 1%"),
        (0.9499, "95%"),  # just below the ceiling: rounded, not "or more"
        (0.95, "95% or more"),
        (0.999, "95% or more"),
        (1.0, "95% or more"),
        (None, "no model"),
    ],
)
def test_a_probability_is_shown_in_whole_per_cent_between_the_floor_and_the_ceiling(
    probability: float | None, text: str
) -> None:
    assert shown([probability]) == [text]


@pytest.mark.parametrize(
    ("probability", "text"),
    [
        # p * 100 is rounded half to even (Polars' default), on the float product:
        (0.125, "12%"),  # 12.5 exactly: to even, down
        (0.135, "14%"),  # 13.5 exactly: to even, up
        (0.015, "2%"),  # 1.5: up
        (0.025, "2%"),  # 2.5: down
        (0.305, "30%"),  # 30.5: down
        (0.315, "32%"),  # 31.5: up
        (0.145, "14%"),  # 0.145 * 100 is 14.499999999999998 in floating point: down
        (0.285, "28%"),  # 28.499999999999996: down
        (0.0151, "2%"),  # past the half: up
    ],
)
def test_halves_are_rounded_to_even_on_the_floating_point_product(probability: float, text: str) -> None:
    assert shown([probability]) == [text]


def test_no_shipped_setting_ever_shows_a_certainty() -> None:
    grid = [i / 10_000 for i in range(10_001)]
    texts = set(shown(list(grid)))
    assert "100%" not in texts and "0%" not in texts
    assert {"under 1%", "95% or more", "1%", "95%"} <= texts


def test_the_floor_and_ceiling_texts_follow_the_settings() -> None:
    settings = dataclasses.replace(SHIPPED, floor=0.05, ceiling=0.9)
    assert shown([0.049, 0.05, 0.899, 0.9, None], settings) == [
        "under 5%",
        "5%",
        "90%",
        "90% or more",
        "no model",
    ]


@pytest.mark.parametrize(("floor", "ceiling"), [(0.01, 0.999), (0.001, 0.95), (0.6, 0.95), (0.01, 0.4)])
def test_settings_that_could_show_a_certainty_or_cross_are_refused(floor: float, ceiling: float) -> None:
    document = copy.deepcopy(SHIPPED.document)
    document["probability_shown"] = {"floor": floor, "ceiling": ceiling}
    with pytest.raises(ListSettingsError, match="probability_shown"):
        parse_list_settings(document)


@pytest.mark.parametrize(("floor", "ceiling"), [(0.01, 0.99), (0.01, 0.5), (0.5, 0.99)])
def test_no_allowed_setting_ever_shows_a_certainty(floor: float, ceiling: float) -> None:
    settings = dataclasses.replace(SHIPPED, floor=floor, ceiling=ceiling)
    texts = shown([i / 10000 for i in range(10001)], settings)
    assert not any(text.startswith(("100%", "0%")) or text == "under 0%" for text in texts)
