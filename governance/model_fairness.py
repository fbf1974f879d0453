"""The model's fairness on its test window: who the list's model route would have put forward, by
ethnicity, sex, age band and deprivation decile, against the outcome that followed
(governance.score_audit.audit_scores)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import polars as pl

from features.registry import registry
from governance.fairness import audit_groups
from governance.fairness_settings import FairnessSettings
from governance.score_audit import audit_scores
from lists.build import model_selected
from lists.settings import ListSettings
from models.dataset import Rows
from models.learner import RiskModel
from models.score import score_rows
from models.settings import ModelSettings


def fairness_on_test_window(
    model: RiskModel,
    test: Rows,
    settings: ModelSettings,
    list_settings: ListSettings,
    audit_settings: FairnessSettings,
) -> dict[str, Any]:
    """The "cohort.fairness.scores/1" document of the test rows (one as_of), selected as the list's
    model route (lists/settings.yaml) would select them."""
    if test.audit is None:
        raise ValueError("the test rows carry no characteristics to audit (models.dataset.snapshot_rows)")
    scored = score_rows(model, test, settings, registry(), explain=0).select(
        "person_id", "probability", "band", pl.col("rank").alias("score_rank")
    )
    aligned = test.keys.select("person_id").join(scored, on="person_id", how="left", maintain_order="left")
    bands = [b.name for b in settings.bands]
    kind, value = list_settings.model_route
    if kind == "band" and value not in bands:
        # the list cannot use this model until its route names one of the model's bands: audit the
        # model's highest band, which the selection text says
        list_settings = replace(list_settings, model_route=("band", bands[0]))
        kind, value = list_settings.model_route
    selected = aligned.select(model_selected(list_settings, bands).fill_null(False))
    threshold = None
    if kind == "band":
        threshold = next(b.lower for b in settings.bands if b.name == value)
    elif kind == "probability":
        threshold = float(value)
    roles = " or ".join(settings.roles)
    describe = {
        "outcome": f"recorded as {roles} in serious violence within {settings.horizon_months} months",
        "score": "the model's calibrated probability",
        "threshold": threshold,
        "selection": _route_text(kind, value, threshold),
        "as_of": str(test.keys["as_of"].min()) if test.keys.height else None,
        "rows": {"read": test.keys.height, "used": test.keys.height, "excluded": []},
    }
    return audit_scores(
        test.outcome, aligned["probability"].to_numpy(), selected.to_series().to_numpy(),
        audit_groups(test.audit, audit_settings), audit_settings, describe=describe,
    )  # fmt: skip


def _route_text(kind: str, value: object, threshold: float | None) -> str:
    if kind == "band":
        return f"the list's model route: band '{value}' or higher (probability {threshold:.1%} or more)"
    if kind == "probability":
        return f"the list's model route: probability {threshold:.1%} or more"
    return f"the list's model route: the {value} highest scores"
