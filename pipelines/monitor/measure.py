"""Measuring the recorded runs: each run's predictions against the outcomes that followed, at every
horizon that has matured, with the same outcome code the model was trained and evaluated with
(:func:`models.dataset.outcomes`), its expected performance, its population and its feature drift."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import polars as pl

from models.dataset import outcomes
from models.learner import RiskModel
from models.monitoring_runs import (
    expected_performance,
    feature_drift,
    group_masks,
    horizons_matured,
    population,
    realised_rows,
)
from models.settings import ModelSettings, MonitoringSettings, parse_settings
from models.split import add_months
from pipelines.monitor.read import MonitoringError, RecordedRun, run_bins, run_predictions
from pipelines.monitor.reference import training_reference
from pipelines.warehouse.model_registry import RegistryError, registered_artefact
from pipelines.warehouse.model_store import ArtefactError


@dataclass(frozen=True)
class MonitoredModel:
    """A model the runs used: the model, its own settings (outcome, bins) and its training reference."""

    version: str
    model: RiskModel
    settings: ModelSettings
    reference: pl.DataFrame


@dataclass(frozen=True)
class Facts:
    """What every run is measured against: the offences, allocations and listings as they stand, and
    the day outcomes are counted to."""

    offences: pl.DataFrame
    allocations: pl.DataFrame
    listings: pl.DataFrame
    as_at: date


def monitored_model(
    con: duckdb.DuckDBPyConnection, version: str, monitoring: MonitoringSettings, *, now: datetime
) -> MonitoredModel:
    """The model a run used, read from its artefact, with its training reference (counted if new).

    Raises:
        MonitoringError: the model is not in the registry or its artefact cannot be read.
    """
    try:
        artefact = registered_artefact(con, version)
    except (RegistryError, ArtefactError) as error:
        raise MonitoringError(f"the model the runs used cannot be read: {error}") from error
    settings = parse_settings(artefact.manifest["settings"], str(artefact.path / "manifest.json"))
    reference = training_reference(
        con, version, artefact.model, artefact.manifest, settings, monitoring.reference_snapshots, now=now
    )
    return MonitoredModel(version, artefact.model, settings, reference)


def measure_run(
    con: duckdb.DuckDBPyConnection,
    run: RecordedRun,
    model: MonitoredModel,
    facts: Facts,
    monitoring: MonitoringSettings,
) -> dict[str, Any]:
    """One run's document: expected performance, population, drift, and realised performance per
    matured horizon and group (no person identifiers)."""
    predictions = run_predictions(con, run.run_id)
    keys = predictions.select("person_id").with_columns(pl.lit(run.as_of).alias("as_of"))
    horizons = [h for h in monitoring.horizons_months if h <= model.settings.horizon_months]
    matured = horizons_matured(run.as_of, horizons, facts.as_at)  # the model predicts nothing further
    realised: list[dict[str, Any]] = []
    for horizon in matured:
        outcome = outcomes(facts.offences, keys, model.settings.roles, horizon).to_numpy()
        masks = group_masks(
            predictions["person_id"], facts.allocations, facts.listings, add_months(run.as_of, horizon)
        )
        realised += realised_rows(
            predictions, outcome, masks, horizon=horizon, model_horizon=model.settings.horizon_months,
            list_size=run.list_size, bins=model.settings.reliability_bins,
        )  # fmt: skip
    drift = feature_drift(model.reference, run_bins(con, run.run_id), monitoring.drift_bins)
    return {
        "run_id": run.run_id,
        "as_of": run.as_of.isoformat(),
        "model_version": run.model_version,
        "model_horizon_months": model.settings.horizon_months,
        "list_size": run.list_size,
        "capacity": run.capacity,
        "matured_horizons": matured,
        "expected": expected_performance(predictions, run.list_size) if predictions.height else None,
        "population": population(predictions),
        "realised": realised,
        "drift": drift,
    }
