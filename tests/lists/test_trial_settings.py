"""The trial settings: the shipped file is valid; a broken setting is refused naming the file and field;
age groups, strata and the settings hash."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from lists.trial_settings import (
    TRIAL_FILE,
    TrialSettingsError,
    load_trial_settings,
    parse_trial_settings,
    trial_settings_from_draw,
)
from tests.lists.documents import changed, write_yaml

SHIPPED = load_trial_settings()


def document(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    """The shipped settings document with one change made."""
    return changed(SHIPPED.document, change)


def write(folder: Path, document: dict[str, Any]) -> Path:
    return write_yaml(folder / "trial.yaml", document)


def test_the_shipped_settings_load() -> None:
    assert SHIPPED.design == "randomised" and SHIPPED.tie_breaker is None
    assert (SHIPPED.capacity, SHIPPED.ratio, SHIPPED.rolling_entry) == (45, (1, 1), True)
    assert SHIPPED.routes == ("rule", "model", "both")
    assert SHIPPED.age_groups_from == (18,) and SHIPPED.stratify_by_route
    assert set(SHIPPED.concealed_from) <= {"analyst", "reviewer", "board", "data_engineer", "admin"}
    text = Path(__file__).parents[2].joinpath("lists", "trial.yaml").read_text("utf-8")
    assert SHIPPED.document == yaml.safe_load(text)


def test_a_tie_breaker_loads_from_a_path(tmp_path: Path) -> None:
    changed = document(
        lambda d: d.update(design="tie_breaker", tie_breaker={"treat_from": 0.3, "randomise_from": 0.15})
    )
    loaded = load_trial_settings(write(tmp_path, changed))
    assert loaded.tie_breaker is not None
    assert (loaded.tie_breaker.treat_from, loaded.tie_breaker.randomise_from) == (0.3, 0.15)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(capacity=0), "capacity: 0 is less than the minimum of 1"),
        (lambda d: d.update(design="cluster"), "design: 'cluster' is not one of"),
        (lambda d: d.update(design="tie_breaker"), r"\(top level\): 'tie_breaker' is a required property"),
        (
            lambda d: d.update(tie_breaker={"treat_from": 0.3, "randomise_from": 0.15}),
            "tie_breaker: given but design is randomised",
        ),
        (
            lambda d: d.update(design="tie_breaker", tie_breaker={"treat_from": 0.2, "randomise_from": 0.3}),
            r"tie_breaker: randomise_from \(0.3\) must be below treat_from \(0.2\)",
        ),
        (lambda d: d["pool"].update(routes=["rules"]), "pool/routes/0: 'rules' is not one of"),
        (lambda d: d["pool"].update(waiting_weeks=-1), "pool/waiting_weeks: -1 is less than the minimum"),
        (lambda d: d["ratio"].update(control=0), "ratio/control: 0 is less than the minimum of 1"),
        (
            lambda d: d["stratify"].update(age_groups_from=[18, 16]),
            r"stratify/age_groups_from: list the ages",
        ),
        (lambda d: d.update(concealed_from=["panel"]), "concealed_from/0: 'panel' is not one of"),
        (lambda d: d.update(colour="red"), r"\(top level\): Additional properties .*'colour' was unexpected"),
        (lambda d: d.pop("programme_weeks"), r"\(top level\): 'programme_weeks' is a required property"),
    ],
)
def test_a_setting_that_is_not_valid_is_refused_naming_the_file_and_the_setting(
    tmp_path: Path, change: Callable[[dict[str, Any]], object], message: str
) -> None:
    path = write(tmp_path, document(change))
    with pytest.raises(TrialSettingsError, match=f"^{re.escape(str(path))}: {message}"):
        load_trial_settings(path)


def test_the_shipped_file_is_named_when_no_path_is_given_and_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(TrialSettingsError, match=f"^{TRIAL_FILE}: capacity: "):
        parse_trial_settings(document(lambda d: d.update(capacity=0)))
    missing = tmp_path / "nope.yaml"
    with pytest.raises(TrialSettingsError, match=f"^{re.escape(str(missing))}: cannot be read"):
        load_trial_settings(missing)
    broken = tmp_path / "broken.yaml"
    broken.write_text("capacity: [45", encoding="utf-8")
    with pytest.raises(TrialSettingsError, match=f"^{re.escape(str(broken))}: not valid YAML"):
        load_trial_settings(broken)


@pytest.mark.parametrize(
    ("bounds", "ages", "groups"),
    [
        ([18], [14, 17, 18, 25], ["under 18", "under 18", "18 and over", "18 and over"]),
        ([16, 18], [15, 16, 17, 18], ["under 16", "16 to 17", "16 to 17", "18 and over"]),
        ([16, 17], [16, 17], ["16", "17 and over"]),
        ([], [14, 25], ["any age", "any age"]),
    ],
)
def test_age_groups_begin_at_each_age_given(bounds: list[int], ages: list[int], groups: list[str]) -> None:
    settings = parse_trial_settings(document(lambda d: d["stratify"].update(age_groups_from=bounds)))
    assert [settings.age_group(a) for a in ages] == groups


def test_the_stratum_is_age_group_and_route_or_age_group_alone() -> None:
    assert SHIPPED.stratum(16, "rule") == "under 18 | rule"
    assert SHIPPED.stratum(21, "both") == "18 and over | both"
    alone = parse_trial_settings(document(lambda d: d["stratify"].update(route=False)))
    assert alone.stratum(21, "both") == "18 and over"


def test_the_settings_hash_is_the_sha256_of_the_sorted_compact_json_and_follows_every_setting() -> None:
    expected = hashlib.sha256(
        json.dumps(SHIPPED.document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
    assert SHIPPED.settings_hash == expected
    assert parse_trial_settings(document(lambda d: d.update(capacity=44))).settings_hash != expected
    again = trial_settings_from_draw(SHIPPED.canonical, 1)
    assert again.settings_hash == expected and again.document == SHIPPED.document
