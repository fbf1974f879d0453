"""Scoring with the approved model (`cohort model score`): everyone the list could consider at a date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from features.registry import registry
from models.dataset import snapshot_rows
from models.settings import parse_settings
from pipelines.warehouse.connection import connect
from pipelines.warehouse.event_frames import read_events, read_people
from rules.rulebook import load_rulebook


def score_with_approved(warehouse: Path, as_of: date, explain: int) -> tuple[str, pl.DataFrame]:
    """Score everyone the list could consider at ``as_of`` with the approved model.

    Returns:
        The model's version and models.score.score_rows' frame.

    Raises:
        LookupError: no model is approved, or its artefact is missing or changed.
    """
    from models.score import score_rows
    from pipelines.warehouse.model_registry import approved_model
    from pipelines.warehouse.model_store import ArtefactError, read_artefact

    with connect(warehouse) as con:
        record = approved_model(con)
        if record is None:
            raise LookupError(
                "no model is approved: `cohort model list`, then `cohort model approve VERSION`"
            )
        events, people = read_events(con), read_people(con)
    try:
        artefact = read_artefact(record.path)
    except ArtefactError as error:
        raise LookupError(str(error)) from error
    # the model is scored as it was trained and evaluated: its own outcome, bands and explanations
    settings = parse_settings(artefact.manifest["settings"], str(artefact.path / "manifest.json"))
    rows = snapshot_rows(
        events, people, [as_of], load_rulebook(), artefact.model.features,
        roles=settings.roles, horizon_months=settings.horizon_months, labelled=False,
    )  # fmt: skip
    return artefact.version, score_rows(artefact.model, rows, settings, registry(), explain)
