"""Identity noise for agency extracts: typos, nicknames, postcode formatting (date slips: date_slips)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import polars as pl

from synth.names import nickname_table

PostcodeStyle = Literal["spaced_upper", "nospace_upper", "lower", "messy"]

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_NEIGHBOURS: dict[str, str] = {
    "q": "wa", "w": "qeas", "e": "wrsd", "r": "etdf", "t": "ryfg", "y": "tugh", "u": "yihj",
    "i": "uojk", "o": "ipkl", "p": "ol", "a": "qwsz", "s": "awedxz", "d": "serfxc",
    "f": "drtgcv", "g": "ftyhvb", "h": "gyujbn", "j": "huiknm", "k": "jiolm", "l": "kop",
    "z": "asx", "x": "zsdc", "c": "xdfv", "v": "cfgb", "b": "vghn", "n": "bhjm", "m": "njk",
}  # fmt: skip
"""QWERTY keyboard neighbours of each lower-case letter."""

_DELETE, _TRANSPOSE, _SUBSTITUTE, _DOUBLE = range(4)


def _as_series(values: np.ndarray) -> pl.Series:
    """A numpy array of strings (``<U`` or object with None) as a polars String Series."""
    array = np.asarray(values).reshape(-1)
    return pl.Series("v", array.tolist() if array.dtype == object else array, dtype=pl.String)


def check_mask(mask: np.ndarray, n: int) -> np.ndarray:
    """Validate a boolean row mask of length ``n``."""
    out = np.asarray(mask, dtype=bool).reshape(-1)
    if out.size != n:
        raise ValueError(f"mask has {out.size} rows, values have {n}")
    return out


def _scatter(values: np.ndarray, rows: np.ndarray, new: pl.Series | pl.DataFrame) -> np.ndarray:
    """Copy of ``values`` with ``rows`` replaced by ``new``; ``<U`` arrays widen as needed."""
    values = np.asarray(values).reshape(-1)
    new = new.to_series() if isinstance(new, pl.DataFrame) else new
    if values.dtype == object:
        out = values.copy()
        out[rows] = new.to_numpy()
        return out
    replacement = new.to_numpy().astype(str)
    width = max(values.dtype.itemsize // 4, replacement.dtype.itemsize // 4, 1)
    out = values.astype(f"<U{width}")
    out[rows] = replacement
    return out


def _case_style(col: pl.Expr) -> pl.Expr:
    """Case style of each string: 1 UPPER, 2 lower, 3 Title, 0 none of those."""
    upper, lower = col.str.to_uppercase(), col.str.to_lowercase()
    return (
        pl.when((col == upper) & (col != lower))
        .then(1)
        .when((col == lower) & (col != upper))
        .then(2)
        .when(col == col.str.to_titlecase())
        .then(3)
        .otherwise(0)
    )


def _apply_style(style: pl.Expr, col: pl.Expr) -> pl.Expr:
    """Put ``col`` into the case style given by ``style`` (see ``_case_style``)."""
    return (
        pl.when(style == 1)
        .then(col.str.to_uppercase())
        .when(style == 2)
        .then(col.str.to_lowercase())
        .when(style == 3)
        .then(col.str.to_titlecase())
        .otherwise(col)
    )


def _masked_strings(values: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, pl.Series]:
    """Indices of the masked non-null rows, and those rows as a String Series."""
    values = np.asarray(values).reshape(-1)
    rows = np.flatnonzero(check_mask(mask, values.size))
    subset = _as_series(values[rows])
    present = subset.is_not_null()
    return rows[present.to_numpy()], subset.filter(present)


def _substitute_letters(rng: np.random.Generator, old: pl.Series) -> np.ndarray:
    """A replacement letter per row: a keyboard neighbour or another random letter, never ``old``.

    The letter is upper case where ``old`` is an upper-case character.
    """
    n = len(old)
    lowered = old.str.to_lowercase()
    letter_index = lowered.replace_strict(
        list(_LETTERS), list(range(26)), default=-1, return_dtype=pl.Int64
    ).to_numpy()
    flat = np.array([_LETTERS.index(c) for c in "".join(_NEIGHBOURS[c] for c in _LETTERS)])
    sizes = np.array([len(_NEIGHBOURS[c]) for c in _LETTERS])
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    known = np.maximum(letter_index, 0)
    neighbour = flat[starts[known] + (rng.random(n) * sizes[known]).astype(np.int64)]
    other = (known + rng.integers(1, 26, size=n)) % 26  # shift 1..25: never the same letter
    use_neighbour = (rng.random(n) < 0.5) & (letter_index >= 0)
    index = np.where(use_neighbour, neighbour, other)
    is_upper = (old != lowered).to_numpy()
    alphabets = np.array([list(_LETTERS), list(_LETTERS.upper())])
    letters: np.ndarray = alphabets[is_upper.astype(np.int64), index]
    return letters


def _typo_frame(rng: np.random.Generator, s: pl.Series, u: np.ndarray, kind: np.ndarray) -> pl.DataFrame:
    """Pieces of each string around the edit position, for ``add_typos``."""
    length = s.str.len_chars().to_numpy().astype(np.int64)
    kind = np.where(length <= 1, _SUBSTITUTE, kind)
    span = np.maximum(np.where(kind == _TRANSPOSE, length - 1, length), 1)
    frame = pl.DataFrame({"s": s, "pos": (u * span).astype(np.int64), "kind": kind})
    col, p = pl.col("s"), pl.col("pos")
    frame = frame.with_columns(
        head=col.str.slice(0, p),
        c0=col.str.slice(p, 1),
        c1=col.str.slice(p + 1, 1),
        tail1=col.str.slice(p + 1),
        tail2=col.str.slice(p + 2),
        style=_case_style(col),
    )
    return frame.with_columns(sub=pl.Series(_substitute_letters(rng, frame["c0"]), dtype=pl.String))


def add_typos(values: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Apply one keyboard slip to each masked, non-null string.

    The slip is a deletion, a transposition of adjacent characters, a substitution (keyboard
    neighbour or random letter) or a doubled character, at a random position. Strings of
    length 0 or 1 get a substitution. The result always differs from the input and keeps its
    UPPER, lower or Title case style.

    Args:
        values: 1-D array of strings (``<U`` or object, None allowed).
        mask: Boolean array, True for the rows to alter.
        rng: Random generator; the only source of randomness.

    Returns:
        New array of the same kind; unmasked and null rows are unchanged.
    """
    n = np.asarray(values).size
    u, kind = rng.random(n), rng.integers(0, 4, size=n)
    rows, s = _masked_strings(values, mask)
    frame = _typo_frame(rng, s, u[rows], kind[rows])
    head, c0, c1 = pl.col("head"), pl.col("c0"), pl.col("c1")
    tail1, tail2, style = pl.col("tail1"), pl.col("tail2"), pl.col("style")
    frame = frame.with_columns(
        edited=pl.when(pl.col("kind") == _DELETE)
        .then(head + tail1)
        .when(pl.col("kind") == _TRANSPOSE)
        .then(head + c1 + c0 + tail2)
        .when(pl.col("kind") == _SUBSTITUTE)
        .then(head + pl.col("sub") + tail1)
        .otherwise(head + c0 + c0 + tail1)
    ).with_columns(edited=_apply_style(style, pl.col("edited")))
    # A transposition can give back the input (equal letters, or case restyling): double instead.
    same = (frame["edited"] == frame["s"]).to_numpy()
    if same.any():
        doubled = frame.filter(same).select(_apply_style(style, head + c0 + c0 + tail1))
        frame = frame.with_columns(frame["edited"].scatter(np.flatnonzero(same), doubled.to_series()))
    return _scatter(values, rows, frame["edited"])


def use_nicknames(forenames: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Replace masked forenames with a nickname or spelling variant, or a typo if none exists.

    Names are matched in Title Case; UPPER or lower case inputs get the variant in the same case.

    Args:
        forenames: 1-D array of forenames (``<U`` or object, None allowed).
        mask: Boolean array, True for the rows to alter.
        rng: Random generator; the only source of randomness.

    Returns:
        New array of the same kind; unmasked and null rows are unchanged.
    """
    n = np.asarray(forenames).size
    draw = rng.random(n)
    rows, s = _masked_strings(forenames, mask)
    table = nickname_table().with_columns(k=pl.int_range(pl.len()).over("name"))
    counts = table.group_by("name").len()
    key = s.str.to_titlecase()
    count = key.replace_strict(counts["name"], counts["len"], default=0, return_dtype=pl.Int64)
    k = pl.Series((draw[rows] * count.to_numpy()).astype(np.int64))
    lookup = table.select(pl.col("name") + "|" + pl.col("k").cast(pl.String), "nickname")
    nickname = (key + "|" + k.cast(pl.String)).replace_strict(
        lookup["name"], lookup["nickname"], default=None, return_dtype=pl.String
    )
    found = nickname.is_not_null().to_numpy()
    frame = pl.DataFrame({"s": s, "nick": nickname}).filter(found)
    styled = frame.select(_apply_style(_case_style(pl.col("s")), pl.col("nick")))
    out = _scatter(forenames, rows[found], styled)
    missing = np.zeros(n, dtype=bool)
    missing[rows[~found]] = True
    return add_typos(out, missing, rng)


def format_postcodes(
    postcodes: np.ndarray, style: PostcodeStyle, rng: np.random.Generator | None = None
) -> np.ndarray:
    """Reformat UK postcodes.

    Postcodes are first normalised (whitespace removed, upper case, a space before the last
    three characters when there are at least five).

    Args:
        postcodes: 1-D array of postcode strings (``<U`` or object, None allowed).
        style: ``"spaced_upper"`` (B15 2TT), ``"nospace_upper"`` (B152TT), ``"lower"``
            (b15 2tt) or ``"messy"`` (a random mix of those, some with stray leading or
            trailing spaces).
        rng: Random generator; required for ``"messy"``.

    Returns:
        New array of the same kind; null rows stay null.
    """
    series = _as_series(postcodes)
    n = len(series)
    frame = series.to_frame().with_columns(compact=pl.col("v").str.replace_all(r"\s+", "").str.to_uppercase())
    n_chars = pl.col("compact").str.len_chars()
    frame = frame.with_columns(
        spaced=pl.when(n_chars >= 5)
        .then(pl.col("compact").str.head(n_chars - 3) + " " + pl.col("compact").str.tail(3))
        .otherwise(pl.col("compact"))
    )
    styles = {
        "spaced_upper": pl.col("spaced"),
        "nospace_upper": pl.col("compact"),
        "lower": pl.col("spaced").str.to_lowercase(),
    }
    if style == "messy":
        if rng is None:
            raise ValueError("style 'messy' needs an rng")
        choice = rng.integers(0, 3, size=n)
        lead = np.where(rng.random(n) < 0.2, " ", "")
        trail = np.where(rng.random(n) < 0.2, " ", "")
        picked = (
            pl.when(pl.col("choice") == 0)
            .then(styles["spaced_upper"])
            .when(pl.col("choice") == 1)
            .then(styles["nospace_upper"])
            .otherwise(styles["lower"])
        )
        frame = frame.with_columns(choice=choice, lead=lead, trail=trail)
        result = frame.select(pl.col("lead") + picked + pl.col("trail"))
    elif style in styles:
        result = frame.select(styles[style])
    else:
        raise ValueError(f"unknown postcode style {style!r}")
    return _scatter(postcodes, np.arange(n), result)
