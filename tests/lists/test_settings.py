"""The list settings: the shipped file is valid; a broken setting is refused, naming the file and where."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from features.registry import registry
from lists.reasons import support
from lists.settings import SETTINGS_FILE, ListSettingsError, load_list_settings, parse_list_settings
from tests.lists.documents import changed, write_yaml
from tests.lists.frames import features

SHIPPED = load_list_settings()


def document(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    """The shipped settings document with one change made."""
    return changed(SHIPPED.document, change)


def write(folder: Path, document: dict[str, Any]) -> Path:
    return write_yaml(folder / "settings.yaml", document)


def test_the_shipped_settings_load() -> None:
    assert SHIPPED.capacity == 45
    assert SHIPPED.model_route == ("band", "very high")
    assert (SHIPPED.review_within_days, SHIPPED.membership_weeks) == (7, 52)
    assert (SHIPPED.floor, SHIPPED.ceiling) == (0.01, 0.95)
    assert len(SHIPPED.safeguarding) == 5
    assert [p.id for p in SHIPPED.pathways] == ["education", "employment", "health", "housing"]
    assert [p.when is None for p in SHIPPED.pathways] == [False, False, False, True]
    shipped_text = Path(__file__).parents[2].joinpath("lists", "settings.yaml").read_text("utf-8")
    assert SHIPPED.document == yaml.safe_load(shipped_text)


def test_a_settings_file_loads_from_a_path(tmp_path: Path) -> None:
    loaded = load_list_settings(write(tmp_path, document(lambda d: d.update(capacity=10))))
    assert loaded.capacity == 10 and loaded.model_route == SHIPPED.model_route
    assert [(p.id, p.when and p.when.text) for p in loaded.pathways] == [
        (p.id, p.when and p.when.text) for p in SHIPPED.pathways
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(capacity=0), "capacity: 0 is less than the minimum of 1"),
        (
            lambda d: d.update(model_route={"band": "high", "top": 10}),
            "model_route: .* has too many properties",
        ),
        (lambda d: d.update(model_route={"rank": 10}), "model_route: Additional properties are not allowed"),
        (lambda d: d.update(colour="red"), r"\(top level\): Additional properties .*'colour' was unexpected"),
        (lambda d: d.pop("capacity"), r"\(top level\): 'capacity' is a required property"),
        (
            lambda d: d["probability_shown"].update(floor=0.5, ceiling=0.5),
            "probability_shown: floor must be below ceiling",
        ),
        (
            lambda d: d["probability_shown"].update(floor=0.96),
            "probability_shown/floor: 0.96 is greater than the maximum of 0.5",
        ),
        (lambda d: d["pathways"][0].update(id="Education"), "pathways/0/id: 'Education' does not match"),
    ],
)
def test_a_setting_that_breaks_the_schema_is_refused_naming_the_file_and_the_setting(
    tmp_path: Path, change: Callable[[dict[str, Any]], object], message: str
) -> None:
    path = write(tmp_path, document(change))
    with pytest.raises(ListSettingsError, match=f"^{re.escape(str(path))}: {message}"):
        load_list_settings(path)


def test_a_file_that_is_not_yaml_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("capacity: [45", encoding="utf-8")
    with pytest.raises(ListSettingsError, match=f"^{re.escape(str(path))}: not valid YAML"):
        load_list_settings(path)


def test_the_shipped_file_is_named_when_no_path_is_given() -> None:
    with pytest.raises(ListSettingsError, match=f"^{SETTINGS_FILE}: capacity: "):
        parse_list_settings(document(lambda d: d.update(capacity=0)))


@pytest.mark.parametrize(
    ("where", "condition", "message"),
    [
        ("safeguarding/0", "police_victimisations_365d => 1", "at character 28: not a condition"),
        ("safeguarding/0", "victimisations >= 1", "at character 1: unknown feature 'victimisations'"),
        ("pathways/2", "person_age >= 16 and neet", "at character 22: unknown feature 'neet'"),
        ("pathways/1", "education_neet >= 1", "at character 19: cannot compare a flag with a number"),
    ],
)
def test_a_when_that_is_not_a_valid_condition_is_refused_with_where_and_the_character(
    tmp_path: Path, where: str, condition: str, message: str
) -> None:
    section, index = where.split("/")
    path = write(tmp_path, document(lambda d: d[section][int(index)].update(when=condition)))
    with pytest.raises(ListSettingsError, match=f"^{re.escape(str(path))}: {where}: `when`, {message}"):
        load_list_settings(path)


def test_the_character_is_counted_in_the_condition_with_its_whitespace_run_together() -> None:
    # a folded YAML condition over several lines is read with every run of whitespace as one space
    condition = "person_age <= 17 and\n    (education_persistent_absence   or nope)"
    assert condition.index("nope") + 1 == 61  # as written
    with pytest.raises(
        ListSettingsError, match=r"pathways/0: `when`, at character 55: unknown feature 'nope'"
    ):
        parse_list_settings(document(lambda d: d["pathways"][0].update(when=condition)))


@pytest.mark.parametrize(
    ("change", "where", "placeholder"),
    [
        (
            lambda d: d["safeguarding"][1].update(note="{victim_count} of them"),
            "safeguarding/1/note",
            "victim_count",
        ),
        (lambda d: d["pathways"][1].update(because="not in {neet}"), "pathways/1/because", "neet"),
        # _dates is only for dated counts; education_neet is a flag
        (
            lambda d: d["pathways"][1].update(because="{education_neet_dates}"),
            "pathways/1/because",
            "education_neet_dates",
        ),
    ],  # fmt: skip
)
def test_a_template_with_an_unknown_placeholder_is_refused(
    change: Callable[[dict[str, Any]], object], where: str, placeholder: str
) -> None:
    with pytest.raises(
        ListSettingsError,
        match=f"^{SETTINGS_FILE}: {where}: uses {{{placeholder}}}, which is not a registered",
    ):
        parse_list_settings(document(change))


def test_a_template_placeholder_with_a_format_is_refused() -> None:
    with pytest.raises(
        ListSettingsError, match=r"safeguarding/0/note: placeholder \{police_victimisations_365d\} "
    ):
        parse_list_settings(
            document(lambda d: d["safeguarding"][0].update(note="{police_victimisations_365d:>3} crimes"))
        )


def test_two_pathways_with_the_same_id_are_refused() -> None:
    with pytest.raises(
        ListSettingsError, match=r"pathways: every pathway needs its own id \(\[.*'health', 'health'\]"
    ):
        parse_list_settings(document(lambda d: d["pathways"][3].update(id="health")))


def test_a_pathway_with_no_condition_is_accepted_and_never_suggested() -> None:
    settings = parse_list_settings(
        document(
            lambda d: d["pathways"].insert(
                0, {"id": "sport", "name": "Sport", "offer": "a club place", "when": None, "because": ""}
            )
        )  # fmt: skip
    )
    assert settings.pathways[0].id == "sport" and settings.pathways[0].when is None
    # someone every other pathway and every note is suggested for
    everything = features(
        {"person_id": 1, "person_age": 16, "education_persistent_absence": True, "education_neet": True,
         "education_suspensions_365d": 1, "education_permanent_exclusions_ever": 1,
         "education_attendance_last_term": 50.0, "health_mental_health_referrals_365d": 1,
         "health_substance_referrals_365d": 1, "health_assault_attendances_365d": 1,
         "health_sharp_injuries_365d": 1, "police_victimisations_365d": 1,
         "police_serious_violence_victimisations_365d": 1, "network_co_offenders_sv_victims_125d": 1}
    )  # fmt: skip
    suggested = support(everything, settings, registry())
    assert [p["pathway"] for p in suggested["pathways"].item()] == ["education", "employment", "health"]
    assert suggested["safeguarding"].list.len().item() == 5


def test_settings_with_no_notes_and_only_unconditioned_pathways_suggest_nothing() -> None:
    settings = parse_list_settings(
        document(lambda d: d.update(safeguarding=[], pathways=[d["pathways"][3]]))  # housing only
    )
    out = support(features({"person_id": 1, "police_victimisations_365d": 3}), settings, registry())
    assert out.schema["safeguarding"] == pl.List(pl.String())
    assert out.row(0) == (1, [], [])
