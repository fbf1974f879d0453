"""The published explanations read well, end to end on the small world with a trained, approved model:
missing data is never a factor, counts agree with their words, codes show their labels, reasons do not
repeat their rule's title, and probabilities are no finer than the model's calibration steps."""

from __future__ import annotations

import html
import json
import re
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from lists.probability import calibration_steps, reliability_curve
from lists.settings import load_list_settings
from pipelines.train.run import run_training
from pipelines.warehouse.connection import connect
from pipelines.warehouse.copy import copy_warehouse
from pipelines.warehouse.model_registry import set_status
from pipelines.warehouse.queries import sql
from pipelines.weekly.run import run_weekly
from tests.clock import test_clock
from tests.pipelines.cli.test_cli_model import small_settings
from tests.rules.test_reason_wording import SLIP, repeats

AS_OF = date(2026, 11, 16)
CODE = re.compile(r"\b[A-Z]{2,}(?:_[A-Z]+)+\b|\b(?:SCHOOL|PARENT|POLICE|SOCIAL_CARE)\b")
WORDED = ("rules met", "risk raised by", "risk lowered by", "safeguarding note", "suggested pathways")


@pytest.fixture(scope="module")
def published(linked: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """(warehouse, list folder, run id) of a list drawn with an approved model."""
    folder = tmp_path_factory.mktemp("wording")
    warehouse = folder / "warehouse.duckdb"
    copy_warehouse(linked, warehouse, checkpoint=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COHORT_PSEUDONYM_KEY_FILE", str(folder / "secrets" / "key"))
        trained = run_training(
            warehouse, folder / "models", clock=test_clock(), settings_file=small_settings(folder), by="test"
        )
        with connect(warehouse) as con:
            set_status(con, trained.version, "approved", "demo", "test world", datetime(2026, 11, 16, 6))
        result = run_weekly(warehouse, AS_OF, now=datetime(2026, 11, 16, 7), by="tester")
    return warehouse, result.folder, result.run_id


@pytest.fixture(scope="module")
def flat(published: tuple[Path, Path, int]) -> pl.DataFrame:
    return pl.read_csv(published[1] / "list.csv", infer_schema=False)


def cells(flat: pl.DataFrame, columns: tuple[str, ...]) -> list[str]:
    return [c for column in columns for c in flat[column].drop_nulls().to_list()]


@pytest.mark.slow
def test_missing_data_is_never_shown_as_a_factor(flat: pl.DataFrame) -> None:
    factors = cells(flat, ("risk raised by", "risk lowered by"))
    assert len(factors) >= 10  # guards against passing on a list without factors
    assert not [f for f in factors if "nothing on record" in f]


@pytest.mark.slow
def test_counts_agree_and_codes_show_their_labels_in_the_list_and_the_report(
    published: tuple[Path, Path, int], flat: pl.DataFrame
) -> None:
    report = html.unescape(re.sub(r"<[^>]+>", " ", (published[1] / "report.html").read_text("utf-8")))
    for text in [*cells(flat, WORDED), report]:
        assert not SLIP.search(text), SLIP.search(text)
        assert not CODE.search(text), CODE.search(text)
    assert "days of harm" not in report and "[" not in "".join(cells(flat, WORDED))


@pytest.mark.slow
def test_no_reason_repeats_its_rules_title(published: tuple[Path, Path, int]) -> None:
    warehouse, _, run_id = published
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stored = con.execute("SELECT explanation FROM lists.entry WHERE run_id = ?", [run_id]).fetchall()
    met = [rule for (e,) in stored for rule in json.loads(e)["rules_met"]]
    assert met
    assert not [r for r in met if repeats(r["text"], r["reason"])]


@pytest.mark.slow
def test_probabilities_are_shown_only_as_finely_as_the_calibration_steps(
    published: tuple[Path, Path, int], flat: pl.DataFrame
) -> None:
    warehouse, _, run_id = published
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (version,) = con.execute("SELECT model_version FROM lists.run WHERE run_id = ?", [run_id]).fetchall()[
            0
        ]
        (path,) = con.execute(sql("lists/pinned_model_path"), [version]).fetchall()[0]
    curve = reliability_curve(json.loads((Path(path) / "evaluation.json").read_text("utf-8")))
    assert curve
    settings = load_list_settings()
    steps = calibration_steps(
        curve, floor=settings.floor, ceiling=settings.ceiling, min_people=settings.min_people
    )
    words = {step.text for step in steps}
    assert set(flat["probability"]) <= words, (set(flat["probability"]), words)
    top = next(b["lower"] for b in curve[::-1])
    if top < settings.ceiling:  # the evidence at the top does not reach the ceiling: never claim it
        assert f"{settings.ceiling:.0%} or more" not in set(flat["probability"])
