"""The board pack: one offline HTML document for a governance board (`cohort board-pack`).

Pure parts: the pack's fixed text (governance/board_pack.yaml), what changed since the previous pack
(rules, model, settings and thresholds) and the rendering. pipelines/board_pack.py reads the warehouse
and the model artefact, and records each pack it makes.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from data_contracts.declarations import load_declaration
from governance.render import render

TEXT_FILE = "governance/board_pack.yaml"
TO_COMPLETE = "TO COMPLETE"
SECTIONS = {
    "problem": "The problem and the programme",
    "outcome": "What the model predicts",
    "rulebook": "The rulebook",
    "model-card": "The model card",
    "fairness": "Fairness",
    "changes": "Changes since the last pack",
    "volumes": "List volumes and decisions",
    "monitoring": "Monitoring the model in use",
    "data-quality": "Data quality",
    "audit-log": "The audit log",
    "checklist": "Legal and ethical checklist",
}
"""Every section of the pack, by its anchor, in order."""


class BoardPackError(ValueError):
    """The pack's text breaks its schema, or there is nothing to report on."""


@dataclass(frozen=True)
class PackBasis:
    """What a pack reports on, as audit.board_pack records it: the list run, the rule files' text, the
    model version and the settings' text (file name -> text)."""

    run_id: int | None
    rules_version: str
    rulebook: Mapping[str, str]
    model_version: str | None
    settings: Mapping[str, str]
    pack_id: int | None = None
    made_at: datetime | None = None


def pack_text(path: Path | None = None) -> dict[str, Any]:
    """The pack's fixed text, checked against governance/board_pack.schema.json.

    Raises:
        BoardPackError: naming the file and the field.
    """
    document, _ = load_declaration(
        "governance", "board_pack.yaml", path, schema="board_pack.schema.json", error=BoardPackError
    )
    return dict(document)


def changes_since(previous: PackBasis | None, current: PackBasis) -> dict[str, Any]:
    """What changed between the previous pack and this one: rule files added, removed or edited (with
    the lines changed), the model version, and each settings file's edits.

    Returns:
        {"first": bool, "previous": {pack_id, made_at, run_id} | None, "rules": [{file, change, diff}],
         "model": {before, after} | None, "settings": [{file, change, diff}], "none": bool}
    """
    if previous is None:
        return {"first": True, "previous": None, "rules": [], "model": None, "settings": [], "none": False}
    rules = _file_changes(previous.rulebook, current.rulebook)
    settings = _file_changes(previous.settings, current.settings)
    model = (
        None
        if previous.model_version == current.model_version
        else {"before": previous.model_version, "after": current.model_version}
    )
    return {
        "first": False,
        "previous": {"pack_id": previous.pack_id, "made_at": previous.made_at, "run_id": previous.run_id},
        "rules": rules,
        "model": model,
        "settings": settings,
        "none": not rules and model is None and not settings,
    }


def _file_changes(before: Mapping[str, str], after: Mapping[str, str]) -> list[dict[str, str]]:
    changes = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        change = "added" if old is None else "removed" if new is None else "changed"
        diff = "".join(
            difflib.unified_diff(
                (old or "").splitlines(keepends=True), (new or "").splitlines(keepends=True),
                fromfile=f"{name} (previous pack)", tofile=f"{name} (this pack)", n=1,
            )
        )  # fmt: skip
        changes.append({"file": name, "change": change, "diff": diff})
    return changes


def render_pack(context: Mapping[str, Any]) -> str:
    """The pack as one self-contained HTML document (no scripts, fonts, styles or images fetched)."""
    return render("board_pack.html.j2", sections=SECTIONS, to_complete=TO_COMPLETE, **context)
