"""Settings documents for tests: the shipped document with one change, written back as YAML."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml


def changed(shipped: dict[str, Any], change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    """A deep copy of the shipped settings document with one change made (``change`` edits it)."""
    document = copy.deepcopy(shipped)
    change(document)
    return document


def write_yaml(path: Path, document: dict[str, Any]) -> Path:
    """``document`` written to ``path`` as YAML, keys in their order."""
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path
