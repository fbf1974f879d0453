"""Run a contract's checks with Great Expectations and say, for every failing row, each rule it broke.

The workarounds for Great Expectations live here, and only here:

- GX validates pandas frames, not Polars or DuckDB (its DuckDB route needs a private
  monkeypatch, see shared/STACK.md), so rows are handed over as Arrow-backed pandas frames.
- Its pandas engine filters the whole frame for every expectation, so cost grows with the
  frame's width: each group of checks that reads the same columns runs on a narrow frame
  holding only the row key and those columns.
- It fingerprints every batch by hashing the whole frame (``HASH_THRESHOLD``), a third of
  the validation time on large extracts, for a batch marker we never read: that is turned off.
- Most checks judge a row by its values alone (``Check.per_value``), and extracts repeat values
  heavily (6 million attendance rows hold 7 academic years and 5,000 dates of birth), so
  those groups run on the distinct values of their columns and the failing values are joined
  back to every row holding them. Only the record id's uniqueness sees every row.

``tests/data_contracts/test_validation.py`` pins that narrow frames of distinct values give the
same failures as one whole frame, and that the fingerprint switch still exists.
"""

from __future__ import annotations

import os
from collections import defaultdict
from functools import cache
from typing import Any

import polars as pl

from data_contracts.suite import Check

ROW = "_row"
"""Each validation frame has a unique row key in this column; failures refer to it."""
RESULT_FORMAT: dict[str, Any] = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": [ROW],
    "return_unexpected_index_query": False,
}
FAILURES_SCHEMA = {ROW: pl.Int64, "rule": pl.String, "message": pl.String}


class CheckFailedToRun(RuntimeError):
    """A check raised instead of passing or failing rows: a bug or a contract error, never bad data."""


@cache
def _batch_definition() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    import data_contracts.expectations  # noqa: F401  (registers the custom expectations)

    pandas_execution_engine.HASH_THRESHOLD = 0  # no batch fingerprints: see the module docstring
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("extracts")
    return source.add_dataframe_asset("extract").add_batch_definition_whole_dataframe("whole")


def run_suite(frame: pl.DataFrame, checks: list[Check], name: str) -> dict[str, list[int]]:
    """Validate one frame against one suite of checks, all at once.

    Args:
        frame: the rows, with the ``_row`` key and every column the checks read.
        checks: the checks; each expectation's ``meta["rule"]`` names it.
        name: the suite's name (for messages).

    Returns:
        For each check that failed, the row numbers that failed it.

    Raises:
        CheckFailedToRun: if any expectation raised an error.
    """
    import great_expectations as gx

    suite = gx.ExpectationSuite(name=name, expectations=[c.expectation for c in checks])
    batch = _batch_definition().get_batch(
        batch_parameters={"dataframe": frame.to_pandas(use_pyarrow_extension_array=True)}
    )
    result = batch.validate(suite, result_format=RESULT_FORMAT)
    failed: dict[str, list[int]] = {}
    for outcome in result.results:
        rule = outcome.expectation_config.meta["rule"]
        error = _raised(outcome.exception_info)
        if error:
            raise CheckFailedToRun(f"{name}: check {rule} could not run: {error}")
        if not outcome.success:
            failed[rule] = [int(item[ROW]) for item in outcome.result.get("unexpected_index_list") or []]
    return failed


def _raised(info: Any) -> str | None:
    """The message of an exception GX caught, whichever of its two shapes the info has."""
    if not info:
        return None
    if "raised_exception" in info:
        return str(info.get("exception_message")) if info["raised_exception"] else None
    messages = [
        str(v.get("exception_message"))
        for v in info.values()
        if isinstance(v, dict) and v.get("raised_exception")
    ]
    return "; ".join(messages) or None


def find_failures(frame: pl.DataFrame, checks: list[Check], name: str = "extract") -> pl.DataFrame:
    """Every (row, rule) pair where a row breaks a check.

    Args:
        frame: the rows as text, with the ``_row`` key and the columns the checks read.
        checks: the checks built from the contract.
        name: what the rows are (for messages).

    Returns:
        One row per failure: _row, rule, message; sorted by row and check order.
    """
    if frame.height == 0:
        return pl.DataFrame(schema=FAILURES_SCHEMA)
    groups: dict[tuple[str, ...], list[Check]] = defaultdict(list)
    for check in checks:
        groups[check.columns].append(check)
    order = {check.rule: i for i, check in enumerate(checks)}
    messages = {check.rule: check.message for check in checks}
    parts = [
        rows.select(pl.col(ROW).cast(pl.Int64), pl.lit(rule).alias("rule"))
        for columns, group in groups.items()
        for rule, rows in _failing_rows(frame, columns, group, name).items()
    ]
    if not parts:
        return pl.DataFrame(schema=FAILURES_SCHEMA)
    failures = pl.concat(parts).unique()
    return (
        failures.with_columns(
            pl.col("rule").replace_strict(messages, return_dtype=pl.String).alias("message"),
            pl.col("rule").replace_strict(order, return_dtype=pl.Int64).alias("_order"),
        )
        .sort(ROW, "_order")
        .drop("_order")
    )


def _failing_rows(
    frame: pl.DataFrame, columns: tuple[str, ...], checks: list[Check], name: str
) -> dict[str, pl.DataFrame]:
    """For each check of a group (all reading ``columns``) that failed, the ``_row`` of every failing row."""
    columns = tuple(dict.fromkeys(columns))
    suite_name = f"{name}:{'+'.join(columns)}"
    rows = frame.select(ROW, *columns)
    if not all(check.per_value for check in checks):
        failed = run_suite(rows, checks, suite_name)
        return {rule: pl.DataFrame({ROW: keys}, schema={ROW: pl.Int64}) for rule, keys in failed.items()}
    values = rows.select(columns).unique().with_row_index(ROW)
    failed = run_suite(values, checks, suite_name)
    return {
        rule: rows.join(
            values.filter(pl.col(ROW).is_in(keys)).drop(ROW), on=list(columns), nulls_equal=True
        ).select(ROW)
        for rule, keys in failed.items()
    }


def reasons_by_row(failures: pl.DataFrame) -> pl.DataFrame:
    """One row per failing row: its key and the list of reasons (rule, message), in check order."""
    return failures.group_by(ROW, maintain_order=True).agg(pl.struct("rule", "message").alias("reasons"))
