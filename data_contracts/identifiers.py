"""Check digits for NHS numbers, UPNs and PNC IDs: one definition for generator and validator."""

from __future__ import annotations

import re

import numpy as np
import polars as pl

NHS_WEIGHTS: tuple[int, ...] = (10, 9, 8, 7, 6, 5, 4, 3, 2)
"""Weights applied to NHS number digits 1-9."""

UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
"""UPN check letters, indexed by the weighted digit sum mod 23."""

PNC_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"
"""PNC ID check characters, indexed by int(YY + serial) mod 23."""

_NHS_RE = re.compile(r"[0-9]{10}")
_UPN_RE = re.compile(r"[A-Z][0-9]{12}")
_PNC_RE = re.compile(r"[0-9]{4}/[0-9]{7}[A-Z]")


# --- numpy: used by the generator ------------------------------------------------------------


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """Split non-negative integers into (n, width) decimal digits, most significant first."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (np.asarray(values, dtype=np.int64)[:, None] // powers) % 10


def nhs_check_digits(bodies: np.ndarray) -> np.ndarray:
    """Compute NHS number check digits (modulus 11).

    Args:
        bodies: int64 array of 9-digit bodies (the first nine digits read as one integer).

    Returns:
        int64 array of check digits 0-9, or -1 where the body can never be issued (remainder 10).
    """
    total = _digits(bodies, 9) @ np.asarray(NHS_WEIGHTS, dtype=np.int64)
    check = 11 - total % 11
    check = np.where(check == 11, 0, check)
    return np.where(check == 10, -1, check).astype(np.int64)


def upn_check_letters(digits12: np.ndarray) -> np.ndarray:
    """Compute UPN check letters.

    Args:
        digits12: int64 array of the 12 digits after the check letter (LA code, establishment,
            year, serial) read as one integer, leading zeros implied.

    Returns:
        Array of single-character check letters (dtype ``<U1``).
    """
    weights = np.arange(2, 14, dtype=np.int64)
    index = (_digits(digits12, 12) @ weights) % 23
    return np.asarray(list(UPN_LETTERS), dtype="<U1")[index]


def pnc_check_chars(yy: np.ndarray, serial: np.ndarray) -> np.ndarray:
    """Compute PNC ID check characters.

    Args:
        yy: int array of years; only the last two digits are used.
        serial: int array of 7-digit serial numbers.

    Returns:
        Array of single-character check characters (dtype ``<U1``).
    """
    number = (np.asarray(yy, dtype=np.int64) % 100) * 10_000_000 + np.asarray(serial, np.int64)
    return np.asarray(list(PNC_LETTERS), dtype="<U1")[number % 23]


# --- scalar validators ---------------------------------------------------------------------


def is_valid_nhs_number(value: str) -> bool:
    """Check a 10-digit NHS number (no spaces) against its modulus-11 check digit.

    Args:
        value: The candidate NHS number, already normalised by the caller.

    Returns:
        True if the value is ten ASCII digits and the check digit is correct.
    """
    if not isinstance(value, str) or _NHS_RE.fullmatch(value) is None:
        return False
    total = sum(int(d) * w for d, w in zip(value[:9], NHS_WEIGHTS, strict=True))
    check = (11 - total % 11) % 11
    return check != 10 and check == int(value[9])


def is_valid_upn(value: str) -> bool:
    """Check a 13-character unique pupil number against its check letter.

    Args:
        value: The candidate UPN, already normalised by the caller.

    Returns:
        True if the value is a capital letter followed by 12 digits and the letter is correct.
    """
    if not isinstance(value, str) or _UPN_RE.fullmatch(value) is None:
        return False
    total = sum(int(d) * i for i, d in enumerate(value[1:], start=2))
    return value[0] == UPN_LETTERS[total % 23]


def is_valid_pnc_id(value: str) -> bool:
    """Check a PNC person ID of the form ``YYYY/NNNNNNNC`` against its check character.

    Args:
        value: The candidate PNC ID, already normalised by the caller.

    Returns:
        True if the value has the right shape and the check character is correct.
    """
    if not isinstance(value, str) or _PNC_RE.fullmatch(value) is None:
        return False
    return value[12] == PNC_LETTERS[int(value[2:4] + value[5:12]) % 23]


# --- polars expressions --------------------------------------------------------------------


def _digit(expr: pl.Expr, position: int) -> pl.Expr:
    """The digit at a 0-based position as Int64 (null if not a digit)."""
    return expr.str.slice(position, 1).cast(pl.Int64, strict=False)


def _guarded(expr: pl.Expr, pattern: str, check: pl.Expr) -> pl.Expr:
    """Null for null input, False if the shape is wrong, otherwise the check result."""
    shape_ok = expr.str.contains(pattern)
    return (
        pl.when(expr.is_null())
        .then(pl.lit(None, dtype=pl.Boolean))
        .when(shape_ok)
        .then(check.fill_null(False))
        .otherwise(pl.lit(False))
    )


def nhs_number_is_valid(expr: pl.Expr) -> pl.Expr:
    """Build a vectorised NHS number check.

    Args:
        expr: String expression holding candidate NHS numbers.

    Returns:
        Boolean expression: True/False per row, null where the input is null.
    """
    total = pl.sum_horizontal([_digit(expr, i) * w for i, w in enumerate(NHS_WEIGHTS)])
    check = (11 - total % 11) % 11
    return _guarded(expr, r"^[0-9]{10}$", (check != 10) & (check == _digit(expr, 9)))


def upn_is_valid(expr: pl.Expr) -> pl.Expr:
    """Build a vectorised UPN check.

    Args:
        expr: String expression holding candidate UPNs.

    Returns:
        Boolean expression: True/False per row, null where the input is null.
    """
    total = pl.sum_horizontal([_digit(expr, i - 1) * i for i in range(2, 14)])
    expected = (total % 23).replace_strict(list(range(23)), list(UPN_LETTERS), return_dtype=pl.String)
    return _guarded(expr, r"^[A-Z][0-9]{12}$", expr.str.slice(0, 1) == expected)


def pnc_id_is_valid(expr: pl.Expr) -> pl.Expr:
    """Build a vectorised PNC ID check.

    Args:
        expr: String expression holding candidate PNC IDs (``YYYY/NNNNNNNC``).

    Returns:
        Boolean expression: True/False per row, null where the input is null.
    """
    number = (expr.str.slice(2, 2) + expr.str.slice(5, 7)).cast(pl.Int64, strict=False)
    expected = (number % 23).replace_strict(list(range(23)), list(PNC_LETTERS), return_dtype=pl.String)
    return _guarded(expr, r"^[0-9]{4}/[0-9]{7}[A-Z]$", expr.str.slice(12, 1) == expected)


# --- placeholders ----------------------------------------------------------------------------

_ONE_DIGIT_REPEATED = "^(?:" + "|".join(f"{d}+" for d in range(10)) + ")$"


def normalised_identifier(expr: pl.Expr) -> pl.Expr:
    """An identifier as staging writes it: every (Unicode) space removed, upper case."""
    return expr.str.replace_all(r"\s+", "").str.to_uppercase()


def is_placeholder(expr: pl.Expr, values: tuple[str, ...], repeated_digits: bool) -> pl.Expr:
    """Build a check for placeholder identifiers: dummies that pass the check digit but name nobody.

    Every repeated-digit NHS number passes modulus 11, and ``A000000000000`` and
    ``0000/0000000Z`` pass theirs, so check digits alone let them through.

    Args:
        expr: String expression holding identifiers, as sent or as staged.
        values: the known placeholders, as staged (no spaces, upper case).
        repeated_digits: whether a value whose digits are all one digit is also a placeholder.

    Returns:
        Boolean expression: True for a placeholder, False otherwise (including null).
    """
    value = normalised_identifier(expr)
    found = value.is_in(list(values))
    if repeated_digits:
        found |= value.str.replace_all("[^0-9]", "").str.contains(_ONE_DIGIT_REPEATED)
    return found.fill_null(False)
