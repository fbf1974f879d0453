"""Write a synthetic world into its folder: the extracts as delivered, the ground truth and the manifest."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, time
from pathlib import Path

import xlsxwriter

from pipelines.files import private_folder, write_private
from pipelines.world.future_store import write_future
from synth.delivery import Delivery
from synth.params import WorldParams
from synth.sources import SOURCES
from synth.world import (
    Stage,
    deliver,
    delivered_rows,
    documents,
    extract_frames,
    file_entry,
    future_frames,
    manifest,
    planted_defects,
    record_identity,
    simulate,
)


def seal(path: Path, when: datetime | None = None) -> None:
    """Owner-only permissions; a delivered file's mtime is its delivery time."""
    path.chmod(0o600)
    if when is not None:
        stamp = when.timestamp()
        os.utime(path, (stamp, stamp))


def write_delivery(d: Delivery, landing: Path) -> dict[str, object]:
    """Write one delivery into `landing` as the agency sends it (no hidden columns), owner-only.

    Returns:
        The manifest's entry for the file (`synth.world.file_entry`).
    """
    path = landing / d.file_name
    rows = delivered_rows(d)
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
    seal(path, datetime.combine(d.extract_date, time(6, 0), tzinfo=UTC))
    return file_entry(d, path.read_bytes())


def generate_world(params: WorldParams, out: Path, stage: Stage) -> dict[str, object]:
    """Generate a world and write it under `out`.

    A world with a future (`params.future_weeks`) also writes the deliveries after its end date
    into `out/future/` and its state into `out/state.json` (see `pipelines.world.future_store`).

    Args:
        params: world parameters; the same params give byte-identical files.
        out: output folder (created owner-only).
        stage: progress reporter for each long step.

    Returns:
        The manifest (also written to `out/manifest.json`).
    """
    sim = simulate(params, stage)
    advance = stage("Agency extracts", len(SOURCES))
    frames = extract_frames(sim)
    private_folder(out)
    landing = private_folder(out / "landing")
    truth = private_folder(out / "ground_truth")
    files, identity, defects, late, future = [], [], [], {}, []
    for name, frame in frames.items():
        cut = deliver(sim, name, frame)
        late[name] = cut.late
        for d in cut.landing:
            files.append(write_delivery(d, landing))
            identity.append(record_identity(name, d))
            defects.append(planted_defects(name, d))
        future += cut.future
        advance(1)
    if params.future_weeks:
        write_future(out, params, future, future_frames(sim))
    advance = stage("Ground truth and reports", 1)
    docs = documents(sim, identity, defects)
    for name, frame in docs.ground_truth.items():
        path = truth / f"{name}.parquet"
        frame.write_parquet(path, statistics=False)
        seal(path)
    write_private(out / "calibration_report.md", docs.report)
    written = manifest(sim, files, late, docs, future)
    write_private(out / "manifest.json", json.dumps(written, indent=2, default=str) + "\n")
    advance(1)
    return written
