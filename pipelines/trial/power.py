"""Power before the trial (`cohort trial power`): the minimum detectable effect on harm for the chosen
capacity and follow-up, simulated on the futures the warehouse records.

The pool is the people the rules would have put before the panel at past dates: the published rulebook
applied to point-in-time features (features.build, rules.engine.summarise) for everyone aged 14 to 25,
at the reference date and the three quarters before it, each at least the follow-up before the data
end. Their futures are the offences recorded with them as suspect over the following months (by
offence date, recorded by the data end), each weighted by the Crime Harm Index. A person in the pool at
several dates is a row at each. The people the model alone would add are not in this pool (the model
of the day is not re-run on the past).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from data_contracts.rendering import environment
from features.build import build_snapshots
from features.police import offences_with_codes
from governance.trial_evaluation.plots import power_png
from governance.trial_evaluation.power import PowerCurve, simulate_power
from models.split import add_months
from pipelines.files import refuse_symlinks, write_private
from pipelines.trial.evaluate_files import data_uri
from pipelines.trial.outcomes import EvaluationRefused, trial_basis
from pipelines.warehouse.connection import connect
from pipelines.warehouse.event_frames import read_events, read_people
from rules.engine import summarise
from rules.rulebook import load_rulebook

AGES = (14, 25)
POOL_DATES = 4
"""The reference date and the quarters (13 weeks) before it."""


@dataclass(frozen=True)
class PowerResult:
    """The power curve, the dates the pool came from and the files written."""

    curve: PowerCurve
    follow_up_months: int
    data_end: date
    pool_dates: tuple[date, ...]
    files: dict[str, Path]

    def summary(self) -> list[str]:
        """For the terminal: counts and the minimum detectable effect."""
        mde = self.curve.mde
        said = (
            f"{100 * mde:.0f}% lower mean harm (ratio {1 - mde:.2f})" if mde is not None
            else "none: no reduction up to 95% reaches 80% power"
        )  # fmt: skip
        first, last = self.pool_dates[0], self.pool_dates[-1]
        return [
            f"pool: {self.curve.pool_rows} people-at-a-date from {len(self.pool_dates)} dates "
            f"({first:%d/%m/%Y} to {last:%d/%m/%Y}); data end {self.data_end:%d/%m/%Y}",
            f"minimum detectable effect with {self.curve.capacity} per arm over {self.follow_up_months} "
            f"months (80% power, two-sided 0.05): {said}",
            *[f"{name}: {path}" for name, path in self.files.items()],
        ]


def pool_dates(data_end: date, months: int, as_of: date | None) -> tuple[date, ...]:
    """The reference date (default: the latest Monday whose follow-up ends by the data end) and the
    quarters before it, oldest first.

    Raises:
        EvaluationRefused: --as-of leaves less than the follow-up before the data end.
    """
    latest = add_months(data_end + timedelta(days=1), -months)
    if as_of is None:
        as_of = latest - timedelta(days=latest.weekday())
    elif as_of > latest:
        raise EvaluationRefused(
            f"--as-of {as_of:%Y-%m-%d}: its {months}-month future runs past the data end "
            f"({data_end:%Y-%m-%d}); give a date on or before {latest:%Y-%m-%d}"
        )
    return tuple(sorted(as_of - timedelta(weeks=13 * k) for k in range(POOL_DATES)))


def pool_futures(
    warehouse: Path, months: int, as_of: date | None
) -> tuple[pl.DataFrame, date, tuple[date, ...]]:
    """The pool at each date with each row's future offence weights (``weights``), the data end and the
    dates."""
    with connect(warehouse) as con:
        data_end = trial_basis(con, None).cut
        dates = pool_dates(data_end, months, as_of)
        events, people = read_events(con), read_people(con)
    features = build_snapshots(events, people, list(dates), ages=AGES)
    pool = summarise(features, load_rulebook()).filter("considered_by_rules").select("person_id", "as_of")
    ends = pl.DataFrame({"as_of": dates, "until": [add_months(d, months) for d in dates]})
    offences = offences_with_codes(events).filter(
        (pl.col("role") == "suspect") & (pl.col("recorded_date") <= data_end)
    )
    future = (
        pool.join(ends, on="as_of")
        .join(offences.select("person_id", "event_date", "cchi_days"), on="person_id", how="left")
        .group_by("person_id", "as_of")
        .agg(
            pl.col("cchi_days")
            .filter((pl.col("event_date") >= pl.col("as_of")) & (pl.col("event_date") < pl.col("until")))
            .alias("weights")
        )
        .sort("as_of", "person_id")
    )
    return future, data_end, dates


def trial_power(
    warehouse: Path,
    capacity: int,
    follow_up_months: int,
    out: Path,
    *,
    now: datetime,
    as_of: date | None = None,
    simulations: int = 1000,
    permutations: int = 2000,
    seed: int = 0,
) -> PowerResult:
    """Simulate the primary test's power for ``capacity`` per arm and write power.json and power.html.

    Raises:
        EvaluationRefused: nothing loaded, a date too late, an empty pool, or a count that makes no sense.
    """
    if capacity < 2 or simulations < 10:
        raise EvaluationRefused("give --capacity of at least 2 per arm and --simulations of at least 10")
    if follow_up_months < 1:
        raise EvaluationRefused(f"--follow-up-months {follow_up_months}: give a positive number of months")
    refuse_symlinks(out, "--out")
    future, data_end, dates = pool_futures(warehouse, follow_up_months, as_of)
    if future.height == 0:
        raise EvaluationRefused(
            f"nobody met the rules at {', '.join(d.isoformat() for d in dates)}: give an earlier --as-of"
        )
    curve = simulate_power(
        future["weights"].to_list(), capacity=capacity, simulations=simulations,
        permutations=permutations, seed=seed,
    )  # fmt: skip
    document = _document(curve, follow_up_months, data_end, dates, now)
    stem = f"power-{capacity}-{follow_up_months}m"
    files = {
        "json": write_private(
            out / f"{stem}.json", json.dumps(document, indent=2, sort_keys=True) + "\n", own_folder=False
        ),
        "report": write_private(out / f"{stem}.html", _report(document, curve), own_folder=False),
    }
    return PowerResult(curve, follow_up_months, data_end, dates, files)


def _document(
    curve: PowerCurve, months: int, data_end: date, dates: tuple[date, ...], now: datetime
) -> dict[str, Any]:
    return {
        "document": "cohort trial power, version 1",
        "made_at": now.isoformat(timespec="seconds"),
        "follow_up_months": months,
        "data_end": data_end.isoformat(),
        "pool_dates": [d.isoformat() for d in dates],
        "pool": "the published rules on point-in-time features, everyone aged 14 to 25 (rules route only)",
        "test": "randomisation-inference p-value of the difference in mean Crime Harm Index, two-sided",
        "effect": "the programme arm's offences thinned: each kept with probability 1 - reduction",
        **curve.as_json(),
    }


def _report(document: dict[str, Any], curve: PowerCurve) -> str:
    return (
        environment("pipelines.trial")
        .get_template("power.html.j2")
        .render(doc=document, chart=data_uri(power_png(curve.curve, curve.mde, curve.rank_curve)))
    )
