"""Who is listed, by which route and in what order: lists.build.select and model_selected."""

from __future__ import annotations

import dataclasses
import re
from typing import Literal

import polars as pl
import pytest

from lists.build import SELECTED_SCHEMA, ListError, model_selected, select
from lists.settings import ListSettings, load_list_settings
from rules.engine import decide
from tests.lists.frames import BANDS, DECIDED_SCHEMA, decided, decided_row, scores, verdicts

SHIPPED = load_list_settings()

# 1 to 8 are in the population unless said; the rules and exclusions they meet are worked out by hand
DECIDED = decided(
    decided_row(1, ["partner_referral"]),
    decided_row(2),  # no rule: only the model can list them
    decided_row(3, ["knife_arrest_12_months", "repeated_knife_offences"]),
    decided_row(4, ["repeated_knife_offences"], ["in_custody"]),  # excluded
    decided_row(5, ["partner_referral"], in_population=False),  # moved away
    decided_row(6),
    decided_row(7, ["knife_arrest_12_months"]),
    decided_row(8),  # no rule and a low score
)
# the model scores everyone in the population and not excluded; rank 1 = highest
SCORES = scores(
    (2, 0.60, "very high", 1),
    (3, 0.45, "very high", 2),
    (6, 0.20, "high", 3),
    (1, 0.10, "raised", 4),
    (7, 0.02, "low", 5),
    (8, 0.01, "low", 6),
)


Route = tuple[Literal["band", "probability", "top"], str | float | int]


def settings(route: Route = ("band", "very high"), capacity: int = 45) -> ListSettings:
    return dataclasses.replace(SHIPPED, capacity=capacity, model_route=route)


def listed(selected: pl.DataFrame) -> list[tuple[int, str]]:
    return [(row["person_id"], row["route"]) for row in selected.iter_rows(named=True)]


def test_the_hand_made_decided_frame_has_the_engines_shape() -> None:
    made = decide(verdicts({1: {"partner_referral": "referred"}, 4: {"in_custody": "in custody"}}, [4]))
    assert made.schema == DECIDED_SCHEMA
    by_hand = [decided_row(1, ["partner_referral"]), decided_row(4, [], ["in_custody"], in_population=False)]
    assert made.to_dicts() == decided(*by_hand).to_dicts()


def test_the_rules_and_the_model_route_list_people_in_the_order_of_the_scores() -> None:
    selected = select(DECIDED, SCORES, settings(capacity=3), BANDS)
    assert selected.schema == SELECTED_SCHEMA
    assert selected.to_dicts() == [
        {"person_id": 2, "route": "model", "rank": 1, "within_capacity": True, "probability": 0.60,
         "band": "very high"},
        {"person_id": 3, "route": "both", "rank": 2, "within_capacity": True, "probability": 0.45,
         "band": "very high"},
        # 6 (high) is neither eligible nor in the model route's band: not listed, and no gap in the ranks
        {"person_id": 1, "route": "rule", "rank": 3, "within_capacity": True, "probability": 0.10,
         "band": "raised"},
        {"person_id": 7, "route": "rule", "rank": 4, "within_capacity": False, "probability": 0.02,
         "band": "low"},
    ]  # fmt: skip


def test_excluded_and_out_of_population_people_are_never_listed_however_high_their_risk() -> None:
    # even when given scores for them, above everyone else
    above = scores((4, 0.95, "very high", 1), (5, 0.90, "very high", 2))
    shifted = SCORES.with_columns(pl.col("rank") + 2)
    routes: list[Route] = [("band", "low"), ("probability", 0.0001), ("top", 8)]
    for route in routes:
        selected = select(DECIDED, pl.concat([above, shifted]), settings(route), BANDS)
        assert not {4, 5} & set(selected["person_id"]), route
        assert selected["rank"].to_list() == list(range(1, selected.height + 1))
    assert not {4, 5} & set(select(DECIDED, None, settings())["person_id"])


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        (("band", "very high"), [(2, "model"), (3, "both"), (1, "rule"), (7, "rule")]),
        # a band and every higher one (the bands are given highest first)
        (("band", "high"), [(2, "model"), (3, "both"), (6, "model"), (1, "rule"), (7, "rule")]),
        (("band", "raised"), [(2, "model"), (3, "both"), (6, "model"), (1, "both"), (7, "rule")]),
        (("band", "low"), [(2, "model"), (3, "both"), (6, "model"), (1, "both"), (7, "both"), (8, "model")]),
        # at least the probability
        (("probability", 0.45), [(2, "model"), (3, "both"), (1, "rule"), (7, "rule")]),
        (("probability", 0.4501), [(2, "model"), (3, "rule"), (1, "rule"), (7, "rule")]),
        (("probability", 0.20), [(2, "model"), (3, "both"), (6, "model"), (1, "rule"), (7, "rule")]),
        # the k highest scores
        (("top", 1), [(2, "model"), (3, "rule"), (1, "rule"), (7, "rule")]),
        (("top", 3), [(2, "model"), (3, "both"), (6, "model"), (1, "rule"), (7, "rule")]),
        (("top", 100), [(2, "model"), (3, "both"), (6, "model"), (1, "both"), (7, "both"), (8, "model")]),
    ],
)
def test_each_model_route_puts_forward_exactly_its_people(
    route: Route, expected: list[tuple[int, str]]
) -> None:
    selected = select(DECIDED, SCORES, settings(route, capacity=2), BANDS)
    assert listed(selected) == expected
    assert selected["rank"].to_list() == list(range(1, len(expected) + 1))
    assert selected["within_capacity"].to_list() == [rank <= 2 for rank in range(1, len(expected) + 1)]


def test_model_selected_is_an_expression_over_band_probability_and_the_score_rank() -> None:
    frame = SCORES.rename({"rank": "score_rank"})

    def chosen(route: Route) -> list[int]:
        return frame.filter(model_selected(settings(route), BANDS))["person_id"].to_list()

    assert chosen(("band", "high")) == [2, 3, 6]
    assert chosen(("probability", 0.1)) == [2, 3, 6, 1]
    assert chosen(("top", 2)) == [2, 3]


def test_a_band_the_model_lacks_is_refused_naming_the_settings_file_and_the_models_bands() -> None:
    message = (
        "lists/settings.yaml: model_route: band 'extreme' is not one of the approved model's bands "
        "(very high, high, raised, low); name one of them"
    )
    with pytest.raises(ListError, match=f"^{re.escape(message)}$"):
        select(DECIDED, SCORES, settings(("band", "extreme")), BANDS)
    with pytest.raises(ListError, match="band 'very high' is not one of the approved model's bands"):
        model_selected(settings(("band", "very high")), ("red", "amber", "green"))


def test_on_the_rules_alone_the_eligible_are_ranked_by_rules_met_then_person_id() -> None:
    both = decided(*DECIDED.to_dicts(), decided_row(9, ["partner_referral", "repeated_knife_offences"]))
    selected = select(both, None, settings(capacity=3))
    assert selected.schema == SELECTED_SCHEMA
    # person_id, route, rank, within_capacity, probability, band: 3 and 9 meet two rules, 1 and 7 one
    assert selected.rows() == [
        (3, "rule", 1, True, None, None),
        (9, "rule", 2, True, None, None),
        (1, "rule", 3, True, None, None),
        (7, "rule", 4, False, None, None),
    ]


def test_on_the_rules_alone_the_model_route_is_not_consulted() -> None:
    # no bands are given, and a band route that would be refused with a model is not looked at
    selected = select(DECIDED, None, settings(("band", "extreme")))
    assert listed(selected) == [(3, "rule"), (1, "rule"), (7, "rule")]


def test_an_eligible_person_the_model_did_not_score_is_listed_after_the_scored() -> None:
    selected = select(DECIDED, SCORES.filter(pl.col("person_id") != 3), settings(), BANDS)
    assert listed(selected) == [(2, "model"), (1, "rule"), (7, "rule"), (3, "rule")]
    assert selected.filter(pl.col("person_id") == 3).row(0, named=True)["probability"] is None


def test_nobody_to_list_gives_an_empty_frame_of_the_shape() -> None:
    nobody = decided(decided_row(2), decided_row(8))
    assert select(nobody, None, settings()).schema == SELECTED_SCHEMA
    assert select(nobody, None, settings()).height == 0
    assert select(nobody, SCORES.filter(pl.col("person_id") == 8), settings(), BANDS).height == 0
