"""The linkage settings (settings.yaml), checked against their JSON Schema when loaded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data_contracts.declarations import check_schema, declaration_text, parse_yaml


class SettingsError(ValueError):
    """The linkage settings file breaks its schema."""


@dataclass(frozen=True)
class LinkSettings:
    """What settings.yaml declares (see the comments there)."""

    seed: int
    match_threshold: float
    review_threshold: float
    sex_codes: dict[str, str]
    prior_columns: tuple[str, ...]
    prior_recall: float
    u_max_pairs: int
    em_blocking: tuple[tuple[str, ...], ...]
    em_max_pairs: int
    fixed_m_all_other: dict[str, float]
    max_comparisons_per_rule: int
    blocking_candidates: tuple[tuple[str, ...], ...]
    text: str  # the file as written, stored with every run


def load_settings(path: Path | None = None) -> LinkSettings:
    """Read and check the linkage settings (default: the ones shipped in linkage/).

    Raises:
        SettingsError: naming the file and the setting that is wrong.
    """
    text, where = declaration_text("linkage", "settings.yaml", path)
    raw: Any = parse_yaml(text, where, SettingsError)
    check_schema(raw, where, ("linkage", "settings.schema.json"), SettingsError)
    if raw["review_threshold"] >= raw["match_threshold"]:
        raise SettingsError(f"{where}: review_threshold must be below match_threshold")
    return LinkSettings(
        seed=raw["seed"],
        match_threshold=raw["match_threshold"],
        review_threshold=raw["review_threshold"],
        sex_codes=dict(raw["sex_codes"]),
        prior_columns=tuple(raw["prior_columns"]),
        prior_recall=raw["prior_recall"],
        u_max_pairs=raw["u_max_pairs"],
        em_blocking=tuple(tuple(rule) for rule in raw["em_blocking"]),
        em_max_pairs=raw["em_max_pairs"],
        fixed_m_all_other=dict(raw["fixed_m_all_other"]),
        max_comparisons_per_rule=raw["blocking"]["max_comparisons_per_rule"],
        blocking_candidates=tuple(tuple(rule) for rule in raw["blocking"]["candidates"]),
        text=text,
    )
