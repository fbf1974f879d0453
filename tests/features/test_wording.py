"""Counts agree with their words, codes read as their labels: the wording of every template."""

from __future__ import annotations

import pytest
import yaml

from data_contracts.declarations import declaration_text
from features.registry import NUMERIC, RegistryError, parse_registry, registry
from features.wording import agree, agreement_problem, pieces

REGISTRY = registry()


@pytest.mark.parametrize(
    ("number", "text"),
    [(1, "1 offence as suspect"), (1.0, "1 offence as suspect"), (0, "0 offences as suspect"),
     (2, "2 offences as suspect"), (21, "21 offences as suspect"), (1.5, "1.5 offences as suspect")],
)  # fmt: skip
def test_a_choice_agrees_with_its_number(number: float, text: str) -> None:
    assert agree(f"{number:g} [offence|offences] as suspect", number) == text


def test_a_choice_may_be_a_phrase_and_text_outside_brackets_is_left_alone() -> None:
    template = "{n} of their associates [was a victim|were victims] (a risk: see notes)"
    assert agree(template.format(n=1), 1) == "1 of their associates was a victim (a risk: see notes)"
    assert list(pieces("a [b|c] d")) == [("a ", None), ("", ("b", "c")), (" d", None)]


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{n} [arrest|arrests]", None),
        ("[arrest|arrests] {n}", "must follow a number placeholder"),
        ("{when} [arrest|arrests]", "{when} is not a number"),
        ("{n} [arrests]", "write a number's words as [one|other]"),
    ],
)
def test_a_choice_must_follow_a_number(template: str, problem: str | None) -> None:
    found = agreement_problem(template, {"n"})
    assert found == problem if problem is None else problem in str(found)


def test_every_counted_feature_agrees_with_its_number() -> None:
    """Catalogue: no count or number of days reads "1 times" or "1 offences"."""
    for name, feature in REGISTRY.items():
        if feature.type in ("count", "days"):
            one, two = feature.explain(1), feature.explain(2)
            assert "[" not in one and "|" not in one, name
            assert one.replace("1", "2", 1) != two, f"{name}: '{one}' does not agree with its number"


def test_no_template_writes_harm_as_days() -> None:
    """The Crime Harm Index is an index (days of custody a first offender would get), not a duration."""
    for name, feature in REGISTRY.items():
        assert "days of harm" not in feature.template, name
        assert "days between" not in feature.template, name


def test_a_coded_feature_shows_every_code_of_its_contract_by_its_label() -> None:
    referrer = REGISTRY["partner_last_referrer"]
    contract = yaml.safe_load(declaration_text("data_contracts", "partner_referrals.yaml")[0])
    (column,) = [c for c in contract["columns"] if c["name"] == "Referrer Type"]
    assert set(dict(referrer.labels)) == set(column["codes"])
    assert referrer.explain("YOUTH_WORKER") == "latest referral by a youth worker"
    assert referrer.explain("SOMETHING_NEW") == "latest referral by SOMETHING_NEW"  # unknown: as recorded


def entry(**changes: object) -> dict[str, object]:
    base = {"name": "x_count", "description": "A count of things.", "template": "{value} [thing|things]"}
    return base | {"source": "police", "type": "count", "direction": "increasing", "model": True} | changes


def test_the_registry_refuses_a_choice_without_a_number_and_labels_on_numbers() -> None:
    assert parse_registry([entry()])["x_count"].explain(1) == "1 thing"
    with pytest.raises(RegistryError, match="x_flag: template: .*must follow a number"):
        parse_registry([entry(name="x_flag", type="flag", template="a [thing|things]")])
    with pytest.raises(RegistryError, match="only a text feature's codes take labels"):
        parse_registry([entry(labels={"A": "an a"})])
    assert "count" in NUMERIC and "text" not in NUMERIC
