"""Benchmark: train the risk model on 36 monthly snapshots, then score everyone aged 14-25 at one
as_of and explain the top 2,000.

Prints figures, never asserts them. Targets on the 3,000,000-resident world: training (snapshots,
fit, calibration, baselines, evaluation, report) in under 15 minutes; scoring and explaining in
under 60 s. Needs a warehouse that `cohort ingest` and `cohort link` have filled; give the world's
folder to compare with its oracle. The trained model is stored in --store and recorded in the
warehouse as a candidate (never approved).
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path

import duckdb

from features.registry import registry
from models.dataset import snapshot_rows
from models.score import score_rows
from models.settings import load_settings
from pipelines.clock import system_clock
from pipelines.train.run import run_training
from pipelines.warehouse.event_frames import read_events, read_people
from pipelines.warehouse.model_store import read_artefact
from rules.rulebook import load_rulebook

from measure import peak_gb  # benchmarks/measure.py


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", type=Path, default=Path("data/warehouse.duckdb"))
    parser.add_argument("--store", type=Path, default=Path("benchmarks/results/models"))
    parser.add_argument("--world", type=Path, default=None, help="synthetic world folder (for the oracle)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 16))
    parser.add_argument("--explain", type=int, default=2000)
    args = parser.parse_args()
    result = run_training(
        args.warehouse, args.store, clock=system_clock, world=args.world, by="benchmark", progress=print
    )
    trained_peak = peak_gb()
    settings = load_settings()
    model = read_artefact(result.path).model
    with duckdb.connect(str(args.warehouse), read_only=True) as con:
        started = time.perf_counter()
        events, people = read_events(con), read_people(con)
        read = time.perf_counter() - started
    started = time.perf_counter()
    rows = snapshot_rows(
        events, people, [args.as_of], load_rulebook(), model.features,
        roles=settings.roles, horizon_months=settings.horizon_months, labelled=False,
    )  # fmt: skip
    built = time.perf_counter() - started
    started = time.perf_counter()
    scored = score_rows(model, rows, settings, registry(), args.explain)
    scoring = time.perf_counter() - started
    print(
        json.dumps(
            {
                "version": result.version,
                "train_snapshots": len(result.split.train),
                "rows": result.rows,
                "training_seconds": {k: round(v, 1) for k, v in result.seconds.items()},
                "metrics": {n: m.as_dict() for n, m in result.evaluation.metrics.items()},
                "oracle": result.evaluation.oracle,
                "targets": result.evaluation.targets,
                "score": {
                    "people": scored.height,
                    "explained": int(scored["raising"].is_not_null().sum()),
                    "read_warehouse_s": round(read, 1),
                    "features_and_rules_s": round(built, 1),
                    "score_and_explain_s": round(scoring, 1),
                    "total_after_read_s": round(built + scoring, 1),
                },
                "peak_memory_gb": {"training": round(trained_peak, 1), "overall": round(peak_gb(), 1)},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
