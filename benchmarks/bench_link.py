"""Benchmark: identity linkage on a synthetic world, in full and as a weekly increment.

1. ingest every extract made at least a week before the run date, then link from scratch
   (blocking analysis, training, scoring, clustering): the first run;
2. ingest the last week's extracts; on copies of that warehouse, link again as the weekly
   increment (only pairs touching a new or changed registration scored) and as a full relink
   (`cohort link --full`, every pair scored with the same model), each --repeat times (median);
3. check the two give the same people, compare the stored probabilities of the pairs the
   increment kept with the full relink's, and time a run with nothing new;
4. measure the result against the world's ground truth.
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
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from data_contracts.contract import load_contracts
from linkage.config import load_settings
from pipelines.warehouse.copy import copy_warehouse

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


RUN_COUNTS = "increment, registrations_changed, pairs_scored, relinked, rows_inserted, rows_deleted, persons"


def copy_into(source: Path, folder: Path) -> Path:
    """A copy of a warehouse, its raw files and audit checkpoint, in ``folder`` (its own artefacts folder)."""
    folder.mkdir(parents=True)
    return copy_warehouse(source, folder / source.name)


def last_run(warehouse: Path) -> dict[str, Any]:
    """The counts of a warehouse's latest linkage run."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(f"SELECT {RUN_COUNTS} FROM link.run ORDER BY started_at DESC LIMIT 1")
        names = [d[0] for d in cursor.description]
        return dict(zip(names, cursor.fetchall()[0], strict=True))


def persons(warehouse: Path) -> set[frozenset[str]]:
    """The partition of registrations into people (person ids aside)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("SELECT list(DISTINCT registration) FROM link.xref GROUP BY person_id").fetchall()
    return {frozenset(registrations) for (registrations,) in rows}


def timed_links(base: Path, folder: Path, extra: list[str], repeat: int) -> tuple[list[float], float, Path]:
    """Link copies of ``base`` ``repeat`` times: each run's seconds, the peak memory so far, the last copy."""
    seconds, rss, copy = [], 0.0, base
    for i in range(repeat):
        copy = copy_into(base, folder / str(i))
        took, rss = run(["link", *extra, "--warehouse", str(copy)])
        seconds.append(took)
    return seconds, rss, copy


def kept_pair_drift(increment: Path, full: Path) -> dict[str, Any]:
    """How the probabilities the increment kept differ from the full relink's, how many pairs sit on
    the other side of a threshold (a pair below the review threshold is not stored, so one kept by the
    increment and missing from the full relink fell below it, and the reverse), and how the review
    queues differ."""
    settings = load_settings()
    with duckdb.connect(str(increment), read_only=True) as con:
        con.execute(f"ATTACH '{full}' AS f (READ_ONLY)")
        latest = "(SELECT run_id FROM link.run ORDER BY started_at DESC LIMIT 1)"
        kept = f"(SELECT * FROM link.pair WHERE run_id <> {latest})"
        row = con.execute(
            "SELECT count(k.registration_l), max(abs(k.match_probability - p.match_probability)), "
            "max(abs(k.match_weight - p.match_weight)), "
            "count(*) FILTER ((coalesce(k.match_probability, 0) >= $match) <> "
            "                 (coalesce(p.match_probability, 0) >= $match)), "
            "count(*) FILTER (k.registration_l IS NULL OR p.registration_l IS NULL "
            "                 OR (k.match_probability >= $review) <> (p.match_probability >= $review)) "
            f"FROM {kept} k FULL JOIN (SELECT * FROM f.link.pair WHERE (registration_l, registration_r) "
            f"NOT IN (SELECT (registration_l, registration_r) FROM link.pair WHERE run_id = {latest})) p "
            "USING (registration_l, registration_r)",
            {"match": settings.match_threshold, "review": settings.review_threshold},
        ).fetchall()[0]
        queued = "SELECT registration_l, registration_r FROM {}link.review_pair"
        queue_only = [
            con.execute(f"SELECT count(*) FROM ({queued.format(a)} EXCEPT {queued.format(b)})").fetchall()[0][
                0
            ]
            for a, b in (("", "f."), ("f.", ""))
        ]
        queue = con.execute("SELECT count(*) FROM link.review_pair").fetchall()[0][0]
    names = ["kept_pairs", "max_probability_difference", "max_weight_difference_bits",
             "pairs_across_match_threshold", "pairs_across_review_threshold"]  # fmt: skip
    return {
        **dict(zip(names, row, strict=True)),
        "review_queue": queue,
        "queued_by_increment_only": queue_only[0],
        "queued_by_full_relink_only": queue_only[1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--world", type=Path, default=Path("worlds/bench-50000"))
    parser.add_argument("--residents", type=int, default=50_000, help="world size to generate if missing")
    parser.add_argument("--noise", type=float, default=1.0, help="identity noise of a world generated here")
    parser.add_argument("--run-date", type=date.fromisoformat, default=date(2026, 11, 16))
    parser.add_argument("--repeat", type=int, default=3, help="runs of the increment and the full relink")
    args = parser.parse_args()
    landing = ensure_world(args.world, args.residents, args.noise)
    with tempfile.TemporaryDirectory(prefix="cohort-bench-link-") as folder:
        staged, warehouse = Path(folder) / "landing", Path(folder) / "first" / "warehouse.duckdb"
        warehouse.parent.mkdir()
        where = ["--warehouse", str(warehouse)]
        last_week = args.run_date - timedelta(days=6)
        early = stage_landing(landing, staged, last_week)
        ingest = ["ingest", "--landing", str(staged), "--run-date", args.run_date.isoformat(), *where]
        subprocess.run(
            COHORT + ingest, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )  # gates may fail
        first, first_rss = run(["link", *where])
        late = stage_landing(landing, staged, args.run_date + timedelta(days=1))
        subprocess.run(COHORT + ingest, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        increments, increment_rss, increment = timed_links(warehouse, Path(folder) / "inc", [], args.repeat)
        fulls, full_rss, full = timed_links(warehouse, Path(folder) / "full", ["--full"], args.repeat)
        increment_run, full_run = last_run(increment), last_run(full)
        same_persons = persons(increment) == persons(full)
        drift = kept_pair_drift(increment, full)
        nothing_new = [run(["link", "--warehouse", str(increment)])[0] for _ in range(args.repeat)]
        nothing_new_run = last_run(increment)
        measures = Path(folder) / "evaluation.json"
        truth = args.world / "ground_truth" / "record_identity.parquet"
        run(
            [
                "link",
                "evaluate",
                "--ground-truth",
                str(truth),
                "--json",
                str(measures),
                "--warehouse",
                str(full),
            ]
        )
        evaluation = json.loads(measures.read_text())
    print(
        json.dumps(
            {
                "world": str(args.world),
                "files_before_last_week": early,
                "files_in_last_week": late,
                "records": evaluation["records"],
                "first_link_seconds": round(first, 1),
                "first_link_peak_rss_gb": round(first_rss, 2),
                "weekly_increment_seconds": [round(s, 1) for s in increments],
                "weekly_increment_median_seconds": round(statistics.median(increments), 1),
                "weekly_increment": increment_run,
                "full_relink_seconds": [round(s, 1) for s in fulls],
                "full_relink_median_seconds": round(statistics.median(fulls), 1),
                "full_relink": full_run,
                "peak_rss_gb_so_far": round(max(increment_rss, full_rss), 2),
                "same_persons_as_full_relink": same_persons,
                "kept_pairs_against_full_relink": drift,
                "nothing_new_seconds": [round(s, 1) for s in nothing_new],
                "nothing_new_median_seconds": round(statistics.median(nothing_new), 1),
                "nothing_new": nothing_new_run,
                "linkage": evaluation["linkage"],
                "baseline_exact_name_and_dob": evaluation["baseline_exact_name_and_dob"],
            },
            indent=1,
            default=float,
        )
    )


if __name__ == "__main__":
    main()
