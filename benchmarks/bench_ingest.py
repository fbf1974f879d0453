"""Benchmark: ingest time against the I/O floor (DuckDB reading the same files once).

Generates the world first if the folder has none (``--residents``), then, ``--repeats`` times
(the median is reported, each ingest against the floor measured in the same repeat):
1. the floor: every CSV read in full by DuckDB into Arrow (all columns as text), and the
   spreadsheet read by fastexcel (DuckDB cannot read .xlsx offline);
2. a full ingest of every file into a fresh warehouse, timing each step (first repeat);
3. an incremental ingest: a warehouse holding every file but the last week's (extract dates in
   the 7 days to the run date), then the week's files added and ingested, against the floor of
   reading just those files;
and once, for context, the store floor: the reads written once into DuckDB tables, and a second
ingest of the same folder (every file skipped).
Prints figures, never asserts them. Target: full ingest within 5x the floor, the week's ingest
under 10 s, on the 3,000,000-resident world.
Run through `make bench-ingest` (50,000 residents) or `make bench-ingest-force` (3,000,000).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from data_contracts.contract import load_contracts
from pipelines.clock import system_clock
from pipelines.ingest.landing import discover
from pipelines.ingest.run import run_ingest
from pipelines.paths import raw_folder
from pipelines.steps import Step, direct

from measure import peak_gb  # benchmarks/measure.py
from worlds import ensure_world  # benchmarks/worlds.py

T = TypeVar("T")


def read_floor(landing: Path, store: duckdb.DuckDBPyConnection | None = None) -> tuple[float, int]:
    """Seconds for DuckDB (fastexcel for .xlsx) to read every extract once, and the rows read.

    With ``store``, each file's rows are also written once into a table there.
    """
    import fastexcel

    started, rows = time.perf_counter(), 0
    for contract in load_contracts().values():
        for i, path in enumerate(sorted(landing.glob(contract.file_pattern.replace("{extract_date}", "*")))):
            if contract.file_format == "xlsx":
                assert contract.sheet is not None
                sheet = fastexcel.read_excel(str(path)).load_sheet(contract.sheet, dtypes="string")
                extract = sheet.to_arrow()
            else:
                relation = duckdb.read_csv(
                    str(path), header=True, delimiter=contract.delimiter, all_varchar=True
                )
                extract = relation.to_arrow_table()
            rows += extract.num_rows
            if store is not None:
                store.execute(f'CREATE TABLE "{contract.name}_{i}" AS SELECT * FROM extract')
    return time.perf_counter() - started, rows


def week_and_before(landing: Path, run_date: date, into: Path) -> tuple[Path, Path]:
    """Hard links (delivery times kept) splitting the landing folder: the files of the last week
    (extract date in the 7 days to ``run_date``) in ``into/week``, the others in ``into/before``."""
    week, before = into / "week", into / "before"
    for folder in (week, before):
        folder.mkdir(parents=True)
    for file in discover(landing, load_contracts()):
        recent = file.extract_date is not None and file.extract_date > run_date - timedelta(days=7)
        (week if recent else before).joinpath(file.name).hardlink_to(file.path)
    return week, before


def timed_ingest(landing: Path, warehouse: Path, run_date: date, step: Step = direct) -> float:
    """Seconds for one ingest run (the run's result is checked: every row accounted for)."""
    started = time.perf_counter()
    result = run_ingest(landing, warehouse, run_date, step=step, clock=system_clock)
    seconds = time.perf_counter() - started
    assert all(o.status in ("loaded", "skipped") for o in result.outcomes), "a file was not loaded"
    return seconds


def repeat(landing: Path, run_date: date, step: Step) -> dict[str, float]:
    """One repeat: the floor and full ingest of every file, then the floor and ingest of the week's."""
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="cohort-bench-") as folder:
        figures["floor"], _ = read_floor(landing)
        figures["full"] = timed_ingest(landing, Path(folder) / "full.duckdb", run_date, step)
        week, before = week_and_before(landing, run_date, Path(folder))
        incremental = Path(folder) / "incremental.duckdb"
        timed_ingest(before, incremental, run_date)
        for path in week.iterdir():
            (before / path.name).hardlink_to(path)
        figures["week_floor"], _ = read_floor(week)
        figures["week"] = timed_ingest(before, incremental, run_date)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--world", type=Path, default=Path("worlds/bench-50000"))
    parser.add_argument("--residents", type=int, default=50_000, help="world size to generate if missing")
    parser.add_argument("--run-date", type=date.fromisoformat, default=date(2026, 11, 16))
    parser.add_argument(
        "--repeats", type=int, default=3, help="repeats of each measurement (median reported)"
    )
    args = parser.parse_args()
    landing = ensure_world(args.world, args.residents)
    size_mb = sum(p.stat().st_size for p in landing.iterdir()) / 1024**2

    read_floor(landing)  # warm the page cache so every measurement reads from memory
    _, rows = read_floor(landing)
    with tempfile.TemporaryDirectory(prefix="cohort-bench-") as folder:
        store = duckdb.connect(Path(folder) / "store.duckdb")
        store.execute("SET preserve_insertion_order = false")
        store_floor, _ = read_floor(landing, store)
        store.close()

    steps: list[tuple[str, float]] = []

    def timed(name: str, function: Callable[..., T], *step_args: Any) -> T:
        started = time.perf_counter()
        try:
            return function(*step_args)
        finally:
            steps.append((name, time.perf_counter() - started))

    repeats = []
    for i in range(args.repeats):
        repeats.append(repeat(landing, args.run_date, timed if i == 0 else direct))
        print(f"repeat {i + 1}:", json.dumps({k: round(v, 2) for k, v in repeats[-1].items()}), flush=True)
    median = {k: statistics.median(r[k] for r in repeats) for k in repeats[0]}

    with tempfile.TemporaryDirectory(prefix="cohort-bench-") as folder:
        warehouse = Path(folder) / "warehouse.duckdb"
        result = run_ingest(landing, warehouse, args.run_date, clock=system_clock)
        started = time.perf_counter()
        again = run_ingest(landing, warehouse, args.run_date, clock=system_clock)
        rerun = time.perf_counter() - started
        warehouse_mb = warehouse.stat().st_size / 1024**2
        raw_mb = sum(p.stat().st_size for p in raw_folder(warehouse).rglob("*") if p.is_file()) / 1024**2

    for name, seconds in steps:
        print(f"  {name:<34} {seconds:8.2f} s")
    print(
        json.dumps(
            {
                "world": str(args.world),
                "files": len(result.outcomes),
                "rows": rows,
                "landing_mb": round(size_mb, 1),
                "repeats": args.repeats,
                "floor_seconds": round(median["floor"], 2),
                "ingest_seconds": round(median["full"], 2),
                "ratio_to_floor": round(statistics.median(r["full"] / r["floor"] for r in repeats), 2),
                "week_floor_seconds": round(median["week_floor"], 2),
                "week_ingest_seconds": round(median["week"], 2),
                "week_ratio_to_floor": round(
                    statistics.median(r["week"] / r["week_floor"] for r in repeats), 2
                ),
                "store_floor_seconds": round(store_floor, 2),
                "rows_per_second": round(rows / median["full"]),
                "rerun_seconds_all_skipped": round(rerun, 2),
                "quarantined": sum(o.quarantined for o in result.outcomes),
                "status": result.status,
                "rerun_skipped": sum(o.status == "skipped" for o in again.outcomes),
                "warehouse_mb": round(warehouse_mb, 1),
                "raw_files_mb": round(raw_mb, 1),
                "peak_rss_gb": round(peak_gb(), 2),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
