"""The risk model's settings (models/settings.yaml): outcome, split, sampling, learner, bands, monitoring."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data_contracts.declarations import check_schema, declaration_text, parse_yaml

SETTINGS_FILE = "models/settings.yaml"


class SettingsError(ValueError):
    """The settings break their schema or contradict themselves."""


@dataclass(frozen=True)
class Band:
    """A named range of calibrated probability, from ``lower`` up to the next band's."""

    name: str
    lower: float


@dataclass(frozen=True)
class MonitoringSettings:
    """How `cohort monitor` measures a model once it is used (models/settings.yaml ``monitoring``)."""

    horizons_months: tuple[int, ...]
    alert_groups: tuple[str, ...]
    minimum_outcomes: int
    ece_limit: float
    calibration_in_the_large_limit: float  # |observed / expected - 1|
    psi_limit: float
    drift_bins: int
    reference_snapshots: int


DEFAULT_MONITORING: dict[str, Any] = {
    "horizons_months": [3, 6, 9, 12],
    "alert_groups": ["not_treated"],
    "minimum_outcomes": 20,
    "limits": {"ece": 0.03, "calibration_in_the_large": 0.25, "psi": 0.25},
    "drift": {"bins": 10, "reference_snapshots": 6},
}
"""What a settings document without a ``monitoring`` section (a model trained before it) means."""

DEFAULT_LEARNER_THREADS = 2
"""LightGBM's threads when the ``learner`` section has no ``threads`` (a model trained before it)."""


@dataclass(frozen=True)
class TuningSettings:
    """The optional search over the learner's settings (models/settings.yaml ``tuning``)."""

    validation_share: float
    choose_by: str  # "log_loss" (the default) or "auc", on the validation slice
    validation_folds: int | None  # rows without dates: judge on this many stratified folds instead
    early_stopping_rounds: int
    max_estimators: int
    grid: dict[str, tuple[Any, ...]]  # learner setting -> the values tried

    def candidates(self) -> list[dict[str, Any]]:
        """Every combination of the grid's values, in the order the YAML lists them."""
        combinations: list[dict[str, Any]] = [{}]
        for name, values in self.grid.items():
            combinations = [{**c, name: v} for c in combinations for v in values]
        return combinations


@dataclass(frozen=True)
class ModelSettings:
    """Every setting of training, evaluation and explanation; ``document`` is the checked YAML."""

    roles: tuple[str, ...]
    horizon_months: int
    train_snapshots: int
    calibration_snapshots: int
    minimum_train_snapshots: int
    minimum_history_months: int
    negative_share: float
    sampling_seed: int
    learner: dict[str, Any]  # LGBMClassifier's parameters, with seed and threads
    calibration: str
    list_sizes: tuple[int, ...]
    reliability_bins: int
    top_factors: int
    explain_sample: int
    bands: tuple[Band, ...]  # highest first
    document: dict[str, Any]
    monitoring: MonitoringSettings
    tuning: TuningSettings | None = None  # None: the learner section as it is, no search

    def band(self, probability: float) -> str:
        """The name of the highest band ``probability`` reaches."""
        return next(b.name for b in self.bands if probability >= b.lower)


def parse_settings(document: Any, file_name: str = SETTINGS_FILE) -> ModelSettings:
    """Check the settings document against its schema.

    Raises:
        SettingsError: naming the file, the setting and what is wrong.
    """
    check_schema(document, file_name, ("models", "settings.schema.json"), SettingsError)
    bands = tuple(Band(b["name"], float(b["from"])) for b in document["bands"])
    lowers = [b.lower for b in bands]
    if any(higher <= lower for higher, lower in zip(lowers, lowers[1:], strict=False)) or lowers[-1] != 0:
        raise SettingsError(
            f"{file_name}: bands: list them highest first, each from below the one before, the last from 0"
        )
    split = document["split"]
    if split["minimum_train_snapshots"] > split["train_snapshots"]:
        raise SettingsError(f"{file_name}: split: minimum_train_snapshots exceeds train_snapshots")
    return ModelSettings(
        roles=tuple(document["outcome"]["roles"]),
        horizon_months=document["outcome"]["horizon_months"],
        train_snapshots=split["train_snapshots"],
        calibration_snapshots=split["calibration_snapshots"],
        minimum_train_snapshots=split["minimum_train_snapshots"],
        minimum_history_months=split["minimum_history_months"],
        negative_share=float(document["sampling"]["negative_share"]),
        sampling_seed=document["sampling"]["seed"],
        learner={"threads": DEFAULT_LEARNER_THREADS, **document["learner"]},
        calibration=document["calibration"]["method"],
        list_sizes=tuple(document["evaluation"]["list_sizes"]),
        reliability_bins=document["evaluation"]["reliability_bins"],
        top_factors=document["explanation"]["top_factors"],
        explain_sample=document["explanation"]["sample"],
        bands=bands,
        document=document,
        monitoring=_monitoring(document.get("monitoring", DEFAULT_MONITORING), document, file_name),
        tuning=_tuning(document["tuning"]) if "tuning" in document else None,
    )


def _tuning(section: dict[str, Any]) -> TuningSettings:
    return TuningSettings(
        validation_share=float(section["validation_share"]),
        choose_by=section.get("choose_by", "log_loss"),
        validation_folds=section.get("validation_folds"),
        early_stopping_rounds=section["early_stopping_rounds"],
        max_estimators=section["max_estimators"],
        grid={name: tuple(values) for name, values in section["grid"].items()},
    )


def _monitoring(section: dict[str, Any], document: dict[str, Any], file_name: str) -> MonitoringSettings:
    horizons = tuple(sorted(section["horizons_months"]))
    model_horizon = document["outcome"]["horizon_months"]
    if horizons[-1] > model_horizon:
        raise SettingsError(
            f"{file_name}: monitoring: horizons_months: {horizons[-1]} is beyond the outcome's "
            f"{model_horizon} months (outcome.horizon_months): the model predicts nothing that far"
        )
    limits, drift = section["limits"], section["drift"]
    return MonitoringSettings(
        horizons_months=horizons,
        alert_groups=tuple(section["alert_groups"]),
        minimum_outcomes=section["minimum_outcomes"],
        ece_limit=float(limits["ece"]),
        calibration_in_the_large_limit=float(limits["calibration_in_the_large"]),
        psi_limit=float(limits["psi"]),
        drift_bins=drift["bins"],
        reference_snapshots=drift["reference_snapshots"],
    )


def load_settings(path: Path | None = None) -> ModelSettings:
    """The settings in ``path``, or those shipped in models/settings.yaml."""
    text, where = declaration_text("models", "settings.yaml", path)
    return parse_settings(parse_yaml(text, where, SettingsError), where)
