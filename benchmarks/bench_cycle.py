"""Benchmark: the Monday cycle at force scale, from the week's files landing to the list published.

1. The base (built once, kept, and reused while the code version is the same): a --residents world
   that ends on --end with --weeks weeks of future withheld, ingested, linked, a model trained on it
   and approved (a benchmark approval), in ``<folder>/<code version>/base``.
2. A copy of the base, then for each of --weeks Mondays: the world advances one week (`cohort synth
   advance`: the week's files land; not timed), and the cycle runs, each step as its own `cohort`
   process so that its peak memory is its own: `cohort ingest` of the landing folder (only the new
   files load), `cohort link` (the weekly increment) and `cohort weekly` (draw up, publish, record).
3. The floor, measured in the same run on the same files: DuckDB reading the week's new files once
   (benchmarks/bench_ingest.py's read_floor).

Prints each cycle, the median of the cycles and of each step, and the ingest's ratio to its floor;
writes them to --out as JSON. Asserts nothing. Target (issue 22), on 2 cores at 3,000,000 residents:
the cycle under 60 s, memory under 8 GB, the week's ingest under 10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench_ingest import read_floor  # benchmarks/bench_ingest.py

from pipelines.train.code_version import code_version
from pipelines.world.write import generate_world
from synth.params import WorldParams

COHORT = [sys.executable, "-m", "pipelines.cli"]
END = date(2026, 10, 26)  # a Monday: three weeks of future end on 16/11/2026, never after today


def cohort(*args: str | Path) -> tuple[float, float]:
    """Run one cohort command; its seconds and its own peak memory (GB, from wait4's rusage)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as output:
        child = subprocess.Popen([*COHORT, *map(str, args)], stdout=output, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            output.seek(0)
            raise SystemExit(f"cohort {' '.join(map(str, args))} failed:\n{output.read()[-4000:]}")
    return time.perf_counter() - started, usage.ru_maxrss / 1024**2


def build(base: Path, residents: int, end: date, weeks: int) -> dict[str, float]:
    """Generate, ingest, link, train and approve into ``base``; the seconds of each step."""
    seconds: dict[str, float] = {}
    world, warehouse = base / "world", base / "warehouse.duckdb"
    started = time.perf_counter()
    generate_world(
        WorldParams(residents=residents, end_date=end, future_weeks=weeks), world, lambda d, t: lambda n: None
    )
    seconds["synth"] = time.perf_counter() - started
    seconds["ingest"], _ = cohort("ingest", "--landing", world / "landing", "--warehouse", warehouse,
                                  "--run-date", end.isoformat())  # fmt: skip
    seconds["link"], _ = cohort("link", "--warehouse", warehouse)
    seconds["train"], _ = cohort("model", "train", "--warehouse", warehouse, "--store", base / "models")
    reason = "BENCHMARK APPROVAL on a synthetic world, to time the Monday cycle; not a board decision"
    cohort("model", "approve", "latest", "--by", "benchmark", "--warehouse", warehouse, "--reason", reason)
    return seconds


def new_files(landing: Path, before: set[str], into: Path) -> Path:
    """Hard links to the files that landed since ``before`` (the names then), in ``into``."""
    into.mkdir(parents=True, exist_ok=True)
    for path in sorted(landing.iterdir()):
        if path.name not in before:
            (into / path.name).hardlink_to(path)
    return into


def cycle(run: Path, as_of: date) -> dict[str, float]:
    """Land one week's files, then time the cycle's steps and the floor of reading the new files."""
    world, warehouse = run / "world", run / "warehouse.duckdb"
    before = {p.name for p in (world / "landing").iterdir()}
    cohort("synth", "advance", "--world", world, "--weeks", "1")
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        figures["floor"], rows = read_floor(new_files(world / "landing", before, Path(scratch) / "week"))
    figures["new_rows"] = rows
    figures["ingest"], figures["ingest_gb"] = cohort(
        "ingest", "--landing", world / "landing", "--warehouse", warehouse, "--run-date", as_of.isoformat()
    )
    figures["link"], figures["link_gb"] = cohort("link", "--warehouse", warehouse)
    figures["list"], figures["list_gb"] = cohort(
        "weekly", "--as-of", as_of.isoformat(), "--warehouse", warehouse, "--by", "benchmark",
        "--lists-dir", run / "lists",
    )  # fmt: skip
    figures["cycle"] = figures["ingest"] + figures["link"] + figures["list"]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folder", type=Path, default=Path("worlds/cycle-3000000"))
    parser.add_argument("--residents", type=int, default=3_000_000)
    parser.add_argument("--end", type=date.fromisoformat, default=END)
    parser.add_argument("--weeks", type=int, default=3, help="Monday cycles to time (the median is reported)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/bench_cycle.json"))
    args = parser.parse_args()

    version = code_version()
    base = args.folder / version / "base"
    built = base / "built.json"
    if not built.exists():
        print(f"building the base for code version {version} in {base} ...", flush=True)
        shutil.rmtree(base, ignore_errors=True)
        built.parent.mkdir(parents=True, exist_ok=True)
        built.write_text(json.dumps(build(base, args.residents, args.end, args.weeks)))
    figures: dict[str, object] = {
        "residents": args.residents, "code_version": version, "build_s": json.loads(built.read_text()),
    }  # fmt: skip
    run = args.folder / version / "run"
    shutil.rmtree(run, ignore_errors=True)
    shutil.copytree(base, run, symlinks=True)
    cycles: list[dict[str, float]] = []
    for week in range(1, args.weeks + 1):
        as_of = args.end + timedelta(weeks=week)
        cycles.append(cycle(run, as_of))
        print(as_of, json.dumps({k: round(v, 2) for k, v in cycles[-1].items()}), flush=True)
    steps = ("floor", "ingest", "link", "list", "cycle")
    medians = {step: round(statistics.median(c[step] for c in cycles), 1) for step in steps}
    figures.update(
        cycles=cycles,
        median_s=medians,
        ingest_to_floor=round(medians["ingest"] / medians["floor"], 1) if medians["floor"] else None,
        peak_gb=round(max(c[k] for c in cycles for k in ("ingest_gb", "link_gb", "list_gb")), 2),
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps({k: v for k, v in figures.items() if k != "cycles"}, indent=2))


if __name__ == "__main__":
    main()
