"""Quality gates, on hand-computed figures."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from data_contracts.contract import load_contracts
from data_contracts.gates import (
    evaluate_gates,
    freshness_gate,
    held_redeliveries_gate,
    quarantine_gate,
    readable_files_gate,
    settled_files_gate,
)

CONTRACTS = load_contracts()
POLICE = CONTRACTS["police_occurrences"]  # weekly: 10 days, 2% quarantine


def test_quarantine_at_the_limit_passes_and_above_it_fails_saying_by_how_much() -> None:
    assert quarantine_gate(POLICE, 1000, 20).passed
    gate = quarantine_gate(POLICE, 1000, 25)
    assert not gate.passed
    assert gate.value == 0.025
    assert "2.50%" in gate.message and "0.50% over" in gate.message and "police_occurrences" == gate.source


def test_freshness_counts_days_from_the_newest_file_to_the_run_date() -> None:
    assert freshness_gate(POLICE, date(2026, 11, 16), date(2026, 11, 26)).passed
    late = freshness_gate(POLICE, date(2026, 11, 16), date(2026, 11, 30))
    assert not late.passed and late.value == 14
    assert "4 days over the 10-day limit" in late.message and POLICE.owner in late.message


def test_a_source_never_loaded_fails_freshness() -> None:
    gate = freshness_gate(POLICE, None, date(2026, 11, 16))
    assert not gate.passed and "has ever been loaded" in gate.message


def test_a_rejected_file_fails_the_run() -> None:
    assert readable_files_gate([]).passed
    gate = readable_files_gate(["police_occurrences_2026-11-16.csv"])
    assert not gate.passed and "police_occurrences_2026-11-16.csv" in gate.message


def test_gates_are_configured_by_each_contract() -> None:
    strict = {
        "police_occurrences": replace(
            POLICE, max_quarantine_share=0.001, max_age_days=3, min_quarantined_rows=1
        )
    }
    newest = {"police_occurrences": date(2026, 11, 12)}
    gates = evaluate_gates(strict, {"police_occurrences": (1000, 2)}, newest, [], date(2026, 11, 16))
    assert [(g.gate, g.passed) for g in gates] == [
        ("readable_files", True),
        ("held_redeliveries", True),
        ("settled_files", True),
        ("freshness", False),
        ("quarantine_share", False),
    ]


def test_the_share_gate_only_judges_sources_loaded_in_the_run() -> None:
    gates = evaluate_gates(
        CONTRACTS, {}, {name: date(2026, 11, 16) for name in CONTRACTS}, [], date(2026, 11, 16)
    )
    assert {g.gate for g in gates} == {"readable_files", "held_redeliveries", "settled_files", "freshness"}
    assert all(g.passed for g in gates)


def test_a_few_bad_rows_in_a_tiny_file_do_not_fail_the_share_gate() -> None:
    gate = quarantine_gate(POLICE, 40, 1)  # 2.5%, over the 2% limit, but a single row
    assert gate.passed and "under 5 rows" in gate.message
    assert not quarantine_gate(POLICE, 40, 40).passed  # a whole file of bad rows still fails


@pytest.mark.bad_input
def test_a_held_redelivery_fails_its_gate_naming_the_file_the_rows_and_what_to_do() -> None:
    gate = held_redeliveries_gate([("police_occurrences_2026-11-09.csv", 150, 0)])
    assert not gate.passed and gate.value == 1
    assert "police_occurrences_2026-11-09.csv 150 rows before, 0 after" in gate.message
    assert "--accept-shorter" in gate.message
    assert held_redeliveries_gate([]).passed


@pytest.mark.bad_input
def test_a_file_still_being_written_fails_the_settled_files_gate() -> None:
    gate = settled_files_gate(["health_referrals_2026-11-16.csv"])
    assert not gate.passed and "health_referrals_2026-11-16.csv" in gate.message
    assert "run the ingest again" in gate.message
    assert settled_files_gate([]).passed
