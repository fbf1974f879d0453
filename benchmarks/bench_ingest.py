"""Benchmark: ingest time against the I/O floor (DuckDB reading the same files once).

Generates the world first if the folder has none (``--residents``), then:
1. the floor: every CSV read in full by DuckDB into Arrow (all columns as text), and the
   spreadsheet read by fastexcel (DuckDB cannot read .xlsx offline);
   and, for context, the store floor: the same reads written once into DuckDB tables (ingest
   must write every row twice, verbatim to raw and typed to staging or quarantine);
2. a clean ingest into a fresh warehouse, timing each step;
3. a second ingest of the same folder (every file skipped).
Prints figures, never asserts them. Target: ingest within 5x the floor on the
3,000,000-resident world.
Run through `make bench-ingest` (50,000 residents) or `make bench-ingest-force` (3,000,000).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from data_contracts.contract import load_contracts
from pipelines.clock import system_clock
from pipelines.ingest.run import run_ingest

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--world", type=Path, default=Path("worlds/bench-50000"))
    parser.add_argument("--residents", type=int, default=50_000, help="world size to generate if missing")
    parser.add_argument("--run-date", type=date.fromisoformat, default=date(2026, 11, 16))
    args = parser.parse_args()
    landing = ensure_world(args.world, args.residents)
    size_mb = sum(p.stat().st_size for p in landing.iterdir()) / 1024**2

    read_floor(landing)  # warm the page cache so both measurements read from memory
    floor, rows = read_floor(landing)
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

    with tempfile.TemporaryDirectory(prefix="cohort-bench-") as folder:
        warehouse = Path(folder) / "warehouse.duckdb"
        started = time.perf_counter()
        result = run_ingest(landing, warehouse, args.run_date, step=timed, clock=system_clock)
        ingest = time.perf_counter() - started
        started = time.perf_counter()
        again = run_ingest(landing, warehouse, args.run_date, clock=system_clock)
        rerun = time.perf_counter() - started
        warehouse_mb = warehouse.stat().st_size / 1024**2

    for name, seconds in steps:
        print(f"  {name:<34} {seconds:8.2f} s")
    print(
        json.dumps(
            {
                "world": str(args.world),
                "files": len(result.outcomes),
                "rows": rows,
                "landing_mb": round(size_mb, 1),
                "floor_seconds": round(floor, 2),
                "ingest_seconds": round(ingest, 2),
                "ratio_to_floor": round(ingest / floor, 2),
                "store_floor_seconds": round(store_floor, 2),
                "store_floor_ratio_to_floor": round(store_floor / floor, 2),
                "rows_per_second": round(rows / ingest),
                "rerun_seconds_all_skipped": round(rerun, 2),
                "quarantined": sum(o.quarantined for o in result.outcomes),
                "status": result.status,
                "rerun_skipped": sum(o.status == "skipped" for o in again.outcomes),
                "warehouse_mb": round(warehouse_mb, 1),
                "peak_rss_gb": round(peak_gb(), 2),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
