"""Score the people a list could consider and explain those at the top."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl

from features.registry import Feature
from models.dataset import Rows
from models.explain import explanation_frame
from models.learner import RiskModel
from models.settings import ModelSettings


def score_rows(
    model: RiskModel, rows: Rows, settings: ModelSettings, registered: Mapping[str, Feature], explain: int
) -> pl.DataFrame:
    """Every row's calibrated probability, band and rank; factors for the ``explain`` highest.

    Returns:
        person_id, as_of, probability, band, rank (1 = highest; by probability, then log-odds, then
        person id), raising and lowering (lists of factors; null beyond the explained rows), sorted by rank.
    """
    margin = model.margin(rows.matrix)
    probability = model.calibrated(margin)
    # calibration is a step function: the log-odds order people who share a calibrated probability
    order = np.lexsort((rows.keys["person_id"].to_numpy(), -margin, -probability))
    bounds = [b.lower for b in settings.bands]
    names = [b.name for b in settings.bands]
    # bands are listed highest first: a probability takes the first band whose lower bound it reaches
    band_index = np.argmax(probability[:, None] >= np.asarray(bounds)[None, :], axis=1)
    scored = (
        rows.keys.select("person_id", "as_of")
        .with_columns(
            pl.Series("probability", probability),
            pl.Series("band", np.asarray(names, dtype=object)[band_index], pl.String),
        )[order]
        .with_row_index("rank", offset=1)
    )
    top = order[:explain]
    explained = explanation_frame(
        rows.keys["person_id"].to_numpy()[top].tolist(),
        model,
        rows.matrix[top],
        registered,
        settings.top_factors,
    )
    return scored.join(explained, on="person_id", how="left", maintain_order="left")
