"""The one Jinja environment factory for every document cohort renders (HTML reports, Markdown books).

Each package keeps its templates in its own ``templates/`` folder; this gives them all the same
rules: missing values are errors (StrictUndefined), HTML is autoescaped, and the number formats
``pct`` and ``num`` show ``n/a`` for unknowns.
"""

from __future__ import annotations

from functools import cache

import jinja2


@cache
def environment(package: str, *, markdown: bool = False, trim_blocks: bool = False) -> jinja2.Environment:
    """The environment over ``package``'s templates.

    Args:
        package: the package whose ``templates/`` folder holds the templates (e.g. ``"governance"``).
        markdown: Markdown output: no HTML escaping, and the trailing newline kept.
        trim_blocks: drop the newline after a block tag and the spaces before it (governance documents).
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=not markdown,
        undefined=jinja2.StrictUndefined,
        trim_blocks=trim_blocks,
        lstrip_blocks=trim_blocks,
        keep_trailing_newline=markdown,
    )
    env.filters["pct"] = pct
    env.filters["num"] = num
    return env


def pct(value: float | None, places: int = 1) -> str:
    """A share as a percentage ("12.5%"), or n/a."""
    return "n/a" if value is None else f"{value:.{places}%}"


def num(value: float | None, places: int = 3) -> str:
    """A number to ``places`` decimals, or n/a."""
    return "n/a" if value is None else f"{value:.{places}f}"
