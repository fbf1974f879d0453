"""`cohort rules check | book | apply` as a user runs them."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.warehouse.copy import copy_warehouse
from rules.rulebook import default_rulebook_dir, load_rulebook

runner = CliRunner()


def test_check_passes_the_shipped_rulebook_and_prints_its_version() -> None:
    result = runner.invoke(app, ["rules", "check"])
    assert result.exit_code == 0, result.output
    assert load_rulebook().version[:12] in result.output and "all valid" in result.output


def test_check_fails_naming_the_file_and_line_of_a_broken_rule(tmp_path: Path) -> None:
    folder = tmp_path / "rulebook"
    shutil.copytree(default_rulebook_dir(), folder)
    rule = folder / "partner_referral.yaml"
    rule.write_text(rule.read_text().replace("partner_referrals_365d >= 1", "partner_referrals >= 1"))
    result = runner.invoke(app, ["rules", "check", "--rulebook", str(folder)])
    assert result.exit_code == 1
    assert "partner_referral.yaml:4:" in result.output
    assert "unknown feature 'partner_referrals'" in result.output


def test_book_writes_the_rulebook_for_a_board(tmp_path: Path) -> None:
    out = tmp_path / "reports" / "rulebook.md"
    result = runner.invoke(app, ["rules", "book", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.startswith("# The cohort rulebook") and load_rulebook().version in text


def test_apply_counts_whom_each_rule_selects_on_a_linked_warehouse(linked: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    copy_warehouse(linked, warehouse, checkpoint=False)
    result = runner.invoke(app, ["rules", "apply", "--as-of", "2026-11-16", "--warehouse", str(warehouse)])
    assert result.exit_code == 0, result.output
    assert "aged_14_to_25" in result.output and "to be considered (rules alone):" in result.output
    bad = runner.invoke(app, ["rules", "apply", "--as-of", "16/11/2026", "--warehouse", str(warehouse)])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output
