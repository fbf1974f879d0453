"""The evaluation's files: the HTML report (charts embedded, the primary estimate first, the CONSORT
diagram), the JSON document (stable keys) and the person-level analysis file (Parquet and CSV), each
owner-only. Nothing in them names a person: the person-level file carries a keyed pseudonym (the one
the pseudonymised weekly list uses), never an id, name or date of birth."""

from __future__ import annotations

import base64
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from data_contracts.rendering import environment
from governance.trial_evaluation.analysis import LABELS, PRIMARY_TEXT, Analysis, estimates_table
from governance.trial_evaluation.plots import forest_png, harm_png
from pipelines.files import write_private
from pipelines.trial.outcomes import TrialBasis
from pipelines.weekly.publish import neutralise_strings, pseudonym

DOCUMENT = "cohort trial evaluation, version 1"
PERSON_COLUMNS = (
    "pseudonym", "arm", "randomised", "stratum", "draw", "allocated_on", "followup_days", "exposure_days",
    "withdrawn", "custody_days", "moved", "died", *LABELS,
)  # fmt: skip


def evaluation_document(
    analysis: Analysis,
    flow: dict[str, Any],
    basis: TrialBasis,
    months: int,
    *,
    made_at: datetime,
    made_by: str,
) -> dict[str, Any]:
    """The evaluation as a JSON document with stable keys (no person in it)."""
    return {
        "document": DOCUMENT,
        "trial": basis.trial,
        "follow_up_months": months,
        "data_cut": basis.cut.isoformat(),
        "made_at": made_at.isoformat(timespec="seconds"),
        "made_by": made_by,
        "draws": {
            "count": basis.draws,
            "first": basis.first_draw.isoformat() if basis.first_draw else None,
            "last": basis.last_draw.isoformat() if basis.last_draw else None,
        },
        "analysed": analysis.analysed(),
        **analysis.as_json(),
        "consort": flow,
        "definitions": {
            "window": f"[allocated_on, allocated_on + {months} months), by offence date, recorded on or "
            "before the data cut",
            "analysed": "randomised allocations whose whole window lies on or before the data cut, in the "
            "arm allocated (intention to treat)",
            "exposure": "days at liberty: to the window's end, a death or a move out of the area, less "
            "days on remand or under sentence",
            "custody": "days on remand or under sentence in the window (police custody extract)",
            "moved": "an address outside the area recorded in the window, as the features see it (the "
            "latest address by the window's end)",
            "died": "recorded as the victim of a homicide in the window (no extract records other deaths)",
            "outcomes": dict(LABELS),
        },
    }


def person_frame(outcomes: pl.DataFrame, key: bytes) -> pl.DataFrame:
    """The analysed allocations, one row each, pseudonymised (randomised and tie-breaker alike)."""
    analysed = outcomes.filter(pl.col("followed_up"))
    pseudonyms = [pseudonym(int(p), key) for p in analysed["person_id"]]
    return (
        analysed.with_columns(
            pl.Series("pseudonym", pseudonyms, dtype=pl.String), pl.col("draw_id").alias("draw")
        )
        .select(PERSON_COLUMNS)
        .sort("draw", "pseudonym")
    )


def write_evaluation(
    out: Path,
    document: dict[str, Any],
    analysis: Analysis,
    outcomes: pl.DataFrame,
    key: bytes,
    months: int,
) -> dict[str, Path]:
    """Write the report, JSON, Parquet and CSV to ``out`` (owner-only) and return their paths."""
    people = person_frame(outcomes, key)
    buffer = io.BytesIO()
    people.write_parquet(buffer)
    stem = f"evaluation-{months}m"
    randomised = outcomes.filter(pl.col("randomised") & pl.col("followed_up"))
    harm = {
        arm: randomised.filter(pl.col("arm") == arm)["cchi"].to_list() for arm in ("programme", "control")
    }
    html = render_report(document, analysis, harm)
    return {
        "report": write_private(out / f"{stem}.html", html, own_folder=False),
        "json": write_private(
            out / f"{stem}.json", json.dumps(document, indent=2, sort_keys=True) + "\n", own_folder=False
        ),
        "parquet": write_private(out / f"analysis-{months}m.parquet", buffer.getvalue(), own_folder=False),
        "csv": write_private(
            out / f"analysis-{months}m.csv", neutralise_strings(people).write_csv(), own_folder=False
        ),
    }


def render_report(document: dict[str, Any], analysis: Analysis, harm: dict[str, list[float]]) -> str:
    """The report: one self-contained HTML document (charts as data URIs; nothing fetched)."""
    return (
        environment("pipelines.trial")
        .get_template("evaluation.html.j2")
        .render(
            doc=document,
            primary_text=PRIMARY_TEXT,
            primary=analysis.primary,
            estimates=estimates_table(analysis),
            labels=LABELS,
            harm_chart=data_uri(harm_png(harm)),
            forest_chart=data_uri(forest_png(analysis)),
        )
    )


def data_uri(png: bytes) -> str:
    """A PNG as a data URI, so the report fetches nothing."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
