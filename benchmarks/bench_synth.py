"""Benchmark: time and peak memory to generate a synthetic world.

Prints one line per stage and a summary; run through `make bench` (50,000 residents)
or `make bench-force` (3,000,000). Figures, not assertions: targets are 60 s for the
demo world, and 20 minutes and 16 GB for the force-scale world on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pipelines.world.write import generate_world
from synth.params import WorldParams

from measure import peak_gb  # benchmarks/measure.py


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=None, help="keep the world here (default: a temp folder)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="cohort-bench-"))
    stages: list[tuple[str, float, float]] = []
    clock = {"last": time.perf_counter(), "name": "start"}

    def stage(description: str, total: int) -> Callable[[int], None]:
        now = time.perf_counter()
        stages.append((str(clock["name"]), now - float(clock["last"]), peak_gb()))
        clock.update(last=now, name=description)
        return lambda n: None

    started = time.perf_counter()
    manifest = generate_world(WorldParams(residents=args.residents, seed=args.seed), out, stage)
    stage("end", 0)
    total = time.perf_counter() - started
    for name, seconds, rss in stages[1:]:
        print(f"  {name:<34} {seconds:8.1f} s   peak RSS so far {rss:5.2f} GB")
    totals = manifest["totals"]
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1024**2
    print(
        json.dumps(
            {
                "residents": args.residents,
                "seconds": round(total, 1),
                "peak_rss_gb": round(peak_gb(), 2),
                "files": totals["files"],
                "rows": totals["rows"],
                "output_mb": round(size, 1),
            }
        )
    )  # type: ignore[index]
    if args.out is None:
        shutil.rmtree(out)


if __name__ == "__main__":
    main()
