"""Audit any file of scores and observed outcomes (`cohort audit-scores`): a board can audit historic
lists or another tool's scores with the same measures as our own models.

The one I/O seam around governance.score_audit.audit_scores: read the file, keep aside (with the reason)
every row that cannot be used, audit the rest, write the HTML report, the JSON and the excluded rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from governance.fairness import NOT_RECORDED
from governance.fairness_settings import FairnessSettings
from governance.render import render
from governance.score_audit import audit_scores
from pipelines.files import write_private
from pipelines.weekly.publish import neutralise_strings

TRUE_TEXT = {"1", "true", "yes", "y", "t"}
FALSE_TEXT = {"0", "false", "no", "n", "f"}


class ScoreFileError(ValueError):
    """The file cannot be audited; the message names the file, the column and what to do."""


@dataclass(frozen=True)
class Prepared:
    """The rows that can be audited, and the rest with their reasons."""

    outcome: pl.Series  # Int8 0/1
    score: pl.Series  # Float64
    groups: pl.DataFrame  # one text column per group column
    excluded: pl.DataFrame  # row (1 = first data row), reason, then the row as read
    read: int


def read_scores(path: Path) -> pl.DataFrame:
    """A CSV, Parquet or Excel file of scores, every column as read (CSV columns as text)."""
    if not path.is_file():
        raise ScoreFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pl.read_csv(path, infer_schema=False)
        if suffix == ".parquet":
            return pl.read_parquet(path)
        if suffix in (".xlsx", ".xls"):
            return pl.read_excel(path)
    except Exception as error:  # noqa: BLE001 - any reader failure becomes a message naming the file
        raise ScoreFileError(f"{path}: cannot be read as {suffix[1:]}: {error}") from error
    raise ScoreFileError(f"{path}: give a .csv, .parquet or .xlsx file (not {suffix or 'no extension'})")


def prepare(frame: pl.DataFrame, file_name: str, outcome: str, score: str, groups: Sequence[str]) -> Prepared:
    """Check the named columns and split the rows into those that can be audited and those that cannot.

    Raises:
        ScoreFileError: a column is missing, no group is given, or no row can be used.
    """
    if not groups:
        raise ScoreFileError(f"{file_name}: name at least one --group column to audit by")
    for role, column in [("--outcome", outcome), ("--score", score), *(("--group", g) for g in groups)]:
        if column not in frame.columns:
            raise ScoreFileError(
                f"{file_name}: {role} column '{column}' is not in the file; its columns are "
                f"{', '.join(frame.columns)}"
            )
    text_outcome = pl.col(outcome).cast(pl.String).str.strip_chars().str.to_lowercase()
    parsed = frame.with_row_index("row", offset=1).with_columns(
        pl.when(text_outcome.is_in(list(TRUE_TEXT)))
        .then(1)
        .when(text_outcome.is_in(list(FALSE_TEXT)))
        .then(0)
        .cast(pl.Int8)
        .alias("_outcome"),
        pl.col(score).cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False).alias("_score"),
    )
    reason = (
        pl.when(pl.col(outcome).is_null() | (pl.col(outcome).cast(pl.String).str.strip_chars() == ""))
        .then(pl.lit(f"no {outcome}"))
        .when(pl.col("_outcome").is_null())
        .then(
            pl.format(f"{outcome} '{{}}' is not 1/0, true/false or yes/no", pl.col(outcome).cast(pl.String))
        )
        .when(pl.col(score).is_null() | (pl.col(score).cast(pl.String).str.strip_chars() == ""))
        .then(pl.lit(f"no {score}"))
        .when(pl.col("_score").is_null() | pl.col("_score").is_nan())
        .then(pl.format(f"{score} '{{}}' is not a number", pl.col(score).cast(pl.String)))
        .alias("reason")
    )
    parsed = parsed.with_columns(reason)
    used = parsed.filter(pl.col("reason").is_null())
    if used.height == 0:
        first = parsed["reason"].drop_nulls().head(1).to_list()
        raise ScoreFileError(
            f"{file_name}: no row can be audited ({first[0] if first else 'the file has no rows'}); "
            f"check --outcome and --score"
        )
    group_frame = used.select(
        [
            pl.col(g).cast(pl.String).str.strip_chars().replace("", None).fill_null(NOT_RECORDED)
            for g in groups
        ]
    )
    return Prepared(
        outcome=used["_outcome"],
        score=used["_score"],
        groups=group_frame,
        excluded=parsed.filter(pl.col("reason").is_not_null()).select("row", "reason", *frame.columns),
        read=frame.height,
    )


def audit_file(
    path: Path,
    *,
    outcome: str,
    score: str,
    threshold: float,
    groups: Sequence[str],
    settings: FairnessSettings,
) -> tuple[dict[str, Any], Prepared]:
    """The audit document of a file (rows at or above ``threshold`` are the selected)."""
    prepared = prepare(read_scores(path), path.name, outcome, score, groups)
    scores = prepared.score.to_numpy()
    probability = bool(((scores >= 0) & (scores <= 1)).all())
    excluded = prepared.excluded.group_by("reason").len().sort("len", "reason", descending=[True, False])
    describe = {
        "outcome": outcome,
        "score": score,
        "threshold": threshold,
        "selection": f"{score} at or above {threshold:g}",
        "rows": {
            "read": prepared.read,
            "used": prepared.outcome.len(),
            "excluded": [{"reason": r, "rows": n} for r, n in excluded.iter_rows()],
        },
    }
    document = audit_scores(
        prepared.outcome.to_numpy(), scores, scores >= threshold, prepared.groups, settings,
        describe=describe, probability=probability,
    )  # fmt: skip
    return document, prepared


def write_outputs(
    path: Path,
    document: dict[str, Any],
    prepared: Prepared,
    *,
    html: Path,
    json_path: Path | None,
    made_at: datetime,
) -> list[Path]:
    """Write the report, the JSON (if asked) and the excluded rows (if any), owner-only."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    report = render(
        "fairness_report.html.j2", fairness=document, file_name=path.name, sha256=digest,
        made_at=made_at, probability=document["overall"]["metrics"]["calibration_gap"] is not None,
    )  # fmt: skip
    written = [write_private(html, report, own_folder=False)]
    if json_path is not None:
        written.append(write_private(json_path, json.dumps(document, indent=2) + "\n", own_folder=False))
    if prepared.excluded.height:
        excluded = html.with_name(f"{html.stem}-excluded-rows.csv")
        rows = neutralise_strings(prepared.excluded).write_csv()
        written.append(write_private(excluded, rows, own_folder=False))
    return written
