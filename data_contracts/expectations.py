"""Great Expectations expectations the core library lacks: agency date formats, check digits, ranges.

Each one is a column (or column-pair) map expectation, so Great Expectations reports every
failing row exactly as it does for its own expectations. The checks are vectorised with
Polars on the pandas column Great Expectations hands over (zero-copy for Arrow-backed frames),
and reuse the same check-digit code the synthetic generator uses.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import pandas as pd
import polars as pl
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation, ColumnPairMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    ColumnPairMapMetricProvider,
    column_condition_partial,
    column_pair_condition_partial,
)

from data_contracts.identifiers import is_placeholder, nhs_number_is_valid, pnc_id_is_valid, upn_is_valid
from data_contracts.parsing import parse_dates

CHECK_DIGITS = {"nhs": nhs_number_is_valid, "upn": upn_is_valid, "pnc": pnc_id_is_valid}


def _polars(column: pd.Series) -> pl.Series:
    series = pl.from_pandas(column.reset_index(drop=True))
    assert isinstance(series, pl.Series)
    return series.cast(pl.String)


def _pandas_mask(ok: pl.Series, index: pd.Index) -> pd.Series:
    return pd.Series(ok.fill_null(True).to_numpy().astype(bool), index=index)


# --- metrics ---------------------------------------------------------------------------------


class ColumnValuesAreDatesInFormat(ColumnMapMetricProvider):
    condition_metric_name = "column_values.cohort_dates_in_format"
    condition_value_keys = ("date_format",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, date_format: str, **kwargs: Any) -> pd.Series:
        return _pandas_mask(parse_dates(_polars(column), date_format).is_not_null(), column.index)


class ColumnValuesHaveValidCheckDigits(ColumnMapMetricProvider):
    condition_metric_name = "column_values.cohort_valid_check_digits"
    condition_value_keys = ("scheme",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, scheme: str, **kwargs: Any) -> pd.Series:
        frame = pl.DataFrame({"v": _polars(column)})
        return _pandas_mask(frame.select(CHECK_DIGITS[scheme](pl.col("v"))).to_series(), column.index)


class ColumnValuesAreNotPlaceholders(ColumnMapMetricProvider):
    condition_metric_name = "column_values.cohort_not_placeholders"
    condition_value_keys = ("values", "repeated_digits")

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, values: list[str], repeated_digits: bool, **kwargs: Any) -> pd.Series:
        frame = pl.DataFrame({"v": _polars(column)})
        found = frame.select(is_placeholder(pl.col("v"), tuple(values), repeated_digits)).to_series()
        return _pandas_mask(~found, column.index)


class ColumnValuesAreWholeNumbersBetween(ColumnMapMetricProvider):
    condition_metric_name = "column_values.cohort_whole_numbers_between"
    condition_value_keys = ("min_value", "max_value")

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, min_value: int, max_value: int, **kwargs: Any) -> pd.Series:
        text = _polars(column)
        numbers = text.str.strip_chars().cast(pl.Int64, strict=False)
        ok = text.str.contains(r"^\s*-?[0-9]+\s*$") & numbers.is_between(min_value, max_value)
        return _pandas_mask(ok.fill_null(False), column.index)


class ColumnValuesMatchPattern(ColumnMapMetricProvider):
    condition_metric_name = "column_values.cohort_match_pattern"
    condition_value_keys = ("pattern", "negate")

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, pattern: str, negate: bool, **kwargs: Any) -> pd.Series:
        found = _polars(column).str.contains(pattern)
        return _pandas_mask(~found if negate else found, column.index)


class ColumnPairDatesWithinExtractWindow(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.cohort_dates_within_extract_window"
    condition_domain_keys = ("batch_id", "table", "column_A", "column_B", "ignore_row_if")
    condition_value_keys = ("date_format", "max_years_before", "max_years_after")

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(
        cls,
        column_A: pd.Series,  # noqa: N803
        column_B: pd.Series,  # noqa: N803
        date_format: str,
        max_years_before: int | None,
        max_years_after: int | None = None,
        **kwargs: Any,
    ) -> pd.Series:
        # a value that is not a date passes here: the date-format expectation reports it
        frame = pl.DataFrame(
            {
                "day": parse_dates(_polars(column_A), date_format),
                "extract": pl.from_pandas(column_B.reset_index(drop=True)),
            }
        ).with_columns(pl.col("extract").cast(pl.Date))
        latest = pl.col("extract")
        if max_years_after is not None:
            latest = latest.dt.offset_by(f"{max_years_after}y")
        ok = pl.col("day") <= latest
        if max_years_before is not None:
            ok &= pl.col("day") >= pl.col("extract").dt.offset_by(f"-{max_years_before}y")
        return _pandas_mask(frame.select(ok).to_series(), column_A.index)


class ColumnPairDatesInOrder(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.cohort_dates_in_order"
    condition_domain_keys = ("batch_id", "table", "column_A", "column_B", "ignore_row_if")
    condition_value_keys = ("date_format",)

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, date_format: str, **kwargs: Any) -> pd.Series:  # noqa: N803
        earlier = parse_dates(_polars(column_A), date_format)
        later = parse_dates(_polars(column_B), date_format)
        return _pandas_mask(later >= earlier, column_A.index)


class ColumnPairWholeNumbersNotAbove(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.cohort_whole_numbers_not_above"
    condition_domain_keys = ("batch_id", "table", "column_A", "column_B", "ignore_row_if")
    condition_value_keys = ()

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **kwargs: Any) -> pd.Series:  # noqa: N803
        # a value that is not a whole number passes here: the whole-number expectation reports it
        smaller = _polars(column_A).str.strip_chars().cast(pl.Int64, strict=False)
        larger = _polars(column_B).str.strip_chars().cast(pl.Int64, strict=False)
        return _pandas_mask(smaller <= larger, column_A.index)


class ColumnPairValuesUniqueTogether(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.cohort_unique_together"
    condition_domain_keys = ("batch_id", "table", "column_A", "column_B", "ignore_row_if")
    condition_value_keys = ()

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A: pd.Series, column_B: pd.Series, **kwargs: Any) -> pd.Series:  # noqa: N803
        pairs = pl.DataFrame({"a": _polars(column_A), "b": _polars(column_B)})
        return _pandas_mask(~pairs.is_duplicated(), column_A.index)


# --- expectations ----------------------------------------------------------------------------


class ExpectColumnValuesToBeDatesInFormat(ColumnMapExpectation):
    """Expect each value to be a real calendar date written in the agency's format."""

    date_format: str
    map_metric = "column_values.cohort_dates_in_format"
    success_keys = ("date_format", "mostly")
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "experimental", "tags": ["cohort"]}


class ExpectColumnValuesToHaveValidCheckDigits(ColumnMapExpectation):
    """Expect each value to be a well-formed identifier whose check digit is right."""

    scheme: Literal["nhs", "upn", "pnc"]
    map_metric = "column_values.cohort_valid_check_digits"
    success_keys = ("scheme", "mostly")
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "experimental", "tags": ["cohort"]}


class ExpectColumnValuesToNotBePlaceholders(ColumnMapExpectation):
    """Expect no value to be a placeholder identifier: a listed dummy, or (optionally) one digit repeated."""

    values: list[str]
    repeated_digits: bool
    map_metric = "column_values.cohort_not_placeholders"
    success_keys = ("values", "repeated_digits", "mostly")
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "experimental", "tags": ["cohort"]}


class ExpectColumnValuesToBeWholeNumbersBetween(ColumnMapExpectation):
    """Expect each value to be a whole number written in digits, within a range."""

    min_value: int
    max_value: int
    map_metric = "column_values.cohort_whole_numbers_between"
    success_keys = ("min_value", "max_value", "mostly")
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "experimental", "tags": ["cohort"]}


class ExpectColumnValuesToMatchPattern(ColumnMapExpectation):
    """Expect each value to match (or, with ``negate``, not to match) a regular expression.

    GX's own regex expectations turn every value into a Python string first; this one runs the
    regular expression over the whole column at once.
    """

    pattern: str
    negate: bool = False
    map_metric = "column_values.cohort_match_pattern"
    success_keys = ("pattern", "negate", "mostly")
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "experimental", "tags": ["cohort"]}


class ExpectColumnPairDatesToBeWithinExtractWindow(ColumnPairMapExpectation):
    """Expect each date in column_A (agency format) on or before its file's extract date in column_B.

    With ``max_years_before``, also no more than that many years before it; with
    ``max_years_after``, up to that many years after it instead of on or before it.
    """

    date_format: str
    max_years_before: int | None = None
    max_years_after: int | None = None
    ignore_row_if: Literal["either_value_is_missing"] = "either_value_is_missing"
    map_metric = "column_pair_values.cohort_dates_within_extract_window"
    success_keys = (
        "column_A",
        "column_B",
        "date_format",
        "max_years_before",
        "max_years_after",
        "ignore_row_if",
        "mostly",
    )
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "experimental", "tags": ["cohort"]}


class ExpectColumnPairDatesToBeInOrder(ColumnPairMapExpectation):
    """Expect the date in column_B not to be before the date in column_A (rows missing either are skipped)."""

    date_format: str
    ignore_row_if: Literal["either_value_is_missing"] = "either_value_is_missing"
    map_metric = "column_pair_values.cohort_dates_in_order"
    success_keys = ("column_A", "column_B", "date_format", "ignore_row_if", "mostly")
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "experimental", "tags": ["cohort"]}


class ExpectColumnPairWholeNumbersToBeNotAbove(ColumnPairMapExpectation):
    """Expect the whole number in column_A not to exceed the one in column_B (rows missing either pass)."""

    ignore_row_if: Literal["either_value_is_missing"] = "either_value_is_missing"
    map_metric = "column_pair_values.cohort_whole_numbers_not_above"
    success_keys = ("column_A", "column_B", "ignore_row_if", "mostly")
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "experimental", "tags": ["cohort"]}


class ExpectColumnPairValuesToBeUniqueTogether(ColumnPairMapExpectation):
    """Expect no two rows to share the same pair of values (every copy of a repeated pair fails).

    GX's compound-uniqueness expectation hashes rows in pandas, ten times slower on large extracts.
    """

    ignore_row_if: Literal["either_value_is_missing"] = "either_value_is_missing"
    map_metric = "column_pair_values.cohort_unique_together"
    success_keys = ("column_A", "column_B", "ignore_row_if", "mostly")
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "experimental", "tags": ["cohort"]}


__all__ = [
    "ExpectColumnPairValuesToBeUniqueTogether",
    "ExpectColumnPairDatesToBeInOrder",
    "ExpectColumnPairDatesToBeWithinExtractWindow",
    "ExpectColumnPairWholeNumbersToBeNotAbove",
    "ExpectColumnValuesToMatchPattern",
    "ExpectColumnValuesToBeDatesInFormat",
    "ExpectColumnValuesToBeWholeNumbersBetween",
    "ExpectColumnValuesToHaveValidCheckDigits",
    "ExpectColumnValuesToNotBePlaceholders",
]
