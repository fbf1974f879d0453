"""Generate a synthetic world and write it: the one I/O seam of the generator."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, time
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

from synth import extracts
from synth.calibration import measure
from synth.delivery import Delivery, delivery_dates, split_deliveries, term_return_dates
from synth.history import months_of, run_history
from synth.life_events import add_adult_co_offenders, expand_events
from synth.manifest import build_manifest
from synth.model import Category, Kind
from synth.movers import add_mover_contacts, moved_addresses
from synth.oracle import build_oracle
from synth.params import WorldParams
from synth.population import build_population
from synth.report import render_calibration_report
from synth.sources import BY_NAME, SOURCES
from synth.timeline import Timeline

Stage = Callable[[str, int], Callable[[int], None]]  # (description, total) -> advance


def _owner_only_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _seal(path: Path, when: datetime | None = None) -> None:
    """Owner-only permissions; a delivered file's mtime is its delivery time."""
    path.chmod(0o600)
    if when is not None:
        stamp = when.timestamp()
        os.utime(path, (stamp, stamp))


def _write_delivery(d: Delivery, landing: Path) -> dict[str, object]:
    path = landing / d.file_name
    rows = d.frame.drop(extracts.HIDDEN)
    if d.source.file_format == "xlsx":
        delivered = datetime.combine(d.extract_date, time(6, 0))
        book = xlsxwriter.Workbook(str(path), {"default_date_format": "dd/mm/yyyy"})
        book.set_properties({"created": delivered, "author": "Local authority education service"})
        rows.write_excel(workbook=book, worksheet="Exclusions", autofit=False)
        book.close()
    else:
        rows.write_csv(
            path,
            separator=d.source.delimiter,
            null_value="",
            quote_style="necessary",
            line_terminator="\n",
        )
    _seal(path, datetime.combine(d.extract_date, time(6, 0), tzinfo=UTC))
    data = path.read_bytes()
    return {
        "file": f"landing/{d.file_name}",
        "source": d.source.name,
        "agency": d.source.agency,
        "kind": "initial" if d.since is None else "increment",
        "extract_date": d.extract_date.isoformat(),
        "recorded_from": d.since.isoformat() if d.since else None,
        "recorded_before": d.extract_date.isoformat(),
        "rows": rows.height,
        "invalid_rows": int(d.defects.height),
        "invalid_by_defect": dict(
            sorted((k, int(v)) for k, v in d.defects["defect"].value_counts().iter_rows())
        ),
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def _named_events(events: pl.DataFrame) -> pl.DataFrame:
    kinds = {int(k): k.name.lower() for k in Kind}
    categories = {int(c): c.name.lower() for c in Category}
    return events.with_columns(
        pl.col("kind").replace_strict(kinds, return_dtype=pl.String),
        pl.when(pl.col("kind").is_in([int(Kind.OFFENCE), int(Kind.VICTIMISATION)]))
        .then(pl.col("category").replace_strict(categories, default=None, return_dtype=pl.String))
        .alias("category"),
        pl.when(
            pl.col("kind").is_in(
                [int(Kind.OFFENCE), int(Kind.VICTIMISATION), int(Kind.ARREST), int(Kind.CUSTODY)]
            )
        )
        .then(pl.col("crime"))
        .alias("crime"),
    ).drop("lead", "step", "school_id")


def _people_truth(people: pl.DataFrame, events: pl.DataFrame, nbhd: pl.DataFrame) -> pl.DataFrame:
    exits = (
        events.filter(pl.col("kind").is_in([int(Kind.DEATH), int(Kind.MOVE_OUT)]))
        .group_by("true_person_id")
        .agg(
            pl.col("event_date").filter(pl.col("kind") == int(Kind.DEATH)).min().alias("death_date"),
            pl.col("event_date").filter(pl.col("kind") == int(Kind.MOVE_OUT)).min().alias("moved_out_date"),
        )
    )
    return (
        people.join(
            nbhd.select("neighbourhood_id", "deprivation_decile", "policing_intensity"),
            on="neighbourhood_id",
            how="left",
        )
        .join(exits, on="true_person_id", how="left")
        .with_columns(
            pl.from_epoch("dob_day", time_unit="d").alias("date_of_birth"),
            pl.from_epoch("group_join_day", time_unit="d").alias("group_join_date"),
            pl.from_epoch("group_leave_day", time_unit="d").alias("group_leave_date"),
        )
        .drop("dob_day", "group_join_day", "group_leave_day", "deprivation")
    )


def generate_world(params: WorldParams, out: Path, stage: Stage) -> dict[str, object]:
    """Generate a world and write it under `out`.

    Args:
        params: world parameters; the same params give byte-identical files.
        out: output folder (created owner-only).
        stage: progress reporter for each long step.

    Returns:
        The manifest (also written to `out/manifest.json`).
    """
    seeds = np.random.SeedSequence(params.seed).spawn(5)
    rng_pop, rng_history, rng_events, rng_oracle, rng_extracts = (np.random.default_rng(s) for s in seeds)
    timeline = Timeline(params.end_date, params.history_years * 12)
    advance = stage("Population", 1)
    population = build_population(rng_pop, params, timeline)
    advance(1)
    history = run_history(
        population, params, timeline, rng_history, stage("Life histories (months)", timeline.months)
    )
    advance = stage("Dating and coding events", 1)
    events = add_mover_contacts(
        history.events, timeline.months, params.hazards.mover_contact_share, rng_events
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
    advance = stage("Agency extracts", len(SOURCES))
    world = extracts.World(
        events,
        population.people,
        population.addresses,
        population.schools,
        history.attendance,
        rng_extracts,
        params.noise,
        moved,
    )
    months = pl.DataFrame(
        {
            "step": np.arange(timeline.months, dtype=np.int32),
            "middle": [m.start + 15 for m in months_of(timeline)],
        }
    ).with_columns(pl.from_epoch("middle", time_unit="d"))
    returns = term_return_dates(timeline.start_date.year - 1, params.end_date.year + 1)
    frames = {
        **extracts.police(world),
        **extracts.education(world, months, returns),
        **extracts.health(world),
        **extracts.partner_referrals(world),
    }
    _owner_only_dir(out)
    landing = _owner_only_dir(out / "landing")
    truth = _owner_only_dir(out / "ground_truth")
    files, identity, defects, late = [], [], [], {}
    for name, frame in frames.items():
        source = BY_NAME[name]
        deliveries, late[name] = split_deliveries(
            rng_extracts,
            frame,
            source,
            delivery_dates(source, timeline, params.increment_weeks),
            params.invalid_share,
        )
        for d in deliveries:
            files.append(_write_delivery(d, landing))
            identity.append(
                d.frame.select(
                    pl.lit(name).alias("source"),
                    pl.col(source.record_id).cast(pl.String).alias("source_record_id"),
                    pl.col("_true_person_id").alias("true_person_id"),
                )
            )
            defects.append(
                d.defects.with_columns(pl.lit(name).alias("source"), pl.lit(d.file_name).alias("file"))
            )
        advance(1)
    advance = stage("Ground truth and reports", 1)
    people_truth = _people_truth(population.people, events, population.neighbourhoods)
    outputs = {
        "record_identity": pl.concat(identity).sort("source", "source_record_id"),
        "people": people_truth,
        "events": _named_events(events),
        "oracle_risk": oracle,
        "invalid_rows": pl.concat(defects).select("source", "file", "source_record_id", "defect", "column"),
        "attendance_monthly": history.attendance,
    }
    for name, frame in outputs.items():
        path = truth / f"{name}.parquet"
        frame.write_parquet(path, statistics=False)
        _seal(path)
    measures = measure(population.people, events, history.attendance, oracle, timeline, params.residents)
    report = out / "calibration_report.md"
    report.write_text(render_calibration_report(measures, params))
    _seal(report)
    manifest = build_manifest(params, timeline, files, late, outputs, measures)
    manifest_path = out / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    _seal(manifest_path)
    advance(1)
    return manifest
