"""The bins feature drift is measured in: each feature's values cut at the model's own split points.

Between two adjacent split points the model cannot tell values apart, so these fine bins hold every
distinction the score depends on, and nothing else. A weekly run records how many people fall in
each (a few thousand numbers, whatever the population); monitoring merges them into about ten
bins by the training data's shares (:func:`models.monitoring.feature_stability`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import polars as pl

from models.learner import RiskModel

MISSING = -1
"""The bin of a missing (unknown) value."""
BIN_SCHEMA = pl.Schema(
    {"feature": pl.String(), "bin": pl.Int16(), "upper": pl.Float64(), "people": pl.Int64()}
)
"""One row per feature and fine bin: the bin's upper split point (inclusive; null for the last bin and
for missing values) and how many people fall in it."""


def fine_bins(model: RiskModel) -> dict[str, np.ndarray]:
    """Each feature's distinct split points in the model's trees, ascending (empty if never split on),
    by the model's feature names.

    A value ``v`` goes left at a split ``v <= threshold`` (LightGBM's numerical splits), so fine bin
    ``i`` holds the values above split point ``i - 1`` and at most split point ``i``. The booster's
    features are the model's, in the same order (it may call them Column_0, Column_1...).
    """
    dumped = model.booster.dump_model()
    count = len(dumped["feature_names"])
    if count != len(model.features):
        raise ValueError(f"the booster has {count} features, the model lists {len(model.features)}")
    found: list[set[float]] = [set() for _ in range(count)]
    for tree in dumped["tree_info"]:
        for node in _splits(tree["tree_structure"]):
            if node.get("decision_type") == "<=":
                found[int(node["split_feature"])].add(float(node["threshold"]))
    return {
        name: np.array(sorted(values), dtype=np.float64)
        for name, values in zip(model.features, found, strict=True)
    }


def _splits(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    stack = [node]
    while stack:
        current = stack.pop()
        if "split_feature" in current:
            yield current
            stack.extend((current["left_child"], current["right_child"]))


def bin_counts(matrix: np.ndarray, features: Sequence[str], points: dict[str, np.ndarray]) -> pl.DataFrame:
    """How many rows fall in each feature's fine bins (BIN_SCHEMA), every bin listed even when empty.

    Args:
        matrix: the model features, one column per name in ``features`` (NaN where unknown).
        features: the column names.
        points: each feature's split points (:func:`fine_bins`).
    """
    if matrix.ndim != 2 or matrix.shape[1] != len(features):
        raise ValueError(f"expected a matrix of {len(features)} features, got shape {matrix.shape}")
    parts = []
    for column, name in enumerate(features):
        values = matrix[:, column].astype(np.float64)
        edges = points[name]
        known = ~np.isnan(values)
        index = np.searchsorted(edges, values[known], side="left")
        counts = np.bincount(index, minlength=edges.size + 1)
        bins = np.arange(edges.size + 1, dtype=np.int16)
        upper = np.append(edges, np.nan)
        parts.append(
            pl.DataFrame(
                {
                    "feature": [name] * (edges.size + 2),
                    "bin": np.append(bins, np.int16(MISSING)),
                    "upper": np.append(upper, np.nan),
                    "people": np.append(counts, int((~known).sum())),
                }
            )
        )
    if not parts:
        return pl.DataFrame(schema=BIN_SCHEMA)
    return pl.concat(parts).with_columns(pl.col("upper").fill_nan(None)).cast(BIN_SCHEMA)
