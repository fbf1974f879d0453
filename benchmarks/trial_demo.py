"""The trial demo (`make trial-demo`): a year of a randomised trial on a world that responds.

1. A world of --residents (300,000 by default) whose landing ends on --start, with --future-weeks of
   future withheld, is generated, ingested and linked; a model is trained and approved (a demo
   approval, recorded as such).
2. --weeks weekly cycles (52 by default) of advance, ingest, link, list, decide (a seeded panel) and
   allocate run through the real pipeline (pipelines/trial/rehearsal.py); the world applies the planted
   effect (--effect) to the people allocated to the programme. Then the world runs on for
   --follow-up-weeks so that the last outcomes are recorded.
3. The trial is evaluated at 3, 6 and 12 months (`cohort trial evaluate`), and the score is monitored
   (`cohort monitor`).
4. The evaluation is compared with the truth the world planted (its ground truth, which nothing in the
   pipeline reads): the true ratio of mean CCHI harm between the arms, computed from both potential
   outcomes of everyone analysed, must lie inside the reported 95% interval.

Prints figures and writes them to --out as JSON; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from trial_truth import truth_check  # benchmarks/trial_truth.py

from pipelines.ingest.run import run_ingest
from pipelines.link.run import run_link
from pipelines.train.run import run_training
from pipelines.trial.rehearsal import Panel, Week, monday_clock, rehearse
from pipelines.warehouse.connection import connect
from pipelines.warehouse.model_registry import set_status
from pipelines.world.write import generate_world
from synth.params import WorldParams

from measure import peak_gb  # benchmarks/measure.py

START = date(2025, 11, 17)  # a Monday; 52 weeks later is the default world's end date, 2026-11-16


def build(folder: Path, residents: int, seed: int, start: date, future_weeks: int) -> dict[str, float]:
    """Generate the world, ingest and link it, train and approve a model; return the seconds of each."""
    seconds: dict[str, float] = {}
    world, warehouse = folder / "world", folder / "warehouse.duckdb"
    params = WorldParams(residents=residents, seed=seed, end_date=start, future_weeks=future_weeks)
    began = time.perf_counter()
    generate_world(params, world, lambda d, t: lambda n: None)
    seconds["synth"] = time.perf_counter() - began
    clock = monday_clock(start)
    began = time.perf_counter()
    run_ingest(world / "landing", warehouse, start, clock=clock)
    seconds["ingest"] = time.perf_counter() - began
    began = time.perf_counter()
    run_link(warehouse, clock=clock)
    seconds["link"] = time.perf_counter() - began
    began = time.perf_counter()
    trained = run_training(warehouse, folder / "models", clock=clock, world=world, by="trial demo")
    seconds["train"] = time.perf_counter() - began
    with connect(warehouse) as con:
        set_status(
            con, trained.version, "approved", "trial demo",
            "DEMO APPROVAL on a synthetic world, to rehearse a trial; not a board decision", clock(),
        )  # fmt: skip
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folder", type=Path, default=Path("worlds/trial-300000"))
    parser.add_argument("--residents", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=21, help="the world's seed")
    parser.add_argument("--trial-seed", type=int, default=1, help="seeds the panel and every draw")
    parser.add_argument("--start", type=date.fromisoformat, default=START)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--follow-up-weeks", type=int, default=6)
    parser.add_argument("--effect", type=Path, default=None, help="planted effect [default: the world's]")
    parser.add_argument("--fresh", action="store_true", help="rebuild the world even if the folder has one")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/trial_demo.json"))
    args = parser.parse_args()

    future_weeks = args.weeks + args.follow_up_weeks + 2
    if args.fresh and args.folder.exists():
        shutil.rmtree(args.folder)
    figures: dict[str, object] = {"residents": args.residents, "weeks": args.weeks}
    built = args.folder / "built.json"
    if not built.exists():
        print(
            f"building a {args.residents:,}-resident world with {future_weeks} weeks of future ...",
            flush=True,
        )
        base = args.folder / "base"
        shutil.rmtree(base, ignore_errors=True)
        built_seconds = build(base, args.residents, args.seed, args.start, future_weeks)
        built.write_text(json.dumps(built_seconds))
    figures["build_s"] = {k: round(v, 1) for k, v in json.loads(built.read_text()).items()}

    # every run starts from a copy of the built world, so the demo can be run again (or another seed)
    run = args.folder / f"run-{args.trial_seed}"
    shutil.rmtree(run, ignore_errors=True)
    shutil.copytree(args.folder / "base", run, symlinks=True)
    world, warehouse = run / "world", run / "warehouse.duckdb"

    def report(week: Week) -> None:
        laps = " ".join(f"{k} {v:.1f}s" for k, v in week.seconds.items())
        print(f"{week.as_of}: {week.listed} listed, {week.decided} decided ({week.suitable} suitable), "
              f"allocated {week.allocated}; {laps}", flush=True)  # fmt: skip

    began = time.perf_counter()
    weeks = rehearse(
        world, warehouse, args.start, args.weeks, seed=args.trial_seed, panel=Panel(), effect=args.effect,
        follow_up_weeks=args.follow_up_weeks, lists_dir=run / "lists", progress=report,
    )  # fmt: skip
    figures["cycles_s"] = round(time.perf_counter() - began, 1)
    figures["median_cycle_s"] = sorted(sum(w.seconds.values()) for w in weeks)[len(weeks) // 2]
    figures["allocated"] = {
        arm: sum(w.allocated.get(arm, 0) for w in weeks) for arm in ("programme", "control")
    }
    end = args.start + timedelta(weeks=args.weeks - 1 + args.follow_up_weeks)
    now = datetime.combine(end, datetime.min.time()) + timedelta(hours=9)

    from pipelines.monitor.run import run_monitoring
    from pipelines.trial.evaluate import evaluate_trial

    evaluations = {}
    for months in (3, 6, 12):
        began = time.perf_counter()
        result = evaluate_trial(
            warehouse, months, run / "evaluation" / f"{months}-months", now=now, by="trial demo"
        )
        evaluations[months] = result
        figures[f"evaluate_{months}m_s"] = round(time.perf_counter() - began, 1)
    began = time.perf_counter()
    monitored = run_monitoring(warehouse, run / "monitoring", now=now, by="trial demo")
    figures["monitor_s"] = round(time.perf_counter() - began, 1)
    twelve = evaluations[12]
    figures["truth"] = truth_check(
        world, warehouse, 12, twelve.cut, twelve.estimates["cchi"]["ratio_of_means"]
    )
    figures["monitoring"] = monitored.summary()
    figures["peak_gb"] = round(peak_gb(), 2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2, default=str) + "\n")
    print(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
