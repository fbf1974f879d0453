"""Catalogue: every template a list shows (rule reasons, safeguarding notes, pathways' because) reads well
with counts of 1, and no eligibility reason repeats its rule's title (the card shows both)."""

from __future__ import annotations

import re
import string
from datetime import date

import polars as pl
import pytest

from features.registry import NUMERIC, registry
from lists.settings import load_list_settings
from rules.engine import written_template
from rules.rulebook import DATES_SUFFIX, Rule, load_rulebook

REGISTRY = registry()
RULEBOOK = load_rulebook()
SETTINGS = load_list_settings()
PLURALS = (
    "times|offences|arrests|referrals|attendances|crimes|days|suspensions|exclusions|reports|events|"
    "co-offenders|robberies|searches|were victims"
)
SLIP = re.compile(rf"(?<![\d./])\b1 (?:[\w-]+ ){{0,4}}?(?:{PLURALS})\b")


def trigrams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def repeats(title: str, reason: str) -> bool:
    """The reason says the title again: contains it, or half the title's three-word runs."""
    title = title.rstrip(".")
    shared = trigrams(title) & trigrams(reason)
    return title.lower() in reason.lower() or len(shared) >= len(trigrams(title)) / 2


def filled(template: str, count: int) -> str:
    """The template for one person whose every count is ``count`` (dates: one; codes: a real code)."""
    columns: dict[str, pl.Series] = {}
    for _, name, _, _ in string.Formatter().parse(template):
        if not name:
            continue
        base = name.removesuffix(DATES_SUFFIX)
        if name not in REGISTRY:
            columns[name] = pl.Series(name, [[date(2026, 5, 1)] * count], pl.List(pl.Date))
            continue
        kind = REGISTRY[base].type
        value: object = {"date": date(2026, 5, 1), "flag": True, "text": "YOUTH_WORKER"}.get(kind, count)
        columns[name] = pl.Series(name, [value])
    frame = pl.DataFrame(list(columns.values())) if columns else pl.DataFrame({"x": [0]})
    return str(frame.select(written_template(template, REGISTRY, frame)).item())


TEMPLATES = (
    [(f"rule {r.id}", r.reason) for r in RULEBOOK.rules]
    + [(f"safeguarding {i}", n.note) for i, n in enumerate(SETTINGS.safeguarding)]
    + [(f"pathway {p.id}", p.because) for p in SETTINGS.pathways if p.when is not None]
)


@pytest.mark.parametrize(("where", "template"), TEMPLATES, ids=[w for w, _ in TEMPLATES])
def test_every_template_agrees_with_a_count_of_one_and_shows_codes_by_label(
    where: str, template: str
) -> None:
    one, two = filled(template, 1), filled(template, 2)
    assert not SLIP.search(one), f"{where}: {one}"
    assert not re.search(r"\b[A-Z]{2,}(?:_[A-Z]+)+\b|[\[\]|]", one + two), f"{where}: {one}"


def test_the_slip_pattern_catches_the_old_wording() -> None:
    assert SLIP.search("arrested 1 times for a knife offence")
    assert SLIP.search("1 emergency department attendances for assault")
    assert SLIP.search("1 of their known associates were victims")
    assert not SLIP.search("1 arrest: 01/10/2026; on 21/11/2026 offences")


@pytest.mark.parametrize("rule", RULEBOOK.of_kind("eligibility"), ids=lambda r: r.id)
def test_no_eligibility_reason_repeats_its_rules_title(rule: Rule) -> None:
    assert not repeats(rule.text, filled(rule.reason, 2)), rule.id


def test_the_repeat_check_catches_a_reason_that_says_its_title_again() -> None:
    title = "Arrested for a knife or offensive weapon offence in the last 12 months."
    assert repeats(title, "arrested 2 times for a knife or offensive weapon offence in the last 12 months: x")
    assert not repeats(title, "2 arrests: 01/10/2026, 02/11/2026")


def test_numbers_are_what_choices_agree_with() -> None:
    assert {"count", "days"} <= set(NUMERIC)
