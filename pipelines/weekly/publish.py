"""Publishing one weekly list: the flat list (CSV, Parquet), review workbook, report and a pseudonymised copy.

Every file is written owner-only and is a pure function of the run, its entries, its departures and the
pseudonymisation key: the same inputs give byte-identical files, so a past list can be rebuilt and proved.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
from pathlib import Path
from typing import Any

import polars as pl
from markupsafe import Markup

from data_contracts.rendering import environment
from governance.render import render
from lists.checks import IDENTITY_FLAG
from lists.entries import DEPARTURE_SCHEMA, ENTRY_SCHEMA, ROUTES, ListRun
from pipelines import files
from pipelines.files import write_private
from pipelines.steps import retried
from pipelines.weekly.workbook import created_text, write_workbook

log = logging.getLogger(__name__)

LIST_CSV = "list.csv"
LIST_PARQUET = "list.parquet"
WORKBOOK = "list.xlsx"
REPORT = "report.html"
PSEUDONYMISED = "list-pseudonymised.csv"
FILES = (LIST_CSV, LIST_PARQUET, WORKBOOK, REPORT, PSEUDONYMISED)
"""The published files, in the order publish() writes them and returns their checksums."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these may be run as a formula by a spreadsheet (CSV injection)."""
DAY = "%d/%m/%Y"
AGES = range(14, 26)


def neutralise(text: str) -> str:
    """The text, prefixed with a single quote if a spreadsheet could read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def neutralised(expr: pl.Expr) -> pl.Expr:
    """neutralise() as an expression (nulls stay null)."""
    pattern = "^([" + "".join(FORMULA_STARTS).replace("-", r"\-") + "])"
    return expr.str.replace(pattern, "'$1")


def neutralise_strings(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every string column neutralised."""
    return frame.with_columns(neutralised(pl.col(pl.String)))


def _joined(column: str, template: str, *fields: str) -> pl.Expr:
    """A list of structs as one cell: each struct formatted by template, joined by "; " (null if none)."""
    item = pl.format(template, *(pl.element().struct.field(f) for f in fields))
    text = pl.col(column).list.eval(item).list.join("; ")
    return pl.when(text == "").then(None).otherwise(text)


def published_frame(run: ListRun, entries: pl.DataFrame) -> pl.DataFrame:
    """The list as a flat, readable frame: one row per person in rank order, every text cell neutralised.

    Args:
        run: the run that drew the list up (its id, date and mode go on every row; with its checks,
            a column marks the people with an identity match awaiting review).
        entries: the list's entries (ENTRY_SCHEMA).

    Returns:
        The published columns, named for people rather than programs.
    """
    safeguarding = pl.col("safeguarding").list.join("; ")
    frame = entries.sort("rank").select(
        pl.lit(run.run_id, pl.Int64).alias("run"),
        pl.lit(run.as_of.strftime(DAY)).alias("as of"),
        pl.lit(run.mode).alias("mode"),
        pl.col("rank"),
        pl.when(pl.col("within_capacity"))
        .then(pl.lit("yes"))
        .otherwise(pl.lit("no"))
        .alias("within capacity"),
        pl.col("route"),
        pl.col("person_id").alias("person id"),
        pl.col("name"),
        pl.col("dob").dt.strftime(DAY).alias("date of birth"),
        pl.col("age"),
        pl.col("band"),
        pl.col("probability_text").alias("probability"),
        _joined("rules_met", "{}: {}", "text", "reason").alias("rules met"),
        _joined("raising", "{} ({})", "text", "source").alias("risk raised by"),
        _joined("lowering", "{} ({})", "text", "source").alias("risk lowered by"),
        pl.when(safeguarding == "").then(None).otherwise(safeguarding).alias("safeguarding note"),
        _joined("pathways", "{}: {}", "name", "because").alias("suggested pathways"),
        _change().alias("change"),
        pl.col("last_decision").alias("last decision"),
        pl.col("review_by").dt.strftime(DAY).alias("review by"),
    )
    if run.checks is not None:  # runs before the checks keep their published columns
        flagged = pl.col("person id").is_in(sorted(run.checks.identity_review))
        frame = frame.insert_column(
            frame.columns.index("date of birth") + 1,
            frame.select(pl.when(flagged).then(pl.lit("yes")).alias(IDENTITY_FLAG)).to_series(),
        )
    return neutralise_strings(frame)


def _change() -> pl.Expr:
    previous = pl.format("{} (previous rank {})", pl.col("change"), pl.col("previous_rank"))
    return pl.when(pl.col("previous_rank").is_null()).then(pl.col("change")).otherwise(previous)


def pseudonym(person_id: int, key: bytes) -> str:
    """A stable stand-in for a person id: a keyed hash no one can reverse without the key."""
    return hmac.new(key, str(person_id).encode(), hashlib.sha256).hexdigest()[:16]


def pseudonymised_frame(run: ListRun, entries: pl.DataFrame, key: bytes) -> pl.DataFrame:
    """The list for recipients outside the analyst team: no names, dates of birth, ids, reasons or factors."""
    ordered = entries.sort("rank")
    published = published_frame(run, ordered)
    names = pl.col("pathways").list.eval(pl.element().struct.field("name")).list.join("; ")
    frame = pl.concat(
        [
            pl.DataFrame(
                {"pseudonym": [pseudonym(p, key) for p in ordered["person_id"]]},
                schema={"pseudonym": pl.String},
            ),
            published.select("as of", "mode", "rank", "within capacity", "route", "band", "age"),
            ordered.select(pl.when(names == "").then(None).otherwise(names).alias("suggested pathways")),
            published.select("change", "review by"),
        ],
        how="horizontal",
    )
    return neutralise_strings(frame)


def load_or_create_key(path: Path) -> tuple[bytes, bool]:
    """The pseudonymisation key kept at path, made (owner-only) if there is none: see
    :func:`pipelines.files.load_or_create_key`."""
    return files.load_or_create_key(
        path,
        "the pseudonymisation key",
        if_lost="restore the key from its backup (pseudonyms change with the key), or remove the file "
        "to make a new one",
    )


@retried
def publish(
    folder: Path,
    run: ListRun,
    entries: pl.DataFrame,
    departures: pl.DataFrame,
    key: bytes,
    fairness: dict[str, Any] | None = None,
) -> dict[str, str]:
    """Write the list's files into folder; return {file name: sha256 hex} in a fixed order.

    Args:
        folder: where the files go (made owner-only if new).
        run: the run that drew the list up.
        entries: the list (ENTRY_SCHEMA), sorted by rank.
        departures: the people who left the list since the previous one (DEPARTURE_SCHEMA).
        key: the pseudonymisation key (load_or_create_key).
        fairness: the list's fairness audit (governance.fairness), shown in the report.

    Returns:
        The sha256 of every file written, in FILES order.
    """
    if entries.schema != ENTRY_SCHEMA or departures.schema != DEPARTURE_SCHEMA:
        raise ValueError("publish() needs entries with ENTRY_SCHEMA and departures with DEPARTURE_SCHEMA")
    entries = entries.sort("rank")
    departures = departures.sort("previous_rank", "person_id", nulls_last=True)
    flat = published_frame(run, entries)
    content: dict[str, bytes] = {LIST_CSV: flat.write_csv().encode("utf-8")}
    list_check = hashlib.sha256(content[LIST_CSV]).hexdigest()
    content[LIST_PARQUET] = _parquet(flat)
    content[WORKBOOK] = write_workbook(run, flat, neutralise_strings(departures), list_check)
    content[REPORT] = render_report(run, entries, departures, list_check, fairness).encode("utf-8")
    content[PSEUDONYMISED] = pseudonymised_frame(run, entries, key).write_csv().encode("utf-8")
    for name in FILES:
        write_private(folder / name, content[name])
    log.info("published run %s: %d entries, %d departures", run.run_id, entries.height, departures.height)
    return {name: hashlib.sha256(content[name]).hexdigest() for name in FILES}


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", statistics=True)
    return buffer.getvalue()


def render_report(
    run: ListRun,
    entries: pl.DataFrame,
    departures: pl.DataFrame,
    list_check: str,
    fairness: dict[str, Any] | None = None,
) -> str:
    """The weekly report: one self-contained HTML document (no scripts, fonts, images or styles fetched)."""
    env = environment("pipelines.weekly")
    people = [_person(row) for row in entries.sort("rank").iter_rows(named=True)]
    left = [dict(row) for row in departures.iter_rows(named=True)]
    return env.get_template("weekly_report.html.j2").render(
        run=run,
        as_of=run.as_of.strftime(DAY),
        previous_as_of=run.previous_as_of.strftime(DAY) if run.previous_as_of else None,
        created_at=created_text(run),
        list_check=list_check,
        people=people,
        left=left,
        charts=_charts(entries, departures),
        within=sum(1 for p in people if p["within_capacity"]),
        fairness=fairness,
        identity_flag=IDENTITY_FLAG,
        fairness_tables=Markup(render("fairness_tables.html.j2", fairness=fairness)) if fairness else None,
    )


def _person(row: dict[str, Any]) -> dict[str, Any]:
    return row | {
        "dob": row["dob"].strftime(DAY),
        "review_by": row["review_by"].strftime(DAY),
        "band": row["band"] or "no model band",
    }


def _charts(entries: pl.DataFrame, departures: pl.DataFrame) -> list[dict[str, Any]]:
    """Bar charts as label/count pairs in a fixed order (the template draws them with CSS widths)."""
    bands = (  # the band holding the highest probability first
        entries.group_by(pl.col("band").fill_null("no model band"))
        .agg(pl.col("probability").max())
        .sort(["probability", "band"], descending=[True, False], nulls_last=True)
        .get_column("band")
    )
    ages = entries.get_column("age").drop_nulls().to_list()
    years = range(min([AGES.start, *ages]), max([AGES.stop - 1, *ages]) + 1)
    whys = departures.group_by("why").len().sort(["len", "why"], descending=[True, False])
    changes = [(c, _count(entries, "change", c)) for c in ("new", "continuing")]
    changes += [(f"left: {w}", n) for w, n in whys.iter_rows()]
    charts = [
        ("List size by route", [(r, _count(entries, "route", r)) for r in ROUTES]),
        ("List size by band", [(b, _count(entries, "band", b)) for b in bands]),
        ("Changes since the last list", changes),
        ("Ages (years)", [(str(y), ages.count(y)) for y in years]),
    ]
    return [_bars(title, bars) for title, bars in charts]


def _count(entries: pl.DataFrame, column: str, value: str) -> int:
    values = entries.get_column(column).fill_null("no model band") if column == "band" else entries[column]
    return int((values == value).sum())


def _bars(title: str, bars: list[tuple[str, int]]) -> dict[str, Any]:
    top = max([n for _, n in bars] + [1])
    return {
        "title": title,
        "bars": [{"label": label, "count": n, "width": f"{100 * n / top:.1f}"} for label, n in bars],
    }
