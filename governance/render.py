"""Rendering governance documents: one Jinja environment over governance/templates, autoescaped,
strict about missing values, with the number formats every document shares."""

from __future__ import annotations

from functools import cache

import jinja2


@cache
def environment() -> jinja2.Environment:
    """The templates' environment: ``pct`` and ``num`` format values, showing n/a for unknowns."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("governance", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = pct
    env.filters["num"] = num
    return env


def render(template: str, **context: object) -> str:
    """Render one template of governance/templates."""
    return environment().get_template(template).render(**context)


def pct(value: float | None, places: int = 1) -> str:
    """A share as a percentage ("12.5%"), or n/a."""
    return "n/a" if value is None else f"{value:.{places}%}"


def num(value: float | None, places: int = 3) -> str:
    """A number to ``places`` decimals, or n/a."""
    return "n/a" if value is None else f"{value:.{places}f}"
