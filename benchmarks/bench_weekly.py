"""Benchmark: draw up, publish and record the weekly list, then rebuild it and prove it byte-identical.

Prints figures, never asserts them. Runs on a warehouse that `cohort ingest` and `cohort link` have
filled; with --approve-latest it first approves the latest candidate model (as "benchmark") when
none is approved, so the list uses the model. Each run is recorded in the warehouse's lists.run and
published under --lists (owner-only), as a real run would be.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date, timedelta
from pathlib import Path

from pipelines.clock import system_clock
from pipelines.warehouse.connection import connect
from pipelines.warehouse.model_registry import approved_model, set_status
from pipelines.weekly.reproduce import reproduce
from pipelines.weekly.run import run_weekly

from measure import peak_gb  # benchmarks/measure.py


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", type=Path, default=Path("data/warehouse.duckdb"))
    parser.add_argument("--lists", type=Path, default=Path("benchmarks/results/lists"))
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 16))
    parser.add_argument("--approve-latest", action="store_true")
    args = parser.parse_args()
    if args.approve_latest:
        with connect(args.warehouse) as con:
            if approved_model(con) is None:
                set_status(
                    con, "latest", "approved", "benchmark", "benchmark of the weekly list", system_clock()
                )
    figures = {}
    for as_of in (args.as_of - timedelta(days=7), args.as_of):
        started = time.perf_counter()
        result = run_weekly(args.warehouse, as_of, now=system_clock(), lists_dir=args.lists, by="benchmark")
        seconds = time.perf_counter() - started
        figures[as_of.isoformat()] = {
            "run_id": result.run_id,
            "mode": result.mode,
            "entries": result.entries,
            "within_capacity": result.within_capacity,
            "new": result.new,
            "left": result.departures,
            "fairness_breaches": [b["message"] for b in result.fairness["breaches"]],
            "seconds": round(seconds, 1),
            "stages_s": {k: round(v, 1) for k, v in result.seconds.items()},
            "file_kb": {n: round((result.folder / n).stat().st_size / 1024) for n in result.files},
        }
    started = time.perf_counter()
    rebuilt = reproduce(args.warehouse, result.run_id, by="benchmark", now=system_clock())
    figures["reproduce"] = {
        "run_id": result.run_id,
        "identical": rebuilt.identical,
        "seconds": round(time.perf_counter() - started, 1),
    }
    figures["peak_memory_gb"] = round(peak_gb(), 1)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
