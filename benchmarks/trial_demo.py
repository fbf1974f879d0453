"""The trial demo (`make trial-demo`): a year of a randomised trial on a world that responds.

1. A world of --residents (300,000 by default) whose landing ends on --start, with --future-weeks of
   future withheld, is generated, ingested and linked; a model is trained and approved (a demo
   approval, recorded as such).
2. --weeks weekly cycles (52 by default) of advance, ingest, link, list, decide (a seeded panel) and
   allocate run through the real pipeline (pipelines/trial/rehearsal.py); the world applies the planted
   effect (--effect) to the people allocated to the programme. Then the world runs on for
   --follow-up-weeks so that the last outcomes are recorded.
3. The power before the trial is simulated on the built world (`cohort trial power`: the minimum
   detectable effect for 45 per arm over 12 months); the trial is evaluated at 3, 6 and 12 months
   (`cohort trial evaluate`); the score is monitored (`cohort monitor`), and monitoring's realised AUC
   and ECE are set beside the evaluation of the same model on the same window.
4. The evaluation is compared with the truth the world planted (its ground truth, which nothing in the
   pipeline reads): the true ratio of mean CCHI harm between the arms, computed from both potential
   outcomes of everyone analysed, must lie inside the reported 95% interval.

Prints figures and writes them to --out as JSON; asserts nothing about time. A finished rehearsal can
be evaluated again with --reuse.
"""

from __future__ import annotations

import argparse
import json
import shutil
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from trial_truth import truth_check  # benchmarks/trial_truth.py

from pipelines.ingest.run import run_ingest
from pipelines.link.run import run_link
from pipelines.timing import Stopwatch
from pipelines.train.run import run_training
from pipelines.trial.rehearsal import Panel, Week, follow_up, monday_clock, rehearse
from pipelines.warehouse.connection import connect
from pipelines.warehouse.model_registry import set_status
from pipelines.world.write import generate_world
from synth.params import WorldParams

from measure import peak_gb  # benchmarks/measure.py

START = date(2025, 11, 17)  # a Monday; 52 weeks later is the default world's end date, 2026-11-16


def build(folder: Path, residents: int, seed: int, start: date, future_weeks: int) -> dict[str, float]:
    """Generate the world, ingest and link it, train and approve a model; return the seconds of each."""
    world, warehouse = folder / "world", folder / "warehouse.duckdb"
    params = WorldParams(residents=residents, seed=seed, end_date=start, future_weeks=future_weeks)
    clock, watch = monday_clock(start), Stopwatch()
    with watch.lap("synth"):
        generate_world(params, world, lambda d, t: lambda n: None)
    with watch.lap("ingest"):
        run_ingest(world / "landing", warehouse, start, clock=clock)
    with watch.lap("link"):
        run_link(warehouse, clock=clock)
    with watch.lap("train"):
        trained = run_training(warehouse, folder / "models", clock=clock, world=world, by="trial demo")
    with connect(warehouse) as con:
        set_status(
            con, trained.version, "approved", "trial demo",
            "DEMO APPROVAL on a synthetic world, to rehearse a trial; not a board decision", clock(),
        )  # fmt: skip
    return watch.laps


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
    parser.add_argument(
        "--reuse", action="store_true", help="reuse a finished rehearsal of --trial-seed: evaluate it again"
    )
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
    rehearsed = run / "rehearsed.json"
    if args.reuse and rehearsed.exists():
        print(f"reusing the rehearsal in {run}", flush=True)
    else:
        shutil.rmtree(run, ignore_errors=True)
        shutil.copytree(args.folder / "base", run, symlinks=True)
        rehearsed.write_text(json.dumps(rehearse_year(run, args), indent=2, default=str) + "\n")
    figures.update(json.loads(rehearsed.read_text()))
    end = args.start + timedelta(weeks=args.weeks - 1 + args.follow_up_weeks)
    figures.update(evaluate_year(args.folder / "base", run, end))
    figures["peak_gb"] = round(peak_gb(), 2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2, default=str) + "\n")
    print(json.dumps(figures, indent=2, default=str))


def rehearse_year(run: Path, args: argparse.Namespace) -> dict[str, object]:
    """The weekly cycles and the follow-up on the run's copy; their figures."""

    def report(week: Week) -> None:
        laps = " ".join(f"{k} {v:.1f}s" for k, v in week.seconds.items())
        print(f"{week.as_of}: {week.listed} listed, {week.decided} decided ({week.suitable} suitable), "
              f"allocated {week.allocated}; {laps}", flush=True)  # fmt: skip

    watch = Stopwatch()
    with watch.lap("cycles"):
        weeks = rehearse(
            run / "world", run / "warehouse.duckdb", args.start, args.weeks, seed=args.trial_seed,
            panel=Panel(), effect=args.effect, follow_up_weeks=0, lists_dir=run / "lists",
            progress=report,
        )  # fmt: skip
    with watch.lap("follow_up"):
        last = args.start + timedelta(weeks=args.weeks - 1)
        follow_up(run / "world", run / "warehouse.duckdb", last, args.follow_up_weeks, args.effect)
    totals = sorted(sum(w.seconds.values()) for w in weeks)
    return {
        "cycles_s": round(watch.laps["cycles"], 1),
        "follow_up_s": round(watch.laps["follow_up"], 1),
        "median_cycle_s": round(totals[len(totals) // 2], 1),
        "slowest_cycle_s": round(totals[-1], 1),
        "median_step_s": {
            step: round(float(np.median([w.seconds[step] for w in weeks if step in w.seconds])), 1)
            for step in ("advance", "ingest", "link", "list", "decide", "allocate")
        },
        "listed_median": int(np.median([w.listed for w in weeks])),
        "decided": sum(w.decided for w in weeks),
        "suitable": sum(w.suitable for w in weeks),
        "allocated": {arm: sum(w.allocated.get(arm, 0) for w in weeks) for arm in ("programme", "control")},
    }


def evaluate_year(base: Path, run: Path, end: date) -> dict[str, object]:
    """Power before the trial (on the built world), then the evaluation at 3, 6 and 12 months, the
    monitoring report, its agreement with the model's evaluation, and the truth check."""
    from pipelines.monitor.evaluation import agreement
    from pipelines.monitor.run import run_monitoring
    from pipelines.trial.evaluate import evaluate_trial
    from pipelines.trial.power import trial_power

    world, warehouse = run / "world", run / "warehouse.duckdb"
    now = datetime.combine(end, datetime.min.time()) + timedelta(hours=9)
    figures: dict[str, object] = {}
    watch = Stopwatch()
    with watch.lap("power"):
        power = trial_power(
            base / "warehouse.duckdb", 45, 12, run / "power", now=monday_clock(START)(), simulations=1000
        )
    figures["power_before_the_trial"] = power.curve.as_json()
    evaluations = {}
    for months in (3, 6, 12):
        with watch.lap(f"evaluate_{months}m"):
            evaluations[months] = evaluate_trial(
                warehouse, months, run / "evaluation" / f"{months}-months", now=now, by="trial demo"
            )
        figures[f"evaluation_{months}m"] = {
            "analysed": evaluations[months].analysed,
            "cchi": {name: asdict(e) for name, e in evaluations[months].estimates["cchi"].items()},
        }
    with watch.lap("monitor"):
        monitored = run_monitoring(warehouse, run / "monitoring", now=now, by="trial demo")
    with watch.lap("agreement"):
        figures["monitoring_agreement"] = agreement(warehouse, monitored.document)
    twelve = evaluations[12]
    figures["truth"] = truth_check(
        world, warehouse, 12, twelve.cut, twelve.estimates["cchi"]["ratio_of_means"]
    )
    figures["monitoring"] = monitored.summary()
    figures["seconds"] = {k: round(v, 1) for k, v in watch.laps.items()}
    return figures


if __name__ == "__main__":
    main()
