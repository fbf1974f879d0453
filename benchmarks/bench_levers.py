"""Benchmark: each feature lever's effect on the risk model, beside the oracle and the observable oracle.

Builds the training, calibration and test snapshots once with every model feature, then trains
the model (same settings, same rows) without any lever, with each lever alone, and with all of
them, and prints AUC, precision at 45 and ECE on the test window for each, with the observable
oracle's and the oracle's on the rows they cover. Prints figures, never asserts them. Needs a
warehouse that `cohort ingest` and `cohort link` have filled and the world's folder.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import duckdb

from features.registry import model_features, registry
from models.dataset import Rows, snapshot_rows
from models.evaluate import MODEL, OBSERVABLE_ORACLE, ORACLE, evaluate_test, fit_logistic
from models.learner import train_model
from models.settings import load_settings
from models.split import plan_split
from pipelines.train.oracle import oracle_risks, read_xref
from pipelines.train.run import OUTCOME_SOURCE
from pipelines.warehouse.event_frames import read_events, read_people
from pipelines.warehouse.queries import sql
from rules.rulebook import load_rulebook

LEVERS = {
    "time-decayed offences and harm": ("police_offences_decayed", "police_harm_decayed"),
    "last recorded attendance": ("education_attendance_last_recorded_year",),
    "group exposure windows": ("police_group_serious_violence_125d", "police_group_serious_violence_365d"),
}


def _columns(rows: Rows, keep: list[str]) -> Rows:
    index = [rows.features.index(name) for name in keep]
    return replace(rows, matrix=rows.matrix[:, index], features=tuple(keep))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--world", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=1, help="LightGBM threads (1 on a loaded machine)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    settings = load_settings()
    learner = {**settings.learner, "threads": args.threads}
    # every lever is built and tried, whether or not the registry lets the shipped model use it
    levers = [name for names in LEVERS.values() for name in names]
    rulebook = load_rulebook()
    features = [f for f in model_features() if f not in levers] + levers
    with duckdb.connect(str(args.warehouse), read_only=True) as con:
        events, people, xref = read_events(con), read_people(con), read_xref(con)
        ((known_until,),) = con.execute(sql("train/known_until"), [OUTCOME_SOURCE]).fetchall()
    split = plan_split(known_until, events.occurrences["event_date"].min(), settings)
    started = time.perf_counter()

    def rows(dates: tuple, sample: bool) -> Rows:  # type: ignore[type-arg]
        return snapshot_rows(
            events, people, dates, rulebook, features, roles=settings.roles,
            horizon_months=settings.horizon_months, seed=settings.sampling_seed,
            negative_share=settings.negative_share if sample else 1.0,
        )  # fmt: skip

    train, calibration, test = (
        rows(split.train, True),
        rows(split.calibration, False),
        rows((split.test,), False),
    )
    print(f"snapshots {time.perf_counter() - started:.0f} s; test {split.test}, {test.keys.height:,} rows")
    started = time.perf_counter()
    oracle = oracle_risks(args.world, xref)
    print(f"observable oracle {time.perf_counter() - started:.0f} s")
    base = [f for f in features if f not in levers]
    variants = {"without levers": base, **{f"+ {k}": base + list(v) for k, v in LEVERS.items()}}
    variants["all levers"] = features
    figures = {}
    for name, keep in variants.items():
        started = time.perf_counter()
        part = [_columns(r, keep) for r in (train, calibration, test)]
        model = train_model(
            (part[0].matrix, part[0].outcome, part[0].weight), (part[1].matrix, part[1].outcome), keep,
            registry(), learner, settings.calibration,
        )  # fmt: skip
        evaluation = evaluate_test(model, fit_logistic(part[0]), part[2], settings, oracle)
        m, o = evaluation.metrics[MODEL], evaluation.oracle or {}
        figures[name] = {
            "auc": m.auc, "precision_at_45": m.at[45][0], "ece": m.ece,
            "auc_on_oracle_rows": o.get("model_auc"),
            "precision_at_45_on_oracle_rows": o.get("model_precision_at_45"),
            "observable_oracle_auc": evaluation.metrics[OBSERVABLE_ORACLE].auc,
            "oracle_auc": evaluation.metrics[ORACLE].auc,
            "observable_oracle_precision_at_45": o.get("observable_oracle_precision_at_45"),
            "oracle_precision_at_45": o.get("oracle_precision_at_45"),
            "seconds": time.perf_counter() - started,
        }  # fmt: skip
        print(name, json.dumps({k: round(v, 4) for k, v in figures[name].items() if v is not None}))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
