"""Split extract rows into deliveries, plant invalid rows, and format them as sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from synth.extracts import HIDDEN
from synth.identifiers import malform_identifiers
from synth.source_declaration import Source
from synth.timeline import Timeline

DEFECTS = ("impossible_date", "unknown_code", "missing_key", "malformed_identifier")
TERM_RETURNS = {"SUM": (9, 1), "AUT": (1, 5), "SPR": (4, 20)}  # (month, day) the return is sent


@dataclass(frozen=True)
class Delivery:
    """One file an agency sends: its rows are those recorded in [since, extract_date)."""

    source: Source
    extract_date: date
    since: date | None  # None for the initial historical file
    frame: pl.DataFrame  # formatted rows, plus the hidden ground-truth columns
    defects: pl.DataFrame  # source_record_id, defect, column

    @property
    def file_name(self) -> str:
        return f"{self.source.name}_{self.extract_date.isoformat()}.{self.source.file_format}"


def term_return_dates(first_year: int, last_year: int) -> pl.DataFrame:
    """The date each term's attendance return is sent (for academic years first..last)."""
    rows = []
    for year in range(first_year, last_year + 1):
        label = f"{year}/{(year + 1) % 100:02d}"
        rows += [
            (label, "AUT", date(year + 1, *TERM_RETURNS["AUT"])),
            (label, "SPR", date(year + 1, *TERM_RETURNS["SPR"])),
            (label, "SUM", date(year + 1, *TERM_RETURNS["SUM"])),
        ]
    return pl.DataFrame(rows, schema=["academic_year", "term", "return_date"], orient="row")


def delivery_dates(source: Source, timeline: Timeline, weeks: int, until: date | None = None) -> list[date]:
    """The initial cut-off, then every delivery of the source's cadence up to `until`.

    Args:
        source: the extract's declaration (its cadence).
        timeline: the month grid (monthly deliveries fall on its boundaries).
        weeks: weeks of increments before the end date (the initial file is cut that far back).
        until: the last day a delivery may fall on [default: the end date]; later than the end
            date for a world with a future, whose schedule simply continues.
    """
    last = until or timeline.end_date
    if source.cadence == "weekly":
        return timeline.weekly_extract_dates(weeks, last)
    if source.cadence == "monthly":
        return timeline.monthly_extract_dates(weeks, last)
    initial = timeline.end_date - timedelta(weeks=weeks)
    returns = term_return_dates(initial.year - 1, last.year)["return_date"].to_list()
    return [initial, *sorted(d for d in returns if initial < d <= last)]


def _impossible_dates(rng: np.random.Generator, years: np.ndarray, fmt: str) -> np.ndarray:
    """Calendar dates that do not exist (31 April, 30 February ...) in the agency's format."""
    # (day, month) pairs that are never real dates, whatever the year
    pairs = np.array([(31, 4), (31, 6), (31, 9), (31, 11), (30, 2), (31, 2), (32, 1), (0, 5)])
    day_month = pairs[rng.integers(0, len(pairs), years.size)]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    parts = pl.DataFrame({"y": years, "m": day_month[:, 1], "d": day_month[:, 0]}).select(
        pl.col("y").cast(pl.String).str.zfill(4).alias("Y"),
        pl.col("m").cast(pl.String).str.zfill(2).alias("M"),
        pl.col("d").cast(pl.String).str.zfill(2).alias("D"),
        pl.col("m").replace_strict(list(range(1, 13)), months).alias("B"),
    )
    pattern = {"%Y%m%d": "{Y}{M}{D}", "%Y-%m-%d": "{Y}-{M}-{D}", "%d-%b-%Y": "{D}-{B}-{Y}"}.get(
        fmt, "{D}/{M}/{Y}"
    )
    pieces = [c for c in ("Y", "M", "D", "B") if "{" + c + "}" in pattern]
    ordered = sorted(pieces, key=lambda c: pattern.index("{" + c + "}"))
    template = pattern
    for c in ordered:
        template = template.replace("{" + c + "}", "{}")
    return parts.select(pl.format(template, *ordered)).to_series().to_numpy().astype(object)


def plant_defects(
    rng: np.random.Generator, frame: pl.DataFrame, source: Source, share: float, extract_date: date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Make a share of rows invalid in one of the ways real extracts are.

    Args:
        rng: random generator.
        frame: formatted rows (dates still typed for spreadsheets).
        source: the extract's declaration.
        share: share of rows to spoil.
        extract_date: the file's date (a spreadsheet's impossible date is after it).

    Returns:
        (frame with the defects, one row per defect: source_record_id, defect, column).
    """
    chosen = np.flatnonzero(rng.random(frame.height) < share)
    kinds = list(DEFECTS if source.identifier else DEFECTS[:3])
    defect = np.array(kinds)[rng.integers(0, len(kinds), chosen.size)]
    if source.identifier:  # a blank identifier cannot be malformed: spoil its key instead
        blank = frame[source.identifier].is_null().to_numpy()[chosen]
        defect = np.where((defect == "malformed_identifier") & blank, "missing_key", defect)
    columns = {
        "impossible_date": source.event_date,
        "unknown_code": source.code_column,
        "missing_key": source.key_column,
        "malformed_identifier": source.identifier,
    }
    updates: dict[str, pl.Series] = {}
    for kind in kinds:
        rows = chosen[defect == kind]
        name = columns[kind]
        if name is None or rows.size == 0:
            continue
        column = updates.get(name, frame[name]).clone()
        if kind == "impossible_date" and column.dtype == pl.Date:
            new = pl.Series([extract_date + timedelta(days=400)] * rows.size, dtype=pl.Date)
        elif kind == "impossible_date":
            new = pl.Series(
                _impossible_dates(
                    rng, rng.integers(2019, extract_date.year + 1, rows.size), source.date_format
                ),
                dtype=pl.String,
            )
        elif kind == "unknown_code":
            new = pl.Series(np.array(["ZZ9", "X99", "UNK", "99Z"])[rng.integers(0, 4, rows.size)])
        elif kind == "missing_key":
            new = pl.Series([None] * rows.size, dtype=column.dtype)
        else:
            kind_of = {"PNC_ID": "pnc", "upn": "upn", "UPN": "upn", "NHS_NUMBER": "nhs"}[name]
            new = pl.Series(malform_identifiers(rng, column.gather(rows).to_numpy().astype(str), kind_of))  # type: ignore[arg-type]
        if new.dtype != column.dtype:
            column = column.cast(pl.String)
            new = new.cast(pl.String)
        updates[name] = column.scatter(rows, new)
    spoiled = frame.with_columns(list(updates.values())) if updates else frame
    log = pl.DataFrame(
        {
            "source_record_id": frame[source.record_id].to_numpy()[chosen].astype(str),
            "defect": defect,
            "column": [columns[d] for d in defect],
        },
        schema={"source_record_id": pl.String, "defect": pl.String, "column": pl.String},
    )
    return spoiled, log


def format_rows(frame: pl.DataFrame, source: Source) -> pl.DataFrame:
    """Every column as the agency writes it: dates in its format, numbers as text (CSV only)."""
    if source.file_format == "xlsx":
        return frame
    return frame.with_columns(
        [pl.col(c).dt.strftime(source.date_format) for c in source.date_columns]
        + [
            pl.col(c).cast(pl.String)
            for c, t in frame.schema.items()
            if c not in source.date_columns and c not in HIDDEN and t != pl.String
        ]
    )


def split_deliveries(
    rng: np.random.Generator,
    frame: pl.DataFrame,
    source: Source,
    dates: list[date],
    invalid_share: float,
) -> tuple[list[Delivery], int]:
    """Cut a source's rows into its files by recorded date, then spoil a share of each.

    Returns:
        (the deliveries, number of rows recorded after the last delivery and so not sent).
    """
    frame = format_rows(frame.sort("_recorded", source.record_id), source)
    if source.file_format == "csv":
        frame = frame.with_columns(pl.col(c).cast(pl.String) for c in frame.columns if c not in HIDDEN)
    out = []
    for j, extract_date in enumerate(dates):
        since = dates[j - 1] if j else None
        in_file = pl.col("_recorded") < extract_date
        if since is not None:
            in_file &= pl.col("_recorded") >= since
        rows = frame.filter(in_file)
        rows, defects = plant_defects(rng, rows, source, invalid_share, extract_date)
        out.append(Delivery(source, extract_date, since, rows, defects))
    late = frame.filter(pl.col("_recorded") >= dates[-1]).height
    return out, late
