"""The model settings: the shipped file loads, a broken one is refused naming file and setting."""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from models.settings import (
    DEFAULT_LEARNER_THREADS,
    SETTINGS_FILE,
    Band,
    SettingsError,
    load_settings,
    parse_settings,
)


def shipped_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(resources.files("models").joinpath("settings.yaml").read_text())
    return copy.deepcopy(document)


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_the_shipped_settings_load() -> None:
    settings = load_settings()
    assert settings.roles == ("suspect", "victim")
    assert settings.horizon_months == 12
    assert (settings.train_snapshots, settings.calibration_snapshots) == (36, 6)
    assert settings.calibration in ("isotonic", "sigmoid")
    assert settings.bands[0] == Band("very high", 0.30) and settings.bands[-1] == Band("low", 0.0)
    assert settings.document == shipped_document()
    assert settings.learner["threads"] == 2


def test_a_settings_file_loads_like_the_shipped_one(tmp_path: Path) -> None:
    document = shipped_document()
    document["split"]["train_snapshots"] = 8
    settings = load_settings(write(tmp_path, document))
    assert settings.train_snapshots == 8
    assert settings.learner == shipped_document()["learner"]


def test_an_unknown_setting_is_refused_naming_the_file_the_section_and_the_key(tmp_path: Path) -> None:
    document = shipped_document()
    document["split"]["test_snapshots"] = 2
    path = write(tmp_path, document)
    with pytest.raises(SettingsError) as raised:
        load_settings(path)
    assert str(raised.value).startswith(f"{path}: split: ")
    assert "test_snapshots" in str(raised.value)


def test_a_wrong_value_is_refused_naming_the_setting() -> None:
    document = shipped_document()
    document["calibration"]["method"] = "beta"
    with pytest.raises(SettingsError, match=rf"^{SETTINGS_FILE}: calibration/method: 'beta' is not one of"):
        parse_settings(document)


@pytest.mark.parametrize(
    ("threads", "problem"),
    [
        (0, "0 is less than the minimum of 1"),
        (-1, "-1 is less than the minimum of 1"),  # LightGBM's "all cores" is not a setting here
        (1.5, "1.5 is not of type 'integer'"),
        ("two", "'two' is not of type 'integer'"),
    ],
)
def test_a_thread_count_that_is_not_a_positive_whole_number_is_refused(
    tmp_path: Path, threads: object, problem: str
) -> None:
    document = shipped_document()
    document["learner"]["threads"] = threads
    path = write(tmp_path, document)
    with pytest.raises(SettingsError) as raised:
        load_settings(path)
    assert str(raised.value) == f"{path}: learner/threads: {problem}"


def test_settings_without_a_thread_count_mean_the_default() -> None:
    # a model trained before the setting existed records settings without it
    document = shipped_document()
    del document["learner"]["threads"]
    settings = parse_settings(document, "manifest.json")
    assert settings.learner["threads"] == DEFAULT_LEARNER_THREADS == 2
    assert "threads" not in settings.document["learner"]  # the record is kept as it was


def test_a_missing_section_is_refused_at_the_top_level() -> None:
    document = shipped_document()
    del document["bands"]
    with pytest.raises(SettingsError, match=r"\(top level\): 'bands' is a required property"):
        parse_settings(document, "mine.yaml")


@pytest.mark.parametrize(
    "bands",
    [
        [{"name": "low", "from": 0.0}, {"name": "high", "from": 0.2}],  # lowest first
        [{"name": "high", "from": 0.2}, {"name": "low", "from": 0.01}],  # nothing from 0
    ],
)
def test_bands_must_be_highest_first_down_to_zero(bands: list[dict[str, object]]) -> None:
    document = shipped_document()
    document["bands"] = bands
    with pytest.raises(SettingsError, match=r"^mine\.yaml: bands: list them highest first"):
        parse_settings(document, "mine.yaml")


def test_more_minimum_training_snapshots_than_asked_for_is_refused() -> None:
    document = shipped_document()
    document["split"]["minimum_train_snapshots"] = 40
    with pytest.raises(SettingsError, match="minimum_train_snapshots exceeds train_snapshots"):
        parse_settings(document)


def test_a_file_that_is_not_yaml_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("split: [train_snapshots: 3\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"broken\.yaml: not valid YAML"):
        load_settings(path)


@pytest.mark.parametrize(
    ("probability", "band"),
    [
        (0.0, "low"),
        (0.0499, "low"),
        (0.05, "raised"),
        (0.1499, "raised"),
        (0.15, "high"),
        (0.2999, "high"),
        (0.30, "very high"),
        (1.0, "very high"),
    ],
)
def test_a_probability_takes_the_highest_band_it_reaches(probability: float, band: str) -> None:
    assert load_settings().band(probability) == band


def test_two_bands_from_the_same_bound_are_refused() -> None:
    document = shipped_document()
    document["bands"] = [
        {"name": "high", "from": 0.2},
        {"name": "also high", "from": 0.2},
        {"name": "low", "from": 0},
    ]
    with pytest.raises(SettingsError, match="bands"):
        parse_settings(document)


def test_tuning_is_off_unless_its_section_is_given() -> None:
    assert load_settings().tuning is None
    assert "tuning" not in shipped_document()


def test_a_tuning_section_lists_every_combination_of_its_grid(tmp_path: Path) -> None:
    document = shipped_document()
    document["tuning"] = {
        "validation_share": 0.2,
        "early_stopping_rounds": 30,
        "max_estimators": 500,
        "grid": {"num_leaves": [4, 8], "learning_rate": [0.03, 0.1]},
    }
    tuning = load_settings(write(tmp_path, document)).tuning
    assert tuning is not None and tuning.choose_by == "log_loss" and tuning.validation_folds is None
    # in the file's order: yaml.safe_dump wrote learning_rate first
    assert tuning.candidates() == [
        {"learning_rate": 0.03, "num_leaves": 4},
        {"learning_rate": 0.03, "num_leaves": 8},
        {"learning_rate": 0.1, "num_leaves": 4},
        {"learning_rate": 0.1, "num_leaves": 8},
    ]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"grid": {"seed": [1, 2]}}, "tuning/grid"),
        ({"grid": {}}, "tuning/grid"),
        ({"validation_share": 0.6}, "tuning/validation_share"),
        ({"choose_by": "accuracy"}, "tuning/choose_by"),
    ],
)
def test_a_broken_tuning_section_is_refused_naming_the_setting(
    tmp_path: Path, change: dict[str, Any], where: str
) -> None:
    document = shipped_document()
    document["tuning"] = {
        "validation_share": 0.2,
        "early_stopping_rounds": 30,
        "max_estimators": 500,
        "grid": {"num_leaves": [4, 8]},
        **change,
    }
    path = write(tmp_path, document)
    with pytest.raises(SettingsError) as raised:
        load_settings(path)
    assert str(raised.value).startswith(f"{path}: {where}")
