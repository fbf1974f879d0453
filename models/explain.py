"""Why the model says what it says about a person: SHAP contributions as plain-English factors.

Each factor is one feature's contribution to the person's log-odds (LightGBM ``pred_contrib``,
the same values as ``shap.TreeExplainer``), written with the registry's template and the
person's value (numbers agreeing with their words, codes by their labels: features.wording), and
the agency the fact comes from.

Missing data is never a factor: a feature with no value for the person (nothing on record: no
attendance record, no offence to date the last one by) may move the model's score, but it is not
a fact about the person to show as raising or lowering their risk, so it is passed over and the
next feature that moved the score in the same direction is shown instead.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from features.registry import Feature
from models.learner import RiskModel

FACTOR = pl.Struct(
    {"feature": pl.String(), "text": pl.String(), "source": pl.String(), "contribution": pl.Float64()}
)

BLANK_NOTE = re.compile(r"\s*\(blank if none\)")


@dataclass(frozen=True)
class Factor:
    """One feature's push on a person's risk: ``contribution`` in log-odds (+ raises, - lowers)."""

    feature: str
    text: str
    source: str
    contribution: float


def written(feature: Feature, value: float) -> str:
    """The plain-English fact for a model feature's value (NaN: nothing on record)."""
    if math.isnan(value):
        return f"{BLANK_NOTE.sub('', feature.description).rstrip('.')}: nothing on record"
    if feature.type == "flag":
        if value:
            return feature.template
        positive = feature.template.removeprefix("not ")  # "not in education..." when false
        return positive if positive != feature.template else f"not {feature.template}"
    if feature.type in ("count", "days", "years"):
        return feature.explain(int(round(value)))
    shown = round(value, 1)
    return feature.explain(int(shown) if shown == int(shown) else shown)


def factors(
    model: RiskModel, matrix: np.ndarray, registered: Mapping[str, Feature], top: int
) -> list[tuple[list[Factor], list[Factor]]]:
    """For each row, the ``top`` factors raising risk (largest first) and lowering it (largest first).

    Features that did not move the person's score, and features the person has no value for
    (missing data is never a factor), are left out, so a person with little on record may have
    fewer factors. A zero from an agency that holds nothing on the person (every one of its features
    zero or missing: "0 suspensions from school" for someone no school has a record of) is missing
    data too.
    """
    if matrix.shape[0] == 0:
        return []
    contributions = model.contributions(matrix)[:, :-1]
    order = np.argsort(-contributions, axis=1, kind="stable")
    known = ~np.isnan(matrix) & (_on_record(model, matrix, registered) | (np.nan_to_num(matrix) != 0))
    out = []
    for row in range(matrix.shape[0]):
        pushes = contributions[row]
        raising = [c for c in order[row] if pushes[c] > 0 and known[row, c]][:top]
        lowering = [c for c in order[row, ::-1] if pushes[c] < 0 and known[row, c]][:top]
        out.append(
            (
                [_factor(model.features[c], matrix[row, c], pushes[c], registered) for c in raising],
                [_factor(model.features[c], matrix[row, c], pushes[c], registered) for c in lowering],
            )
        )
    return out


def _on_record(model: RiskModel, matrix: np.ndarray, registered: Mapping[str, Feature]) -> np.ndarray:
    """For each row and feature: does the feature's agency hold anything on the person (a feature of
    that source with a value other than zero)?"""
    sources = np.array([registered[name].source for name in model.features])
    held = ~np.isnan(matrix) & (np.nan_to_num(matrix) != 0)
    on_record = np.zeros(matrix.shape, dtype=bool)
    for source in np.unique(sources):
        columns = sources == source
        on_record[:, columns] = held[:, columns].any(axis=1, keepdims=True)
    return on_record


def _factor(name: str, value: float, push: float, registered: Mapping[str, Feature]) -> Factor:
    feature = registered[name]
    return Factor(name, written(feature, float(value)), feature.source, float(push))


def explanation_frame(
    person_ids: Sequence[int],
    model: RiskModel,
    matrix: np.ndarray,
    registered: Mapping[str, Feature],
    top: int,
) -> pl.DataFrame:
    """person_id, ``raising`` and ``lowering``: lists of factors (feature, text, source, contribution)."""
    explained = factors(model, matrix, registered, top)
    return pl.DataFrame(
        {
            "person_id": list(person_ids),
            "raising": [[vars(f) for f in up] for up, _ in explained],
            "lowering": [[vars(f) for f in down] for _, down in explained],
        },
        schema={"person_id": pl.Int64(), "raising": pl.List(FACTOR), "lowering": pl.List(FACTOR)},
    )
