"""Small hand-made frames for the list tests: features, verdicts, decisions and scores."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache

import polars as pl

from features.build import build_features
from features.events import Events
from features.registry import registry
from rules.engine import VERDICT_SCHEMA
from rules.rulebook import DATES_SUFFIX, Rulebook, load_rulebook

AS_OF = date(2026, 11, 16)
BANDS = ("very high", "high", "raised", "low")  # models/settings.yaml, highest first
DECIDED_SCHEMA = pl.Schema(
    {
        "person_id": pl.Int64(),
        "as_of": pl.Date(),
        "in_population": pl.Boolean(),
        "eligible": pl.Boolean(),
        "excluded": pl.Boolean(),
        "eligibility_met": pl.List(pl.String()),
        "exclusions_met": pl.List(pl.String()),
        "considered_by_rules": pl.Boolean(),
    }
)
SCORES_SCHEMA = pl.Schema(
    {"person_id": pl.Int64(), "probability": pl.Float64(), "band": pl.String(), "rank": pl.UInt32()}
)


@cache
def rulebook() -> Rulebook:
    """The shipped rulebook, read once."""
    return load_rulebook()


@cache
def feature_schema() -> pl.Schema:
    """person_id, as_of, every registered feature and the ``_dates`` of each dated one, typed as
    features.build makes them (an empty-events build of one person gives the exact types)."""
    people = pl.DataFrame({"person_id": [0], "dob": [date(2008, 1, 1)], "sex": ["F"]})
    schema = build_features(Events.of(), people, AS_OF).schema
    dated = [f"{name}{DATES_SUFFIX}" for name, f in registry().items() if f.dated]
    assert list(schema) == ["person_id", "as_of", *registry(), *dated]
    return schema


def features(*people: Mapping[str, object]) -> pl.DataFrame:
    """One row per person at AS_OF: every feature null (every ``_dates`` list empty) but those given."""
    schema = feature_schema()
    rows = [
        {
            **{name: [] if name.endswith(DATES_SUFFIX) else None for name in schema},
            "as_of": AS_OF,
            **person,
        }
        for person in people
    ]
    return pl.DataFrame(rows, schema=schema)


def verdicts(people: Mapping[int, Mapping[str, str]], not_in_population: Iterable[int] = ()) -> pl.DataFrame:
    """A verdict on every rule for every person (VERDICT_SCHEMA): ``{person: {rule_id: reason}}`` gives
    the eligibility and exclusion rules met and their reasons; the population rules are met (with a
    stock reason) unless the person is in ``not_in_population`` (then resident_in_area is not met)."""
    outside = set(not_in_population)
    rows = []
    for person, met in people.items():
        for rule in rulebook().rules:
            if rule.kind == "population":
                holds = not (person in outside and rule.id == "resident_in_area")
                reason = f"population: {rule.id}" if holds else None
            else:
                holds, reason = rule.id in met, met.get(rule.id)
            rows.append(
                {
                    "person_id": person,
                    "as_of": AS_OF,
                    "rule_id": rule.id,
                    "kind": rule.kind,
                    "met": holds,
                    "reason": reason,
                    "facts": "{}",
                }  # fmt: skip
            )
    unknown = {rule for met in people.values() for rule in met} - {r.id for r in rulebook().rules}
    assert not unknown, unknown
    return pl.DataFrame(rows, schema=VERDICT_SCHEMA)


def decided_row(
    person: int, rules: Iterable[str] = (), exclusions: Iterable[str] = (), in_population: bool = True
) -> dict[str, object]:
    """One row of rules.engine.decide's frame, its flags worked out from the rules met."""
    rules, exclusions = sorted(rules), sorted(exclusions)
    return {
        "person_id": person,
        "as_of": AS_OF,
        "in_population": in_population,
        "eligible": bool(rules),
        "excluded": bool(exclusions),
        "eligibility_met": rules,
        "exclusions_met": exclusions,
        "considered_by_rules": in_population and bool(rules) and not exclusions,
    }


def decided(*rows: dict[str, object]) -> pl.DataFrame:
    """rules.engine.decide's shape from :func:`decided_row` rows."""
    return pl.DataFrame(list(rows), schema=DECIDED_SCHEMA)


def scores(*rows: tuple[int, float, str, int]) -> pl.DataFrame:
    """models.score.score_rows' person_id, probability, band and rank (1 = highest)."""
    return pl.DataFrame(list(rows), schema=SCORES_SCHEMA, orient="row")
