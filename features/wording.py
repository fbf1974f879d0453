"""How templates agree with their numbers: ``[one|other]`` after a count reads "1 offence", "2 offences".

A template (the feature registry's, a rule's reason, a safeguarding note, a pathway's ``because``)
writes a word or phrase that depends on a number as ``[one|other]``: the choice agrees with the
nearest number placeholder before it, and reads ``one`` exactly when that number is 1. So
``"{value} [offence|offences] as suspect"`` reads "1 offence as suspect" and "3 offences as
suspect", and ``"{n} of their associates [was a victim|were victims]"`` agrees too. Text outside
brackets is left alone, and a template with no brackets reads exactly as before.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator

AGREEMENT = re.compile(r"\[([^\[\]|{}]*)\|([^\[\]|{}]*)\]")
"""``[one|other]``: the form for exactly 1, and the form for any other number."""


def agreeing(number: float | int) -> bool:
    """Whether a number takes the singular form (it is exactly 1)."""
    return number == 1


def agree(text: str, number: float | int) -> str:
    """Every ``[one|other]`` in ``text`` chosen for ``number``.

    Args:
        text: a filled template with one number (the registry's, after ``{value}``).
        number: the value the choices agree with.

    Returns:
        The text with each choice resolved.
    """
    return AGREEMENT.sub(lambda m: m.group(1) if agreeing(number) else m.group(2), text)


def pieces(literal: str) -> Iterator[tuple[str, tuple[str, str] | None]]:
    """A template's literal text split into plain text and the choices in it, in order.

    Yields:
        (plain text, None) or ("", (one, other)).
    """
    at = 0
    for match in AGREEMENT.finditer(literal):
        if match.start() > at:
            yield literal[at : match.start()], None
        yield "", (match.group(1), match.group(2))
        at = match.end()
    if at < len(literal):
        yield literal[at:], None


def agreement_problem(template: str, numeric: set[str]) -> str | None:
    """What is wrong with the ``[one|other]`` choices of a template over named placeholders, or None.

    Every choice needs a number placeholder (one of ``numeric``) before it, and brackets must be
    written ``[one|other]``.

    Args:
        template: the template text, ``{name}`` placeholders included.
        numeric: the placeholders that hold numbers.
    """
    last: str | None = None
    for literal, name, _, _ in string.Formatter().parse(template):
        for plain, choice in pieces(literal):
            if choice is not None and (last is None or last not in numeric):
                return f"[{choice[0]}|{choice[1]}] must follow a number placeholder to agree with" + (
                    f" ({{{last}}} is not a number)" if last else ""
                )
            if "[" in plain or "]" in plain:
                return "write a number's words as [one|other] (for example [offence|offences])"
        if name:
            last = name
    return None
