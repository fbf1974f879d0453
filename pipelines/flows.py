"""Prefect flows: they wire the pipeline's steps together and nothing else.

Each step runs as a Prefect task run (:func:`prefect_step`). Steps marked I/O with
``pipelines.steps.retried`` are retried; a step that still fails is raised as
:class:`~pipelines.steps.StageFailed`, naming the stage, its input and what to do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun

from pipelines.clock import system_clock, today
from pipelines.console.sync.sync import publish_after, take_in_first
from pipelines.ingest.run import IngestFailed, IngestResult, run_ingest
from pipelines.link.run import LinkResult, run_link
from pipelines.steps import Retry, StageFailed, inputs_of, retry_policy
from pipelines.train.run import DEFAULT_STORE, TrainResult, run_training
from pipelines.warehouse.connection import warehouse_path

if TYPE_CHECKING:
    from pipelines.weekly.run import WeeklyResult


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
    path = warehouse_path(_path(warehouse), create=True)  # ingest may make the warehouse
    if path.exists():
        take_in_first(path, now=system_clock())
    with flow_inputs(landing=Path(landing), warehouse=path):
        result = run_ingest(
            Path(landing), path, run_date or today(system_clock), clock=system_clock,
            report_dir=_path(report_dir), step=prefect_step,
        )  # fmt: skip
    publish_after(path, now=system_clock(), by="flow:ingest-extracts")
    get_run_logger().info(
        "ingest %s: %d files loaded, %d failed gates, report %s",
        result.status, sum(o.status == "loaded" for o in result.outcomes), len(result.failed_gates),
        result.report_path.name,
    )  # fmt: skip
    if result.status != "succeeded":
        raise IngestFailed(result)
    return result


@flow(name="link-identities")
def link_identities(warehouse: Path | None = None, retrain: bool = False, full: bool = False) -> LinkResult:
    """Link every staged record to a person, after ingest (see `cohort link`; an increment unless full)."""
    path = warehouse_path(_path(warehouse))
    take_in_first(path, now=system_clock())
    with flow_inputs(warehouse=path):
        result = run_link(path, clock=system_clock, retrain=retrain, full=full, step=prefect_step)
    publish_after(path, now=system_clock(), by="flow:link-identities")
    get_run_logger().info(
        "link %s (%s): %d records, %d registrations changed, %d pairs scored, %d people, "
        "%d pairs for review, %d merges, %d splits, %d link rows inserted, %d deleted",
        result.run_id, "increment" if result.increment else "full", result.records,
        result.registrations_changed, result.pairs_scored, result.persons, result.pairs_for_review,
        result.merges, result.splits, result.rows_inserted, result.rows_deleted,
    )  # fmt: skip
    return result


@flow(name="train-risk-model")
def train_risk_model(
    warehouse: Path | None = None, store: Path = DEFAULT_STORE, world: Path | None = None
) -> TrainResult:
    """Train, evaluate and store a candidate risk model (see `cohort model train`); never approves it."""
    path = warehouse_path(_path(warehouse))
    take_in_first(path, now=system_clock())
    with flow_inputs(warehouse=path, store=Path(store)):
        result = run_training(
            path,
            Path(store),
            clock=system_clock,
            world=_path(world),
            by="flow train-risk-model",
            step=prefect_step,
        )
    publish_after(path, now=system_clock(), by="flow:train-risk-model")
    model = result.evaluation.metrics["risk model"]
    get_run_logger().info(
        "model %s: test AUC %.3f, ECE %.4f; %s", result.version, model.auc, model.ece or 0.0,
        "recorded as a candidate" if result.registered else "already recorded",
    )  # fmt: skip
    _log_breaches(result.fairness, f"model {result.version}")
    return result


@flow(name="weekly-priority-list")
def weekly_priority_list(
    as_of: date | None = None,
    warehouse: Path | None = None,
    lists_dir: Path | None = None,
    despite_failed_gates: str | None = None,
) -> WeeklyResult:
    """Draw up, publish and record the weekly consideration list (see `cohort weekly`).

    ``as_of`` defaults to the Monday of the current week; ``lists_dir`` to lists/ beside the warehouse.
    The run fails, publishing nothing, when the latest ingest failed a gate or a source is stale,
    unless ``despite_failed_gates`` gives the reason to publish anyway (audited, shown on the list):
    a person re-runs the deployment with it. Logs a one-line summary (no personal data).
    """
    from pipelines.weekly.run import monday_of, run_weekly

    path, folder = warehouse_path(_path(warehouse)), _path(lists_dir)
    take_in_first(path, now=system_clock(), required=True)  # the console's decisions count in the list
    with flow_inputs(warehouse=path, lists_dir=folder):
        result = run_weekly(
            path, as_of or monday_of(today(system_clock)), now=system_clock(), lists_dir=folder,
            by="flow weekly-priority-list", step=prefect_step, despite_failed_gates=despite_failed_gates,
        )  # fmt: skip
    get_run_logger().info(
        "weekly list run %d for %s: %d entries, %d within capacity, mode %s, folder %s",
        result.run_id, result.as_of.isoformat(), result.entries, result.within_capacity, result.mode,
        result.folder,
    )  # fmt: skip
    _log_breaches(result.fairness, f"list run {result.run_id}")
    publish_after(path, now=system_clock(), by="flow:weekly-priority-list")
    return result


def _log_breaches(fairness: dict[str, Any], what: str) -> None:
    """Warn in the flow's log of each fairness breach (the board pack shows them too)."""
    for breach in fairness["breaches"]:
        get_run_logger().warning("fairness breach for %s: %s", what, breach["message"])


# How each step runs: as a Prefect task run, retried where marked, failures naming their inputs.

T = TypeVar("T")

_flow_inputs: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("cohort_flow_inputs", default=())


@contextmanager
def flow_inputs(**named: Path | None) -> Iterator[None]:
    """Name the flow's inputs (``warehouse=path``) in any StageFailed raised by a step inside."""
    token = _flow_inputs.set(tuple((name, str(path)) for name, path in named.items() if path is not None))
    try:
        yield
    finally:
        _flow_inputs.reset(token)


def prefect_step(name: str, function: Callable[..., T], *args: Any) -> T:
    """Run one step as a Prefect task run (no caching: steps write to the warehouse).

    A function marked ``@retried`` is retried on the errors it names. A failure is raised as
    ``StageFailed(name, error)``, which names the step's input files and says what to do.
    """
    policy = retry_policy(function)
    step = task(
        name=name,
        cache_policy=NO_CACHE,
        persist_result=False,
        retries=policy.retries if policy else 0,
        retry_delay_seconds=policy.delay_seconds if policy else 0,
        retry_condition_fn=_retry_condition(policy) if policy else None,
    )(function)
    try:
        return step(*args)
    except StageFailed:
        raise
    except Exception as error:
        raise StageFailed(name, error, _inputs(args)) from error


def _inputs(args: tuple[Any, ...]) -> tuple[str, ...]:
    """The step's files and folders, then the flow's named inputs (each path once)."""
    named = _flow_inputs.get()
    own = [path for path in inputs_of(args) if path not in {p for _, p in named}]
    return (*own, *(f"{name} {path}" for name, path in named))


def _retry_condition(policy: Retry) -> Callable[[Any, TaskRun, State[Any]], bool]:
    def worth_retrying(task: Any, task_run: TaskRun, state: State[Any]) -> bool:
        return policy.applies_to(state.data if isinstance(state.data, BaseException) else None)

    return worth_retrying


def _path(value: Path | str | None) -> Path | None:
    """A path parameter: Prefect passes strings from a deployment's parameters."""
    return Path(value) if value else None
