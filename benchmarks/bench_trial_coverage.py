"""Benchmark: does the trial evaluation's 95% interval cover the planted truth, and is its test's size right?

For each of --seeds seeds, with the planted effect and with none, a replicate of the trial runs through
the real pipeline from one built world (benchmarks/trial_demo.py builds it: a --residents world whose
landing ends on the trial's start, ingested, linked, a model approved):

1. the week-0 list is drawn up once and shared by every replicate (it is the same list);
2. per replicate: a seeded panel decides on the list (assessing --assess people, so that the places fill
   in the first draw), the allocator randomises with the replicate's seed, the world advances
   --follow-up-weeks with that allocation and the effect, the weeks are ingested and linked, and the
   trial is evaluated at --months months;
3. the evaluation's ratio of means (the pre-specified primary CCHI estimate) and its interval are
   compared with the true ratio from both potential outcomes (benchmarks/trial_truth.py), and its
   randomisation-inference p-value is recorded.

The issue's targets: with the effect, the interval covers the truth in at least 90% of seeds; with
none, the effect is significant (p < 0.05) in at most 5%. Replicates are appended to --results as
JSON lines, so a long study can be stopped and resumed. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
from trial_demo import START  # benchmarks/trial_demo.py
from trial_truth import truth_check  # benchmarks/trial_truth.py

from pipelines.timing import Stopwatch
from pipelines.trial.allocate import run_allocation
from pipelines.trial.evaluate import evaluate_trial
from pipelines.trial.rehearsal import Panel, advance_and_load, draw_seed, monday_clock, record_panel
from pipelines.warehouse.connection import connect
from pipelines.weekly.run import run_weekly
from synth.treatment import NO_EFFECT_FILE


def listed_base(folder: Path, start: date) -> Path:
    """The built world with the week-0 list drawn up (made once, then copied by every replicate)."""
    listed = folder / "listed"
    if not (listed / "listed.json").exists():
        shutil.rmtree(listed, ignore_errors=True)
        shutil.copytree(folder / "base", listed, symlinks=True)
        result = run_weekly(listed / "warehouse.duckdb", start, now=monday_clock(start)(), by="coverage")
        (listed / "listed.json").write_text(json.dumps({"run_id": result.run_id, "entries": result.entries}))
    return listed


def replicate(
    listed: Path, work: Path, seed: int, effect: Path | None, start: date, months: int, follow_up_weeks: int,
    assess: int,
) -> dict[str, object]:  # fmt: skip
    """One replicate: decide, allocate, advance, ingest, link and evaluate; its figures."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(listed, work, symlinks=True)
    world, warehouse = work / "world", work / "warehouse.duckdb"
    run_id = json.loads((listed / "listed.json").read_text())["run_id"]
    clock = monday_clock(start)
    began = time.perf_counter()
    rng = np.random.default_rng(np.frombuffer(draw_seed(seed, start)[:16], dtype=np.uint32))
    with connect(warehouse) as con:
        record_panel(con, run_id, start, Panel(assess_per_week=assess), rng, clock())
    allocated = run_allocation(warehouse, start, now=clock(), by="coverage", seed=draw_seed(seed, start))
    end = start + timedelta(weeks=follow_up_weeks)
    advance_and_load(world, warehouse, end, follow_up_weeks, effect, Stopwatch())
    now = datetime.combine(end, datetime.min.time()) + timedelta(hours=9)
    result = evaluate_trial(warehouse, months, work / "evaluation", now=now, by="coverage", seed=seed)
    ratio = result.estimates["cchi"]["ratio_of_means"]
    truth = truth_check(world, warehouse, months, result.cut, ratio)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        arms = dict(con.execute("SELECT arm, count(*) FROM trial.allocation GROUP BY arm").fetchall())
    return {
        "seed": seed,
        "effect": "planted" if effect is None else effect.stem,
        "arms": arms,
        "allocated": dict(allocated.arms),
        "p_randomisation": result.estimates["cchi"]["ratio_of_means"].p_value,
        **truth,
        "seconds": round(time.perf_counter() - began, 1),
    }


def summarise(rows: list[dict[str, object]]) -> dict[str, object]:
    planted = [r for r in rows if r["effect"] == "planted"]
    null = [r for r in rows if r["effect"] != "planted"]
    return {
        "planted_seeds": len(planted),
        "covered": sum(bool(r["covered"]) for r in planted),
        "coverage": round(sum(bool(r["covered"]) for r in planted) / len(planted), 3) if planted else None,
        "null_seeds": len(null),
        "significant_under_null": sum(float(r["p_randomisation"]) < 0.05 for r in null),  # type: ignore[arg-type]
        "median_replicate_s": sorted(float(r["seconds"]) for r in rows)[len(rows) // 2] if rows else None,  # type: ignore[arg-type]
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folder", type=Path, default=Path("worlds/trial-300000"))
    parser.add_argument("--start", type=date.fromisoformat, default=START)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--follow-up-weeks", type=int, default=58)
    parser.add_argument(
        "--assess", type=int, default=200, help="people the panel assesses in the draw's week"
    )
    parser.add_argument("--results", type=Path, default=Path("benchmarks/results/trial_coverage.jsonl"))
    args = parser.parse_args()
    if not (args.folder / "built.json").exists():
        raise SystemExit(
            f"{args.folder} has no built world: run `make trial-demo` (or benchmarks/trial_demo.py) first"
        )
    listed = listed_base(args.folder, args.start)
    done = (
        [json.loads(line) for line in args.results.read_text().splitlines()] if args.results.exists() else []
    )
    seen = {(r["seed"], r["effect"]) for r in done}
    args.results.parent.mkdir(parents=True, exist_ok=True)
    for seed in range(1, args.seeds + 1):
        for effect in (None, NO_EFFECT_FILE):
            name = "planted" if effect is None else effect.stem
            if (seed, name) in seen:
                continue
            row = replicate(
                listed, args.folder / "replicate", seed, effect, args.start, args.months,
                args.follow_up_weeks, args.assess,
            )  # fmt: skip
            done.append(row)
            with args.results.open("a") as f:
                f.write(json.dumps(row, default=str) + "\n")
            print(json.dumps(row, default=str), flush=True)
    print(json.dumps(summarise(done), indent=2))


if __name__ == "__main__":
    main()
