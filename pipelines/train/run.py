"""Train, evaluate and store a risk model from the warehouse (`cohort model train`, flow
`train-risk-model`): the one I/O seam around the pure steps in models/.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from features.registry import model_features, registry
from governance.fairness_settings import load_fairness_settings
from governance.model_fairness import fairness_on_test_window
from lists.settings import load_list_settings
from models.dataset import Rows, snapshot_rows
from models.evaluate import Evaluation, evaluate_test, fit_logistic
from models.learner import RiskModel, train_model
from models.report import render_report
from models.settings import ModelSettings, load_settings
from models.split import Split, plan_split
from pipelines.clock import Clock
from pipelines.steps import Step, direct
from pipelines.timing import Stopwatch
from pipelines.train.code_version import code_version
from pipelines.train.model_cards import FAIRNESS_FILE, CardWritten, write_model_card
from pipelines.train.oracle import oracle_risks, read_xref
from pipelines.train.plots import precision_at_plot, reliability_plot, shap_dependence_plot, shap_summary_plot
from pipelines.warehouse.connection import connect
from pipelines.warehouse.event_frames import read_events, read_people
from pipelines.warehouse.model_registry import register
from pipelines.warehouse.model_store import content_hash, version_name, write_artefact
from pipelines.warehouse.queries import sql
from rules.rulebook import load_rulebook

DEFAULT_STORE = Path("data/models")
OUTCOME_SOURCE = "police_occurrences"
DEPENDENCE_PLOTS = 4


class TrainingError(RuntimeError):
    """The warehouse cannot train a model yet (nothing linked, too little history)."""


@dataclass(frozen=True)
class TrainResult:
    """What one training run made."""

    version: str
    path: Path
    registered: bool  # False when the same model (same content hash) was already recorded
    split: Split
    rows: dict[str, tuple[int, int]]  # part -> (rows, outcomes)
    evaluation: Evaluation
    fairness: dict[str, Any]  # governance.fairness "cohort.fairness.scores/1" on the test window
    card: CardWritten  # the model card and transparency record (governance.model_card)
    seconds: dict[str, float]


def run_training(
    warehouse: Path,
    store: Path = DEFAULT_STORE,
    *,
    clock: Clock,
    world: Path | None = None,
    settings_file: Path | None = None,
    by: str = "cohort model train",
    step: Step = direct,
    progress: Callable[[str], None] = lambda message: None,
) -> TrainResult:
    """Train a model on the warehouse's history, evaluate it, store it and record it as a candidate.

    Args:
        warehouse: the DuckDB warehouse (ingested and linked).
        store: the folder of model artefacts.
        clock: the wall clock (the CLI and the flow pass :func:`pipelines.clock.system_clock`).
        world: a synthetic world's folder, to compare with its oracle (evaluation only).
        settings_file: model settings [default: models/settings.yaml].
        by: who or what trained it (kept with the status).
        step: runs each stage (a Prefect task in the flow).
        progress: told what is happening, for the command line.
    """
    stopwatch = Stopwatch()
    with stopwatch.lap("read"):
        settings = load_settings(settings_file)
        rulebook = load_rulebook()
        features = model_features()
        with connect(warehouse) as con:
            provenance = _provenance(con)
            events, people = read_events(con), read_people(con)
            xref = read_xref(con) if world is not None else None
        first_event = events.occurrences["event_date"].min()
        if people.height == 0 or not isinstance(first_event, date):
            raise TrainingError(
                "nobody is linked to a police record yet: run `cohort ingest` and `cohort link` first"
            )
        split = plan_split(provenance["known_until"], first_event, settings)

    def rows(dates: tuple[date, ...], sample: bool) -> Rows:
        return snapshot_rows(
            events, people, dates, rulebook, features, roles=settings.roles,
            horizon_months=settings.horizon_months, seed=settings.sampling_seed,
            negative_share=settings.negative_share if sample else 1.0,
        )  # fmt: skip

    progress(
        f"building {len(split.train)} training, {len(split.calibration)} calibration and 1 test snapshots"
    )
    with stopwatch.lap("snapshots"):
        train = step("training-snapshots", rows, split.train, True)
        calibration = step("calibration-snapshots", rows, split.calibration, False)
        test = step("test-snapshot", rows, (split.test,), False)
    progress(f"training on {train.keys.height:,} rows ({int(train.outcome.sum()):,} with the outcome)")
    with stopwatch.lap("train"):
        model = step(
            "train-and-calibrate", train_model, (train.matrix, train.outcome, train.weight),
            (calibration.matrix, calibration.outcome), features, registry(), settings.learner,
            settings.calibration, settings.tuning, train.keys["as_of"].to_numpy(),
        )  # fmt: skip
    with stopwatch.lap("evaluate"):
        logistic = step("logistic-baseline", fit_logistic, train)
        oracle = oracle_risks(world, xref) if world is not None and xref is not None else None
        evaluation = step("evaluate", evaluate_test, model, logistic, test, settings, oracle)
        fairness = step(
            "fairness-audit", fairness_on_test_window, model, test, settings, load_list_settings(),
            load_fairness_settings(),
        )  # fmt: skip
    trained_at = clock().replace(microsecond=0)
    version = version_name(model, settings.document, split.test.isoformat())
    counts = {
        name: (part.keys.height, int(part.outcome.sum()))
        for name, part in (("training", train), ("calibration", calibration), ("test", test))
    }
    del train
    manifest = _manifest(
        version, model, settings, split, provenance, rulebook.version, trained_at, evaluation
    )
    manifest["rows"] = counts
    manifest["fairness"] = {"file": FAIRNESS_FILE, "breaches": len(fairness["breaches"])}
    with stopwatch.lap("report"):
        extra = _report_files(model, test, evaluation, manifest, settings)
        extra[FAIRNESS_FILE] = json.dumps(fairness, indent=2)
        folder = write_artefact(store, model, manifest, extra)
    with connect(warehouse) as con:
        registered = register(
            con, {**manifest, "content_hash": content_hash(model, settings.document)}, folder, by
        )
        card = write_model_card(folder, con=con, generated_at=trained_at)
    seconds = {**stopwatch.laps, "total": stopwatch.elapsed()}
    return TrainResult(version, folder, registered, split, counts, evaluation, fairness, card, seconds)


def _provenance(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """What the model is trained from: the loads in use, the last linkage run, how far data reach."""
    loads = [load_id for (load_id,) in con.execute(sql("train/loaded_loads")).fetchall()]
    ((known_until,),) = con.execute(sql("train/known_until"), [OUTCOME_SOURCE]).fetchall()
    if known_until is None:
        raise TrainingError(f"no {OUTCOME_SOURCE} extract is loaded: the outcome cannot be known")
    link_run = con.execute(sql("train/last_link_run")).fetchall()
    return {"load_ids": loads, "known_until": known_until, "link_run": link_run[0][0] if link_run else None}


def _manifest(
    version: str,
    model: RiskModel,
    settings: ModelSettings,
    split: Split,
    provenance: dict[str, Any],
    rules_version: str,
    trained_at: datetime,
    evaluation: Evaluation,
) -> dict[str, Any]:
    registered = registry()
    return {
        "version": version,
        "trained_at": trained_at.isoformat(),
        "features": list(model.features),
        "monotone": {name: registered[name].direction for name in model.features},
        "settings": settings.document,
        "split": split.as_dict(),
        "data": {
            "known_until": provenance["known_until"].isoformat(),
            "load_ids": provenance["load_ids"],
            "link_run": provenance["link_run"],
        },
        "rules_version": rules_version,
        "code_version": code_version(),
        "evaluation": evaluation.as_dict(),
    }


def _report_files(
    model: RiskModel, test: Rows, evaluation: Evaluation, manifest: dict[str, Any], settings: ModelSettings
) -> dict[str, str | bytes]:
    """The evaluation JSON, the HTML report and its plots (explaining a sample of test rows)."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        plots = Path(scratch)
        reliability_plot(evaluation.reliability, plots / "reliability.png")
        precision_at_plot({name: m.at for name, m in evaluation.metrics.items()}, plots / "precision_at.png")
        sample = _explained_sample(model, test, settings)
        contributions = model.contributions(test.matrix[sample])[:, :-1]
        mean_abs = np.abs(contributions).mean(axis=0)
        manifest["explanation"] = {
            "mean_abs_shap": {f: float(v) for f, v in zip(model.features, mean_abs, strict=True)},
            "rows": int(sample.size),
        }
        shap_summary_plot(contributions, test.matrix[sample], model.features, plots / "shap_summary.png")
        top = np.argsort(-np.abs(contributions).mean(axis=0), kind="stable")[:DEPENDENCE_PLOTS]
        dependence = [model.features[c] for c in top]
        for c in top:
            feature = model.features[c]
            shap_dependence_plot(
                contributions[:, c], test.matrix[sample, c], feature, plots / f"shap_{feature}.png"
            )
        files: dict[str, str | bytes] = {f"plots/{p.name}": p.read_bytes() for p in sorted(plots.iterdir())}
    files["evaluation.json"] = json.dumps(evaluation.as_dict(), indent=2)
    files["report.html"] = render_report(manifest, dependence)
    return files


def _explained_sample(model: RiskModel, test: Rows, settings: ModelSettings) -> np.ndarray:
    """The rows behind the board's SHAP plots: the top of the list and a random sample of the rest."""
    probability = model.probability(test.matrix)
    listed = np.argsort(-probability, kind="stable")[: max(settings.list_sizes)]
    others = np.setdiff1d(np.arange(probability.size), listed)
    rng = np.random.default_rng(settings.sampling_seed)
    sampled = rng.choice(others, min(settings.explain_sample, others.size), replace=False)
    return np.sort(np.concatenate([listed, sampled]))
