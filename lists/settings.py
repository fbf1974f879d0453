"""The weekly list's settings (lists/settings.yaml): capacity, the model route, review dates, notes
and pathways, checked against their schema and the feature registry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from data_contracts.declarations import check_schema, declaration_text, parse_yaml
from features.registry import NUMERIC, Feature, registry
from features.wording import agreement_problem
from rules.condition import Condition, ConditionError, parse_condition
from rules.rulebook import template_problem

SETTINGS_FILE = "lists/settings.yaml"
DEFAULT_MIN_PEOPLE = 1
"""``probability_shown.min_people`` when a pinned document predates it: every calibration step stands."""


class ListSettingsError(ValueError):
    """The list settings break their schema, or a condition or template is not valid."""


@dataclass(frozen=True)
class Note:
    """A safeguarding note, written when its condition holds."""

    when: Condition
    note: str


@dataclass(frozen=True)
class Pathway:
    """A support-first pathway, suggested when its condition holds (never, when it has none)."""

    id: str
    name: str
    offer: str
    when: Condition | None
    because: str


@dataclass(frozen=True)
class ListSettings:
    """Every setting of the weekly list; ``document`` is the checked YAML, pinned by each run."""

    capacity: int
    model_route: tuple[Literal["band", "probability", "top"], str | float | int]
    review_within_days: int
    membership_weeks: int
    floor: float
    ceiling: float
    min_people: int
    safeguarding: tuple[Note, ...]
    pathways: tuple[Pathway, ...]
    document: dict[str, Any]


def parse_list_settings(
    document: Any, file_name: str = SETTINGS_FILE, features: Mapping[str, Feature] | None = None
) -> ListSettings:
    """Check a settings document.

    Raises:
        ListSettingsError: naming the file, the setting and what is wrong.
    """
    features = registry() if features is None else features
    check_schema(document, file_name, ("lists", "settings.schema.json"), ListSettingsError)
    shown = document["probability_shown"]
    if shown["floor"] >= shown["ceiling"]:
        raise ListSettingsError(f"{file_name}: probability_shown: floor must be below ceiling")

    def condition(text: str, where: str) -> Condition:
        try:
            return parse_condition(" ".join(text.split()), features)
        except ConditionError as error:
            raise ListSettingsError(
                f"{file_name}: {where}: `when`, at character {error.offset + 1}: {error}"
            ) from error

    numeric = {name for name, feature in features.items() if feature.type in NUMERIC}

    def template(text: str, where: str) -> str:
        problem = template_problem(text, features) or agreement_problem(text, numeric)
        if problem:
            raise ListSettingsError(f"{file_name}: {where}: {problem}")
        return text

    notes = tuple(
        Note(condition(n["when"], f"safeguarding/{i}"), template(n["note"], f"safeguarding/{i}/note"))
        for i, n in enumerate(document["safeguarding"])
    )
    pathways = tuple(
        Pathway(
            p["id"],
            p["name"],
            p["offer"],
            condition(p["when"], f"pathways/{i}") if p["when"] is not None else None,
            template(p["because"], f"pathways/{i}/because"),
        )  # fmt: skip
        for i, p in enumerate(document["pathways"])
    )
    for i, p in enumerate(document["pathways"]):
        if p["when"] is not None and not (p["when"].strip() and p["because"].strip()):
            raise ListSettingsError(
                f"{file_name}: pathways/{i}: a pathway suggested by a condition needs both `when` and "
                "`because` (write `when: null` for one analysts add by hand)"
            )
    ids = [p.id for p in pathways]
    if len(set(ids)) != len(ids):
        raise ListSettingsError(f"{file_name}: pathways: every pathway needs its own id ({ids})")
    ((route, value),) = document["model_route"].items()
    return ListSettings(
        capacity=document["capacity"],
        model_route=(route, value),
        review_within_days=document["review_within_days"],
        membership_weeks=document["membership_weeks"],
        floor=float(shown["floor"]),
        ceiling=float(shown["ceiling"]),
        min_people=int(shown.get("min_people", DEFAULT_MIN_PEOPLE)),
        safeguarding=notes,
        pathways=pathways,
        document=document,
    )


def settings_text(path: Path | None = None) -> str:
    """The text of the settings shipped in lists/settings.yaml, or of those in ``path`` (a run pins it)."""
    return declaration_text("lists", "settings.yaml", path)[0]


def load_list_settings(path: Path | None = None) -> ListSettings:
    """The settings shipped in lists/settings.yaml, or those in ``path``."""
    text, where = declaration_text("lists", "settings.yaml", path)
    return parse_list_settings(parse_yaml(text, where, ListSettingsError), where)
