"""The console policy (governance/console.yaml): the shipped file parses; mistakes are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.console_settings import ConsoleSettingsError, load_console_policy

SHIPPED = Path(__file__).resolve().parents[2] / "governance" / "console.yaml"


def test_the_shipped_policy_asks_a_purpose_and_a_second_person_for_accepts() -> None:
    policy = load_console_policy()
    assert policy.second_review == frozenset({"accept"})
    assert policy.model_approvers == 2
    other = policy.purpose("other")
    assert other is not None and other.needs_text
    assert policy.purpose("no-such") is None


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("second_review: [accept]", "second_review: [approve]", "second_review"),
        ("  - id: safeguarding", "  - id: consider", "used twice"),
        ("model_approvers: 2", "model_approvers: 0", "model_approvers"),
        ("page_size: 50", "page_size: fifty", "page_size"),
    ],
)
def test_a_policy_mistake_is_refused_naming_the_file_and_setting(
    tmp_path: Path, old: str, new: str, says: str
) -> None:
    text = SHIPPED.read_text("utf-8")
    assert old in text
    broken = tmp_path / "console.yaml"
    broken.write_text(text.replace(old, new), "utf-8")
    with pytest.raises(ConsoleSettingsError, match=says) as refused:
        load_console_policy(broken)
    assert str(broken) in str(refused.value)
