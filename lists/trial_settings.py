"""The trial's settings (lists/trial.yaml): design, pool, places, ratio, strata and concealment, checked
against lists/trial.schema.json, and their hash (part of every draw's commitment)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from data_contracts.declarations import check_schema, declaration_text, parse_yaml

TRIAL_FILE = "lists/trial.yaml"
ROUTES = ("rule", "model", "both")


class TrialSettingsError(ValueError):
    """The trial settings break their schema or contradict themselves; the message names file and field."""


@dataclass(frozen=True)
class TieBreaker:
    """Always treat from ``treat_from``; randomise from ``randomise_from`` up to it (calibrated risk)."""

    treat_from: float
    randomise_from: float


@dataclass(frozen=True)
class TrialSettings:
    """Every setting of the trial; ``document`` is the checked YAML, stored with each draw."""

    name: str
    design: Literal["randomised", "tie_breaker"]
    tie_breaker: TieBreaker | None
    routes: tuple[str, ...]
    waiting_weeks: int
    capacity: int
    programme_weeks: int
    ratio: tuple[int, int]  # programme, control
    rolling_entry: bool
    age_groups_from: tuple[int, ...]
    stratify_by_route: bool
    concealed_from: tuple[str, ...]
    document: dict[str, Any]

    @property
    def canonical(self) -> str:
        """The settings as stored with a draw: JSON, keys sorted, no whitespace, non-ASCII unescaped."""
        return canonical_json(self.document)

    @property
    def settings_hash(self) -> str:
        """sha256 (hex) of :attr:`canonical`'s UTF-8 bytes: the settings a draw's commitment names."""
        return hashlib.sha256(self.canonical.encode("utf-8")).hexdigest()

    def age_group(self, age: int) -> str:
        """The age group of ``age``: "under 18", "16 to 17", "18 and over" (from ``age_groups_from``)."""
        bounds = self.age_groups_from
        if not bounds:
            return "any age"
        if age < bounds[0]:
            return f"under {bounds[0]}"
        for lower, upper in zip(bounds, bounds[1:], strict=False):
            if lower <= age < upper:
                return f"{lower} to {upper - 1}" if upper - 1 > lower else str(lower)
        return f"{bounds[-1]} and over"

    def stratum(self, age: int, route: str) -> str:
        """A person's stratum: the age group, and the route when strata are by route ("under 18 | rule")."""
        group = self.age_group(age)
        return f"{group} | {route}" if self.stratify_by_route else group


def canonical_json(document: Any) -> str:
    """``document`` as canonical JSON: keys sorted, no whitespace, non-ASCII written as itself."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def parse_trial_settings(document: Any, file_name: str = TRIAL_FILE) -> TrialSettings:
    """Check a trial settings document.

    Raises:
        TrialSettingsError: naming the file, the setting and what to change.
    """
    check_schema(document, file_name, ("lists", "trial.schema.json"), TrialSettingsError)
    tie = document.get("tie_breaker")
    if document["design"] == "randomised" and tie is not None:
        raise TrialSettingsError(
            f"{file_name}: tie_breaker: given but design is randomised: remove it, or set design: tie_breaker"
        )
    tie_breaker = None
    if tie is not None:
        tie_breaker = TieBreaker(float(tie["treat_from"]), float(tie["randomise_from"]))
        if tie_breaker.randomise_from >= tie_breaker.treat_from:
            raise TrialSettingsError(
                f"{file_name}: tie_breaker: randomise_from ({tie_breaker.randomise_from}) must be below "
                f"treat_from ({tie_breaker.treat_from}): the randomised band lies below the always-treated"
            )
    bounds = tuple(document["stratify"]["age_groups_from"])
    if list(bounds) != sorted(bounds):
        raise TrialSettingsError(
            f"{file_name}: stratify/age_groups_from: list the ages in increasing order ({list(bounds)})"
        )
    return TrialSettings(
        name=" ".join(document["name"].split()),
        design=document["design"],
        tie_breaker=tie_breaker,
        routes=tuple(r for r in ROUTES if r in document["pool"]["routes"]),
        waiting_weeks=document["pool"]["waiting_weeks"],
        capacity=document["capacity"],
        programme_weeks=document["programme_weeks"],
        ratio=(document["ratio"]["programme"], document["ratio"]["control"]),
        rolling_entry=document["rolling_entry"],
        age_groups_from=bounds,
        stratify_by_route=document["stratify"]["route"],
        concealed_from=tuple(document["concealed_from"]),
        document=document,
    )


def load_trial_settings(path: Path | None = None) -> TrialSettings:
    """The settings shipped in lists/trial.yaml, or those in ``path``.

    Raises:
        TrialSettingsError: the file cannot be read, is not YAML, or its settings are not valid.
    """
    try:
        text, where = declaration_text("lists", "trial.yaml", path)
    except OSError as fault:
        raise TrialSettingsError(
            f"{path}: cannot be read ({fault.strerror}): give the trial settings file"
        ) from fault
    return parse_trial_settings(parse_yaml(text, where, TrialSettingsError), where)


def trial_settings_from_draw(stored: str, draw_id: int) -> TrialSettings:
    """The settings a draw stored (trial.draw.settings, canonical JSON), checked again."""
    return parse_trial_settings(json.loads(stored), f"the settings stored with draw {draw_id}")
