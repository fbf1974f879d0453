"""The rulebook as a Markdown document for a governance board."""

from __future__ import annotations

import jinja2

from features.registry import registry
from rules.rulebook import Rulebook


def render_book(book: Rulebook) -> str:
    """Every rule with its condition, reason, features read, owner, policy reference and the version."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("rules", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown, not HTML
        keep_trailing_newline=True,
    )
    return env.get_template("rulebook.md.j2").render(book=book, features=registry())
