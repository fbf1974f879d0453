"""Benchmark: point-in-time features on a linked warehouse, at one as_of and at 36 monthly as_of
dates, and the rulebook applied at that one as_of.

Prints figures, never asserts them. Targets on the 3,000,000-resident world: everyone aged
14-25 at one as_of in under 60 s; 36 monthly snapshots built a few dates per pass (each event
joined to the dates it was known at) rather than 36 builds. Needs a warehouse that `cohort ingest` and
`cohort link` have filled, e.g. `make demo` (data/warehouse.duckdb) or the linkage benchmark's.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date

import duckdb

from features.build import build_snapshots
from pipelines.warehouse.event_frames import read_events, read_people
from rules.engine import apply_rules, decide
from rules.rulebook import load_rulebook

from measure import peak_gb  # benchmarks/measure.py

AGES = (14, 25)


def monthly(last: date, count: int) -> list[date]:
    """The first of each month, ``count`` of them, ending with ``last``'s month."""
    months = [last.year * 12 + last.month - 1 - k for k in range(count)]
    return sorted(date(m // 12, m % 12 + 1, 1) for m in months)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", default="data/warehouse.duckdb")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 11, 16))
    parser.add_argument("--snapshots", type=int, default=36)
    parser.add_argument("--chunk", type=int, default=6, help="as_of dates built in one pass")
    args = parser.parse_args()
    with duckdb.connect(args.warehouse, read_only=True) as con:
        started = time.perf_counter()
        events, people = read_events(con), read_people(con)
        read = time.perf_counter() - started
    started = time.perf_counter()
    one = build_snapshots(events, people, [args.as_of], dated=True, ages=AGES)  # build_features, aged 14-25
    single = time.perf_counter() - started
    started = time.perf_counter()
    decided = decide(apply_rules(one, load_rulebook()))
    ruled = time.perf_counter() - started
    dates = monthly(args.as_of, args.snapshots)
    started, rows = time.perf_counter(), 0
    for chunk in range(0, len(dates), args.chunk):  # the answer is people x dates x features: chunk it
        rows += build_snapshots(events, people, dates[chunk : chunk + args.chunk], ages=AGES).height
    many = time.perf_counter() - started
    print(
        json.dumps(
            {
                "warehouse": args.warehouse,
                "events": {k: v.height for k, v in events.frames().items()},
                "people": people.height,
                "read_seconds": round(read, 1),
                "one_as_of": {
                    "as_of": str(args.as_of),
                    "people_aged_14_25": one.height,
                    "columns": one.width,
                    "seconds": round(single, 1),
                },
                "rules": {
                    "seconds": round(ruled, 1),
                    "eligible": int(decided["eligible"].sum()),
                    "considered_by_rules": int(decided["considered_by_rules"].sum()),
                },
                "snapshots": {
                    "count": len(dates),
                    "per_pass": args.chunk,
                    "rows": rows,
                    "seconds": round(many, 1),
                },
                "peak_rss_gb": round(peak_gb(), 2),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
