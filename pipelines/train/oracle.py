"""The synthetic world's oracles beside a trained model: true risk, and the best our records allow.

Two limits, both by linked person and as_of (each person is the true person most of their
records are):

- the **oracle** (`p_true`, ground_truth/oracle_risk.parquet): each person's true risk from
  re-simulating their future. It knows what no agency records (a latent propensity, knife
  carrying, true group membership and feuds) and uses sex and deprivation, which the model may
  not: no model on our data can reach it.
- the **observable oracle** (`p_observable`): E[p_true | recorded profile], the generator's own
  risk given only what the extracts recorded before as_of, with permitted inputs only
  (synth/recorded_profile.py: age, recorded offences, victimisations, searches, arrests and
  custody, school attendance and exclusions, NEET, health and partner contacts, groups named by
  intelligence and their recorded violence; never sex, ethnicity, deprivation or a latent
  trait). Regressing p_true on that profile over the whole oracle sample averages the latent
  traits and protected characteristics over the population of people with the same records,
  which is the best any model on our records could do: a model sees the same records, and its
  outcome is p_true plus noise. It is cross-fitted (models/observable.py: 5 folds by true
  person), so it never predicts a person it was fitted on.

Its limits: it is an estimate (a flexible regression, not the exact conditional expectation; a
better profile or regression could only raise it); it learns from p_true, which has far less
noise than the 0/1 outcomes a model learns from, and from more rows (every oracle as_of of the
last two years); it reads records by true person, so linkage errors do not touch it; and it sees
each record from the date it was recorded, not the later date its delivery lands. So a model
may fall a little short of it without anything left to learn from the records.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from models.observable import cross_fitted_expectation
from pipelines.warehouse.queries import sql
from synth.recorded_profile import KEY, recorded_attendance, recorded_profile
from synth.timeline import Timeline, months_covering


def read_xref(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Which linked person each source record was given (link.xref: source, source_record_id, person_id)."""
    xref: pl.DataFrame = con.sql(sql("train/xref")).pl()
    return xref


def linked_identity(world: Path, xref: pl.DataFrame) -> pl.DataFrame:
    """person_id -> true_person_id: the true person most of each linked person's records are."""
    truth = pl.read_parquet(world / "ground_truth" / "record_identity.parquet")
    return (
        xref.join(truth, on=["source", "source_record_id"])
        .group_by("person_id", "true_person_id")
        .len()
        .sort("len", "true_person_id", descending=[True, False])
        .unique("person_id", keep="first")
        .select("person_id", "true_person_id")
    )


def world_timeline(world: Path) -> Timeline:
    """The world's month grid, from the parameters in its manifest."""
    try:
        parameters = json.loads((world / "manifest.json").read_text())["parameters"]
        end = date.fromisoformat(parameters["end_date"])
        return Timeline(
            end, int(parameters["history_years"]) * 12, months_covering(end, int(parameters["future_weeks"]))
        )
    except (OSError, KeyError, ValueError) as error:
        raise ValueError(
            f"{world / 'manifest.json'}: cannot read parameters.end_date, history_years and future_weeks "
            f"({error}); give --world the folder `cohort synth` wrote"
        ) from error


def observable_risk(world: Path) -> pl.DataFrame:
    """The observable oracle by true person (oracle rows): true_person_id, as_of, p_true, p_observable."""
    truth = world / "ground_truth"
    oracle = pl.read_parquet(truth / "oracle_risk.parquet").filter(pl.col("p_true").is_not_null())
    births = pl.read_parquet(truth / "people.parquet", columns=["true_person_id", "date_of_birth"])
    attendance = recorded_attendance(
        pl.read_parquet(truth / "attendance_monthly.parquet"), world_timeline(world)
    )
    profile = recorded_profile(
        oracle.select(KEY), births, pl.read_parquet(truth / "events.parquet"), attendance
    )
    rows = oracle.select(*KEY, "p_true").join(profile, on=KEY).sort(KEY)
    features = rows.drop(*KEY, "p_true").to_numpy().astype(np.float64)
    expected = cross_fitted_expectation(
        features, rows["p_true"].to_numpy(), rows["true_person_id"].to_numpy()
    )
    return rows.select(*KEY, "p_true").with_columns(pl.Series("p_observable", expected))


def oracle_risks(world: Path, xref: pl.DataFrame) -> pl.DataFrame:
    """Both oracles by linked person: person_id, as_of, p_true, p_observable."""
    observable = observable_risk(world)
    return (
        linked_identity(world, xref)
        .join(observable, on="true_person_id")
        .select("person_id", "as_of", "p_true", "p_observable")
    )
