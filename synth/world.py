"""Build a synthetic world in memory: its people's lives, the agencies' extracts and the ground truth."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from synth import education_extracts, extracts, health_extracts, partner_extracts, police_extracts
from synth.calibration import measure
from synth.delivery import Delivery, delivery_dates, split_deliveries, term_return_dates
from synth.future import future_events, future_summary
from synth.ground_truth import ground_truth_frames
from synth.history import History, months_of, run_history
from synth.life_events import add_adult_co_offenders, expand_events
from synth.manifest import build_manifest
from synth.measures import Measure
from synth.movers import add_mover_contacts, moved_addresses
from synth.oracle import build_oracle
from synth.params import WorldParams
from synth.population import Population, build_population
from synth.report import render_calibration_report
from synth.sources import BY_NAME
from synth.timeline import Timeline, months_covering

Stage = Callable[[str, int], Callable[[int], None]]  # (description, total) -> advance


@dataclass(frozen=True)
class Simulation:
    """An area's simulated lives before any agency records them, and the generator the extracts draw on."""

    params: WorldParams
    timeline: Timeline
    population: Population
    history: History
    events: pl.DataFrame
    moved: pl.DataFrame
    oracle: pl.DataFrame
    rng_extracts: np.random.Generator

    @property
    def until(self) -> date:
        """The last day of the world's future (the end date when it has none)."""
        return self.params.end_date + timedelta(weeks=self.params.future_weeks)


@dataclass(frozen=True)
class Cut:
    """One source's rows cut into files: those landing by the end date, and the future's."""

    landing: list[Delivery]
    future: list[Delivery]
    late: int  # rows recorded on or after the end date (not in landing)


@dataclass(frozen=True)
class Documents:
    """What a world writes beside its extracts: ground-truth frames, calibration measures and report."""

    ground_truth: dict[str, pl.DataFrame]
    measures: list[Measure]
    report: str


def simulate(params: WorldParams, stage: Stage) -> Simulation:
    """Simulate the area's people and their lives (on through any future), and the oracle's risks.

    Args:
        params: world parameters; the same params give the same world.
        stage: progress reporter for each long step.

    Returns:
        The simulation, with the random generator the extracts go on to draw from.
    """
    seeds = np.random.SeedSequence(params.seed).spawn(5)
    rng_pop, rng_history, rng_events, rng_oracle, rng_extracts = (np.random.default_rng(s) for s in seeds)
    timeline = Timeline(
        params.end_date, params.history_years * 12, months_covering(params.end_date, params.future_weeks)
    )
    advance = stage("Population", 1)
    population = build_population(rng_pop, params, timeline)
    advance(1)
    history = run_history(
        population, params, timeline, rng_history, stage("Life histories (months)", timeline.steps)
    )
    advance = stage("Dating and coding events", 1)
    events = add_mover_contacts(
        history.events, timeline.steps, params.hazards.mover_contact_share, rng_events
    )
    events = expand_events(events, population.people, timeline, rng_events)
    events = add_adult_co_offenders(
        events, population.people, params.hazards.adult_co_offender_share, rng_events
    )
    moved = moved_addresses(events, rng_events)
    advance(1)
    oracle = build_oracle(
        history,
        params,
        timeline,
        rng_oracle,
        stage("Oracle risk (as_of dates)", len(history.snapshots)),
    )
    return Simulation(params, timeline, population, history, events, moved, oracle, rng_extracts)


def extract_frames(sim: Simulation) -> dict[str, pl.DataFrame]:
    """Every agency's extract rows (typed, with the hidden ground-truth columns), by source name."""
    population, history, timeline, params = sim.population, sim.history, sim.timeline, sim.params
    world = extracts.World(
        sim.events,
        population.people,
        population.addresses,
        population.schools,
        history.attendance,
        sim.rng_extracts,
        params.noise,
        sim.moved,
    )
    months = pl.DataFrame(
        {
            "step": np.arange(timeline.steps, dtype=np.int32),
            "middle": [m.start + 15 for m in months_of(timeline)],
        }
    ).with_columns(pl.from_epoch("middle", time_unit="d"))
    returns = term_return_dates(timeline.start_date.year - 1, sim.until.year + 1)
    return {
        **police_extracts.police(world),
        **education_extracts.education(world, months, returns),
        **health_extracts.health(world),
        **partner_extracts.partner_referrals(world),
    }


def deliver(sim: Simulation, name: str, frame: pl.DataFrame) -> Cut:
    """Cut one source's rows into the files it sends, spoiling a share of rows.

    The schedule runs on through the world's future: the files after the end date are cut and
    spoiled the same way, and withheld (see `Cut`).
    """
    source = BY_NAME[name]
    deliveries, after = split_deliveries(
        sim.rng_extracts,
        frame,
        source,
        delivery_dates(source, sim.timeline, sim.params.increment_weeks, sim.until),
        sim.params.invalid_share,
    )
    end = sim.params.end_date
    landing = [d for d in deliveries if d.extract_date <= end]
    future = [d for d in deliveries if d.extract_date > end]
    return Cut(landing, future, after + sum(d.frame.height for d in future))


def delivered_rows(d: Delivery) -> pl.DataFrame:
    """A delivery's rows as the agency sends them: without the hidden ground-truth columns."""
    return d.frame.drop(extracts.HIDDEN)


def record_identity(name: str, d: Delivery) -> pl.DataFrame:
    """Who each of a delivery's rows is about: source, source_record_id, true_person_id."""
    return d.frame.select(
        pl.lit(name).alias("source"),
        pl.col(BY_NAME[name].record_id).cast(pl.String).alias("source_record_id"),
        pl.col("_true_person_id").alias("true_person_id"),
    )


def planted_defects(name: str, d: Delivery) -> pl.DataFrame:
    """The invalid rows planted in a delivery, with its source and file."""
    return d.defects.with_columns(pl.lit(name).alias("source"), pl.lit(d.file_name).alias("file"))


def file_entry(d: Delivery, data: bytes) -> dict[str, object]:
    """The manifest's record of one delivered file, given the bytes it was written as."""
    return {
        "file": f"landing/{d.file_name}",
        "source": d.source.name,
        "agency": d.source.agency,
        "kind": "initial" if d.since is None else "increment",
        "extract_date": d.extract_date.isoformat(),
        "recorded_from": d.since.isoformat() if d.since else None,
        "recorded_before": d.extract_date.isoformat(),
        "rows": d.frame.height,
        "invalid_rows": int(d.defects.height),
        "invalid_by_defect": dict(
            sorted((k, int(v)) for k, v in d.defects["defect"].value_counts().iter_rows())
        ),
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def documents(sim: Simulation, identity: list[pl.DataFrame], defects: list[pl.DataFrame]) -> Documents:
    """The ground truth, calibration measures and calibration report of a simulated world.

    Args:
        sim: the simulation.
        identity: each delivery's record identity (see `record_identity`), in delivery order.
        defects: each delivery's planted defects (see `planted_defects`), in delivery order.

    Returns:
        The documents to write beside the extracts.
    """
    population, history = sim.population, sim.history
    frames = ground_truth_frames(
        population.people,
        population.neighbourhoods,
        sim.events,
        sim.oracle,
        history.attendance,
        identity,
        defects,
    )
    past = sim.timeline.months  # calibration measures the history, never the withheld future
    measures = measure(
        population.people,
        sim.events.filter(pl.col("step") < past),
        history.attendance.filter(pl.col("step") < past),
        sim.oracle,
        sim.timeline.history(),
        sim.params.residents,
    )
    return Documents(frames, measures, render_calibration_report(measures, sim.params))


def manifest(
    sim: Simulation,
    files: list[dict[str, object]],
    late: dict[str, int],
    docs: Documents,
    future: list[Delivery] | None = None,
) -> dict[str, object]:
    """The world's manifest, given the entries of the files written (see `file_entry`).

    Args:
        sim: the simulation.
        files: one entry per delivered file, in the order written.
        late: per source, the rows recorded after the end date (not in landing/).
        docs: the world's documents.
        future: the withheld deliveries of a world with a future.

    Returns:
        The manifest, as written to manifest.json.
    """
    summary = future_summary(sim.params, future or []) if sim.params.future_weeks else None
    return build_manifest(sim.params, sim.timeline, files, late, docs.ground_truth, docs.measures, summary)


def future_frames(sim: Simulation) -> pl.DataFrame:
    """The future's crimes: what the planted effect can take away (`synth.future.future_events`)."""
    return future_events(sim.events, sim.population.people, sim.params.end_date)
