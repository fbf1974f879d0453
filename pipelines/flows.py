"""Prefect flows: they wire the pipeline's steps together and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from linkage.run import LinkResult, run_link
from pipelines.ingest_run import IngestFailed, IngestResult, run_ingest
from pipelines.model_run import DEFAULT_STORE, TrainResult, run_training
from pipelines.warehouse import warehouse_path

T = TypeVar("T")


def prefect_step(name: str, function: Callable[..., T], *args: Any) -> T:
    """Run one step as a Prefect task run (no caching: steps write to the warehouse)."""
    return task(name=name, cache_policy=NO_CACHE, persist_result=False)(function)(*args)


@flow(name="ingest-extracts")
def ingest_extracts(
    landing: Path = Path("data/world/landing"),
    warehouse: Path | None = None,
    run_date: date | None = None,
    report_dir: Path | None = None,
) -> IngestResult:
    """Load every new extract in the landing folder through its data contract into the warehouse.

    Fails (after loading everything valid and writing the report) when a quality gate fails.
    """
    result = run_ingest(
        Path(landing),
        warehouse_path(Path(warehouse) if warehouse else None),
        run_date or date.today(),
        report_dir=Path(report_dir) if report_dir else None,
        step=prefect_step,
    )
    get_run_logger().info(
        "ingest %s: %d files loaded, %d failed gates, report %s",
        result.status, sum(o.status == "loaded" for o in result.outcomes), len(result.failed_gates),
        result.report_path.name,
    )  # fmt: skip
    if result.status != "succeeded":
        raise IngestFailed(result)
    return result


@flow(name="link-identities")
def link_identities(warehouse: Path | None = None, retrain: bool = False) -> LinkResult:
    """Link every staged record to a person, after ingest (see `cohort link`)."""
    result = run_link(
        warehouse_path(Path(warehouse) if warehouse else None), retrain=retrain, step=prefect_step
    )
    get_run_logger().info(
        "link %s: %d records, %d people, %d pairs for review, %d merges, %d splits",
        result.run_id, result.records, result.persons, result.pairs_for_review, result.merges, result.splits,
    )  # fmt: skip
    return result


@flow(name="train-risk-model")
def train_risk_model(
    warehouse: Path | None = None, store: Path = DEFAULT_STORE, world: Path | None = None
) -> TrainResult:
    """Train, evaluate and store a candidate risk model (see `cohort model train`); never approves it."""
    result = run_training(
        warehouse_path(Path(warehouse) if warehouse else None), Path(store),
        world=Path(world) if world else None, by="flow train-risk-model", step=prefect_step,
    )  # fmt: skip
    model = result.evaluation.metrics["risk model"]
    get_run_logger().info(
        "model %s: test AUC %.3f, ECE %.4f; %s", result.version, model.auc, model.ece or 0.0,
        "recorded as a candidate" if result.registered else "already recorded",
    )  # fmt: skip
    return result
