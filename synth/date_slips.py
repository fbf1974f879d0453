"""Date-of-birth slips in agency extracts: day and month swapped, or the year one out."""

from __future__ import annotations

import numpy as np

from synth.noise import check_mask


def _split_dates(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year start, month (1-12) and day (1-31) of datetime64[D] values."""
    month_start = dates.astype("datetime64[M]")
    year_start = dates.astype("datetime64[Y]")
    month = (month_start - year_start.astype("datetime64[M]")).astype(np.int64) + 1
    day = (dates - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    return year_start, month, day


def _build_dates(year_start: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """datetime64[D] from a year start and month/day numbers (day assumed valid)."""
    month_start = year_start.astype("datetime64[M]") + (month - 1)
    dates: np.ndarray = month_start.astype("datetime64[D]") + (day - 1)
    return dates


def swap_day_month(dates: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Swap day and month where that gives a different valid date, else move by one day.

    Args:
        dates: 1-D datetime64[D] array (NaT allowed; left unchanged).
        mask: Boolean array, True for the rows to alter.
        rng: Random generator; the only source of randomness.

    Returns:
        New datetime64[D] array; unmasked rows are unchanged.
    """
    dates = np.asarray(dates, dtype="datetime64[D]").reshape(-1)
    mask = check_mask(mask, dates.size) & ~np.isnat(dates)
    step = rng.integers(0, 2, size=dates.size) * 2 - 1
    year_start, month, day = _split_dates(dates)
    swappable = (day <= 12) & (day != month)
    swapped = _build_dates(year_start, np.where(swappable, day, 1), np.where(swappable, month, 1))
    moved = np.where(swappable, swapped, dates + step)
    return np.where(mask, moved, dates)


def shift_birth_year(dates: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move masked dates one year earlier or later; 29 February becomes 28 February if needed.

    Args:
        dates: 1-D datetime64[D] array (NaT allowed; left unchanged).
        mask: Boolean array, True for the rows to alter.
        rng: Random generator; the only source of randomness.

    Returns:
        New datetime64[D] array; unmasked rows are unchanged.
    """
    dates = np.asarray(dates, dtype="datetime64[D]").reshape(-1)
    mask = check_mask(mask, dates.size) & ~np.isnat(dates)
    step = rng.integers(0, 2, size=dates.size) * 2 - 1
    year_start, month, day = _split_dates(dates)
    target_year = np.where(mask, year_start + step, year_start)
    month_start = target_year.astype("datetime64[M]") + (month - 1)
    month_end = (month_start + 1).astype("datetime64[D]") - 1
    shifted = np.minimum(month_start.astype("datetime64[D]") + (day - 1), month_end)
    return np.where(mask, shifted, dates)
