"""The pages each role may open, in the order the navigation shows them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    """A top-level page: its label, where it is, and the roles that may open it."""

    label: str
    path: str
    roles: frozenset[str]


PAGES = (
    Page("Weekly list", "/list", frozenset({"analyst"})),
    Page("Second review", "/review", frozenset({"reviewer"})),
    Page("Governance", "/governance", frozenset({"board"})),
    Page("Data health", "/health", frozenset({"data_engineer"})),
    Page("Linkage queue", "/linkage", frozenset({"data_engineer"})),
    Page("Accounts", "/admin/accounts", frozenset({"admin"})),
)
"""Every top-level page. Each route still checks its roles itself: the navigation only hides links."""


def pages_for(roles: frozenset[str]) -> list[Page]:
    """The pages someone holding ``roles`` may open."""
    return [page for page in PAGES if page.roles & roles]
