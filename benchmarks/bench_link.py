"""Benchmark: identity linkage on a synthetic world, in full and as a weekly increment.

1. ingest every extract made at least a week before the run date, then link from scratch
   (blocking analysis, training, scoring, clustering): the full run;
2. ingest the last week's extracts and link again, reusing the trained model: the weekly
   increment;
3. measure the result against the world's ground truth.
Each link runs as its own `cohort link` process, so its peak memory is its own.
Prints figures, never asserts them. Targets on the 3,000,000-resident world: the full run
under 15 minutes and the increment under a minute, on 2 cores.
Run through `make bench-link` (50,000 residents), `make bench-link-noisy` (the same with twice
the identity noise) or `make bench-link-force` (3,000,000).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from data_contracts.contract import load_contracts

from worlds import ensure_world  # benchmarks/worlds.py

COHORT = [sys.executable, "-m", "pipelines.cli"]


def run(args: list[str]) -> tuple[float, float]:
    """Run one cohort command; its seconds and the peak memory (GB) of any child so far."""
    started = time.perf_counter()
    subprocess.run(COHORT + args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2


def stage_landing(landing: Path, into: Path, before: date) -> int:
    """Hard-link (or copy) into ``into`` each extract of ``landing`` made before ``before``; how many."""
    into.mkdir(exist_ok=True)
    contracts = load_contracts().values()
    count = 0
    for path in sorted(landing.iterdir()):
        made = next((c.extract_date_of(path.name) for c in contracts if c.extract_date_of(path.name)), None)
        if made is not None and made < before and not (into / path.name).exists():
            try:  # a hard link, not a symbolic one: the landing folder refuses symbolic links
                (into / path.name).hardlink_to(path.resolve())
            except OSError:  # another file system
                shutil.copy2(path, into / path.name)
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--world", type=Path, default=Path("worlds/bench-50000"))
    parser.add_argument("--residents", type=int, default=50_000, help="world size to generate if missing")
    parser.add_argument("--noise", type=float, default=1.0, help="identity noise of a world generated here")
    parser.add_argument("--run-date", type=date.fromisoformat, default=date(2026, 11, 16))
    args = parser.parse_args()
    landing = ensure_world(args.world, args.residents, args.noise)
    with tempfile.TemporaryDirectory(prefix="cohort-bench-link-") as folder:
        staged, warehouse = Path(folder) / "landing", Path(folder) / "warehouse.duckdb"
        where = ["--warehouse", str(warehouse)]
        last_week = args.run_date - timedelta(days=6)
        early = stage_landing(landing, staged, last_week)
        ingest = ["ingest", "--landing", str(staged), "--run-date", args.run_date.isoformat(), *where]
        subprocess.run(
            COHORT + ingest, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )  # gates may fail
        full, full_rss = run(["link", *where])
        late = stage_landing(landing, staged, args.run_date + timedelta(days=1))
        subprocess.run(COHORT + ingest, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        increment, increment_rss = run(["link", *where])
        measures = Path(folder) / "evaluation.json"
        truth = args.world / "ground_truth" / "record_identity.parquet"
        run(["link", "evaluate", "--ground-truth", str(truth), "--json", str(measures), *where])
        evaluation = json.loads(measures.read_text())
    print(
        json.dumps(
            {
                "world": str(args.world),
                "files_before_last_week": early,
                "files_in_last_week": late,
                "records": evaluation["records"],
                "full_link_seconds": round(full, 1),
                "full_link_peak_rss_gb": round(full_rss, 2),
                "weekly_increment_seconds": round(increment, 1),
                "peak_rss_gb_so_far": round(increment_rss, 2),
                "linkage": evaluation["linkage"],
                "baseline_exact_name_and_dob": evaluation["baseline_exact_name_and_dob"],
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
