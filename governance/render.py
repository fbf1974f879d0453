"""Rendering governance documents from governance/templates, in data_contracts.rendering's environment."""

from __future__ import annotations

from data_contracts.rendering import environment, num, pct

__all__ = ["num", "pct", "render"]


def render(template: str, **context: object) -> str:
    """Render one template of governance/templates."""
    return environment("governance", trim_blocks=True).get_template(template).render(**context)
