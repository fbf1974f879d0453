"""Generate valid, unique NHS numbers, UPNs and PNC IDs, and malform some for invalid rows."""

from __future__ import annotations

from typing import Literal

import numpy as np

from data_contracts.identifiers import (
    PNC_LETTERS,
    UPN_LETTERS,
    nhs_check_digits,
    pnc_check_chars,
    upn_check_letters,
)

IdentifierKind = Literal["nhs", "upn", "pnc"]

NHS_BODY_RANGES: tuple[tuple[int, int], ...] = (
    (400_000_000, 500_000_000),
    (600_000_000, 800_000_000),
)
"""Half-open ranges of 9-digit bodies to draw from (the blocks issued in England and Wales)."""

_SHAPES: dict[str, tuple[int, int, str]] = {
    "nhs": (10, 9, "0123456789"),
    "upn": (13, 0, UPN_LETTERS),
    "pnc": (13, 12, PNC_LETTERS),
}
"""Per kind: length, position of the check character, and its alphabet."""


def _draw_nhs_bodies(rng: np.random.Generator, size: int) -> np.ndarray:
    """Draw 9-digit bodies uniformly over ``NHS_BODY_RANGES``."""
    starts = np.array([lo for lo, _ in NHS_BODY_RANGES], dtype=np.int64)
    ends = np.cumsum([hi - lo for lo, hi in NHS_BODY_RANGES])
    offset = rng.integers(0, ends[-1], size=size, dtype=np.int64)
    block = np.searchsorted(ends, offset, side="right")
    bodies: np.ndarray = starts[block] + offset - np.r_[0, ends[:-1]][block]
    return bodies


def generate_nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Generate unique, valid NHS numbers.

    Args:
        rng: Random generator; the only source of randomness.
        n: How many numbers to generate.

    Returns:
        Array of ``n`` distinct 10-digit strings (dtype ``<U10``) in draw order.
    """
    capacity = sum(hi - lo for lo, hi in NHS_BODY_RANGES) * 10 // 11
    if not 0 <= n <= capacity // 2:
        raise ValueError(f"n must be between 0 and {capacity // 2}, got {n}")
    numbers = np.empty(0, dtype=np.int64)
    while numbers.size < n:
        bodies = _draw_nhs_bodies(rng, int((n - numbers.size) * 1.15) + 16)
        checks = nhs_check_digits(bodies)
        candidates = np.concatenate([numbers, (bodies * 10 + checks)[checks >= 0]])
        _, first = np.unique(candidates, return_index=True)
        numbers = candidates[np.sort(first)]
    return numbers[:n].astype("<U10")


def _unique_within_groups(rng: np.random.Generator, keys: np.ndarray, modulus: int) -> np.ndarray:
    """Give each row a code in ``[0, modulus)``, distinct within rows sharing a key.

    ``modulus`` must be a power of ten. Each group gets a random affine permutation
    ``(start + rank * step) % modulus`` with ``step`` ending in 1, 3, 7 or 9 (so coprime to
    ``modulus``), which makes codes unique in a group of up to ``modulus`` rows.
    """
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    new_group = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
    group_id = np.cumsum(new_group) - 1
    group_start = np.flatnonzero(new_group)
    rank = np.arange(keys.size) - group_start[group_id]
    if rank.size and rank.max() >= modulus:
        raise ValueError(f"a group has more than {modulus} rows; codes cannot be unique")
    n_groups = group_start.size
    start = rng.integers(0, modulus, size=n_groups, dtype=np.int64)
    last_digit = np.array([1, 3, 7, 9], dtype=np.int64)[rng.integers(0, 4, size=n_groups)]
    step = (10 * rng.integers(0, max(modulus // 10, 1), size=n_groups) + last_digit) % modulus
    codes = np.empty(keys.size, dtype=np.int64)
    codes[order] = (start[group_id] + rank * step[group_id]) % modulus
    return codes


def _zero_pad(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers below ``10**width`` as zero-padded strings (dtype ``<U{width}``)."""
    text = (np.asarray(values, dtype=np.int64) + 10**width).astype(f"<U{width + 1}")
    chars = np.ascontiguousarray(text.view("<U1").reshape(-1, width + 1)[:, 1:])
    padded: np.ndarray = chars.view(f"<U{width}").reshape(-1)
    return padded


def _check_range(name: str, values: np.ndarray, upper: int) -> np.ndarray:
    """Return ``values`` as int64, raising if any lies outside ``[0, upper)``."""
    out = np.asarray(values, dtype=np.int64)
    if out.size and (out.min() < 0 or out.max() >= upper):
        raise ValueError(f"{name} must lie in [0, {upper})")
    return out


def generate_upns(
    rng: np.random.Generator,
    la_codes: np.ndarray,
    establishments: np.ndarray,
    years: np.ndarray,
) -> np.ndarray:
    """Generate unique pupil numbers with serials unique per (LA, establishment, year).

    Args:
        rng: Random generator; the only source of randomness.
        la_codes: int array of 3-digit local authority codes.
        establishments: int array of 4-digit establishment numbers.
        years: int array of allocation years (4-digit or 2-digit; the last two digits are used).

    Returns:
        Array of 13-character UPN strings (dtype ``<U13``), one per input row.
    """
    la = _check_range("la_codes", la_codes, 1_000)
    est = _check_range("establishments", establishments, 10_000)
    yy = _check_range("years", years, 10_000) % 100
    if not la.shape == est.shape == yy.shape or la.ndim != 1:
        raise ValueError("la_codes, establishments and years must be 1-D and of equal length")
    prefix = la * 10**9 + est * 10**5 + yy * 10**3
    digits12 = prefix + _unique_within_groups(rng, prefix, 1_000)
    return np.char.add(upn_check_letters(digits12), _zero_pad(digits12, 12))


def generate_pnc_ids(rng: np.random.Generator, years: np.ndarray) -> np.ndarray:
    """Generate unique PNC person IDs ``YYYY/NNNNNNNC``.

    Args:
        rng: Random generator; the only source of randomness.
        years: int array of 4-digit years of first recording.

    Returns:
        Array of 13-character PNC ID strings (dtype ``<U13``), unique per input row.
    """
    year = _check_range("years", years, 10_000)
    if year.ndim != 1:
        raise ValueError("years must be 1-D")
    serial = _unique_within_groups(rng, year, 10_000_000)
    head = np.char.add(_zero_pad(year, 4), "/")
    body = np.char.add(head, _zero_pad(serial, 7))
    return np.char.add(body, pnc_check_chars(year, serial))


def _correct_check(codes: np.ndarray, kind: IdentifierKind) -> np.ndarray:
    """Correct check character (as a code point; -1 if none exists) from a (n, width) array."""
    digits = np.where((codes >= 48) & (codes <= 57), codes - 48, 0).astype(np.int64)
    if kind == "nhs":
        check = nhs_check_digits(digits[:, :9] @ 10 ** np.arange(8, -1, -1, dtype=np.int64))
        return np.where(check >= 0, check + 48, -1)
    if kind == "upn":
        letters = upn_check_letters(digits[:, 1:] @ 10 ** np.arange(11, -1, -1, dtype=np.int64))
    else:
        number = digits[:, [2, 3, 5, 6, 7, 8, 9, 10, 11]] @ 10 ** np.arange(8, -1, -1)
        letters = pnc_check_chars(number // 10**7, number % 10**7)
    return letters.view(np.uint32).astype(np.int64)


def malform_identifiers(rng: np.random.Generator, values: np.ndarray, kind: IdentifierKind) -> np.ndarray:
    """Make identifiers that fail validation while mostly keeping their shape.

    Two thirds of rows keep length and shape but get a wrong check character drawn from the
    same alphabet; the other third lose one character at a random position.

    Args:
        rng: Random generator; the only source of randomness.
        values: Array of well-formed identifier strings of the given kind.
        kind: ``"nhs"``, ``"upn"`` or ``"pnc"``.

    Returns:
        Array of malformed identifier strings, one per input row.
    """
    width, check_at, alphabet = _SHAPES[kind]
    arr = np.asarray(values, dtype=str)
    if arr.ndim != 1 or (arr.size and (np.strings.str_len(arr) != width).any()):
        raise ValueError(f"values must be 1-D with {width} characters each for kind {kind!r}")
    codes = arr.astype(f"<U{width}").view(np.uint32).reshape(arr.size, width).astype(np.int64)
    alpha = np.frombuffer(alphabet.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    position_of = np.zeros(128, dtype=np.int64)
    position_of[alpha] = np.arange(alpha.size)
    # Draw among the alphabet without the correct character (or the current one if none).
    correct = _correct_check(codes, kind)
    banned = np.clip(np.where(correct >= 0, correct, codes[:, check_at]), 0, 127)
    pick = rng.integers(0, alpha.size - 1, size=arr.size)
    new_check = alpha[pick + (pick >= position_of[banned])]
    drop = rng.random(arr.size) < 1 / 3
    position = rng.integers(0, width, size=arr.size)
    codes[:, check_at] = np.where(drop, codes[:, check_at], new_check)
    columns = np.arange(width)[None, :]
    shifted = np.take_along_axis(codes, np.minimum(columns + 1, width - 1), axis=1)
    dropped = np.where(columns < position[:, None], codes, shifted)
    dropped[:, -1] = 0
    out = np.where(drop[:, None], dropped, codes).astype(np.uint32)
    return out.reshape(-1).view(f"<U{width}")
