"""The fairness audit's settings (governance/fairness.yaml), checked against their schema and the
feature registry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data_contracts.declarations import declaration_text, parse_yaml
from data_contracts.schemas import schema_problem
from features.registry import Feature, registry
from rules.condition import Condition, ConditionError, parse_condition

SETTINGS_FILE = "governance/fairness.yaml"
SCORE_LIMITS = (
    "selection_rate_ratio",
    "false_positive_rate_ratio",
    "false_negative_rate_ratio",
    "positive_predictive_value_difference",
    "calibration_gap",
)
LIST_LIMITS = ("listed_to_serious_violence_ratio", "listed_to_population_ratio")


class FairnessSettingsError(ValueError):
    """The fairness settings break their schema, or their condition is not valid."""


@dataclass(frozen=True)
class Limit:
    """The range a measure may take before a group breaches it."""

    low: float
    high: float

    def holds(self, value: float) -> bool:
        return self.low <= value <= self.high

    def text(self) -> str:
        return f"{self.low:g} to {self.high:g}"


@dataclass(frozen=True)
class AgeBand:
    label: str
    low: int
    high: int


@dataclass(frozen=True)
class FairnessSettings:
    """Every setting of the audit; ``document`` is the checked YAML (pinned with each audit)."""

    confidence: float
    min_group_size: int
    breach_when: str  # "clear": the interval lies wholly beyond the limit; "beyond": the value alone is
    age_bands: tuple[AgeBand, ...]
    serious_violence: Condition
    limits: Mapping[str, Limit | None]
    document: dict[str, Any]


def parse_fairness_settings(
    document: Any, file_name: str = SETTINGS_FILE, features: Mapping[str, Feature] | None = None
) -> FairnessSettings:
    """Check a settings document.

    Raises:
        FairnessSettingsError: naming the file, the setting and what is wrong.
    """
    problem = schema_problem("governance", "fairness.schema.json", document, file_name)
    if problem:
        raise FairnessSettingsError(problem)
    bands = tuple(AgeBand(b["label"], b["from"], b["to"]) for b in document["age_bands"])
    for i, band in enumerate(bands):
        if band.low > band.high:
            raise FairnessSettingsError(f"{file_name}: age_bands/{i}: `from` must not be after `to`")
        if i and band.low <= bands[i - 1].high:
            raise FairnessSettingsError(
                f"{file_name}: age_bands/{i}: bands must be in order and must not overlap"
            )
    limits: dict[str, Limit | None] = {}
    for name, limit in document["limits"].items():
        if limit is not None and limit["min"] > limit["max"]:
            raise FairnessSettingsError(f"{file_name}: limits/{name}: min must not be above max")
        limits[name] = None if limit is None else Limit(float(limit["min"]), float(limit["max"]))
    text = " ".join(document["serious_violence"].split())
    try:
        condition = parse_condition(text, registry() if features is None else features)
    except ConditionError as error:
        raise FairnessSettingsError(
            f"{file_name}: serious_violence, at character {error.offset + 1}: {error}"
        ) from error
    return FairnessSettings(
        confidence=float(document["confidence"]),
        min_group_size=int(document["min_group_size"]),
        breach_when=str(document["breach_when"]),
        age_bands=bands,
        serious_violence=condition,
        limits=limits,
        document=document,
    )


def fairness_settings_text(path: Path | None = None) -> str:
    """The text of governance/fairness.yaml, or of the settings in ``path``."""
    return declaration_text("governance", "fairness.yaml", path)[0]


def load_fairness_settings(path: Path | None = None) -> FairnessSettings:
    """The shipped settings, or those in ``path``."""
    text, where = declaration_text("governance", "fairness.yaml", path)
    return parse_fairness_settings(parse_yaml(text, where, FairnessSettingsError), where)
