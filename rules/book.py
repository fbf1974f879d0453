"""The rulebook as a Markdown document for a governance board."""

from __future__ import annotations

from data_contracts.rendering import environment
from features.registry import registry
from rules.rulebook import Rulebook


def render_book(book: Rulebook) -> str:
    """Every rule with its condition, reason, features read, owner, policy reference and the version."""
    env = environment("rules", markdown=True)
    return env.get_template("rulebook.md.j2").render(book=book, features=registry())
