"""The rulebook: every shipped rule is valid and complete; every broken rule is refused at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from features.registry import registry
from rules.book import render_book
from rules.rulebook import RuleError, default_rulebook_dir, load_rulebook

GOOD = """\
id: {id}
kind: eligibility
text: Two or more knife offences in the last 2 years.
when: police_knife_offences_730d >= 2
reason: "{{police_knife_offences_730d}} knife offences: {{police_knife_offences_730d_dates}}"
owner: VRP programme manager
policy_ref: Cohort policy 3.2
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


def test_the_shipped_rulebook_is_valid_complete_and_covers_the_starting_policy() -> None:
    book = load_rulebook()
    ids = {rule.id for rule in book.rules}
    assert {"aged_14_to_25", "knife_arrest_12_months", "repeated_knife_offences",
            "knife_and_violent_or_sexual_offence", "partner_referral",
            "assault_attendance_and_police_contact", "in_custody", "deceased", "resident_in_area",
            "moved_out", "already_in_cohort", "declined_recently"} <= ids  # fmt: skip
    assert [r.kind for r in book.rules] == sorted((r.kind for r in book.rules), key=["population",
            "eligibility", "exclusion"].index)  # fmt: skip
    for rule in book.rules:
        assert rule.owner and rule.policy_ref and rule.text.endswith("."), rule.id
        assert all(name in registry() for name in rule.when.features), rule.id


def test_the_version_is_a_hash_of_the_files_and_changes_with_any_edit(tmp_path: Path) -> None:
    folder = write(tmp_path / "book", "knife_rule", GOOD.format(id="knife_rule"))
    first = load_rulebook(folder).version
    assert load_rulebook(folder).version == first and len(first) == 64
    write(folder, "knife_rule", GOOD.format(id="knife_rule").replace("Cohort policy 3.2", "Policy 3.3"))
    assert load_rulebook(folder).version != first


BROKEN = [
    ("owner: VRP programme manager", "owner: VRP programme manager\ncolour: red",
     "knife_rule.yaml:7: unknown field 'colour'"),
    ("kind: eligibility", "kind: maybe", "knife_rule.yaml:2: field 'kind': 'maybe' is not one of"),
    ("policy_ref: Cohort policy 3.2\n", "", "knife_rule.yaml:1: 'policy_ref' is a required property"),
    ("police_knife_offences_730d >= 2", "knife_offences >= 2",
     "knife_rule.yaml:4: in `when`, at character 1: unknown feature 'knife_offences'"),
    ("police_knife_offences_730d >= 2", "__import__('os').system('ls') == 0",
     "knife_rule.yaml:4: in `when`, at character 1: '__import__"),
    ("police_knife_offences_730d >= 2", "police_knife_offences_730d => 2",
     "knife_rule.yaml:4: in `when`, at character .*: not a condition"),
    ("{police_knife_offences_730d_dates}", "{police_harm_365d_dates}",
     "knife_rule.yaml:5: `reason` uses {police_harm_365d_dates}, which is not a registered feature"),
    ("{police_knife_offences_730d} knife", "{police_knife_offences_730d!r} knife",
     "knife_rule.yaml:5: `reason` placeholder"),
    ("id: knife_rule", "id: other_rule", "knife_rule.yaml:1: id 'other_rule' must match the file name"),
    ("text: Two", "text: [Two", "knife_rule.yaml:.*: not valid YAML"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "message"), BROKEN)
def test_a_broken_rule_is_refused_naming_the_file_and_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    good = GOOD.format(id="knife_rule")
    assert old in good, "the change must apply"
    folder = write(tmp_path / "book", "knife_rule", good.replace(old, new))
    with pytest.raises(RuleError, match=message.replace("{", r"\{").replace("}", r"\}").replace("(", r"\(")):
        load_rulebook(folder)


def test_an_empty_folder_and_a_book_without_eligibility_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="no rule files"):
        load_rulebook(tmp_path)
    exclusion = GOOD.format(id="only_exclusion").replace("kind: eligibility", "kind: exclusion")
    with pytest.raises(RuleError, match="no eligibility rule"):
        load_rulebook(write(tmp_path / "a", "only_exclusion", exclusion))


def test_the_book_shows_every_rule_with_its_owner_policy_condition_and_the_version() -> None:
    book = load_rulebook()
    text = render_book(book)
    assert book.version in text
    for rule in book.rules:
        assert f"### {rule.id}" in text and rule.policy_ref in text and rule.when.text in text
        for name in rule.when.features:
            assert f"`{name}`" in text
    assert render_book(book) == text, "the same rulebook writes the same document"


def test_the_default_rulebook_is_the_shipped_folder() -> None:
    assert default_rulebook_dir().name == "rulebook" and any(default_rulebook_dir().glob("*.yaml"))
