"""Catalogue tests: every contract is valid, and agrees with the extracts the synthetic world sends."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from data_contracts.columns import LOWER_BOUNDS, UPPER_BOUNDS, Placeholders, snake_case
from data_contracts.contract import (
    Contract,
    ContractError,
    contract_schema,
    identifier_placeholders,
    load_contracts,
    parse_contract,
    reference_codes,
)
from data_contracts.identifiers import is_valid_nhs_number, is_valid_pnc_id, is_valid_upn
from synth.codes import EXCLUSION_REASONS, OFFENCE_MIX, SUSPENSION_REASONS
from synth.sources import SOURCES

CONTRACTS = load_contracts()
CONTRACT_DIR = Path(__file__).resolve().parents[2] / "data_contracts"


def document(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((CONTRACT_DIR / f"{name}.yaml").read_text("utf-8"))
    return loaded


def test_the_schema_is_itself_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(contract_schema())


def test_there_is_one_contract_per_extract_the_world_sends() -> None:
    assert sorted(CONTRACTS) == sorted(s.name for s in SOURCES)


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_contract_matches_the_extract_as_sent(source: Any) -> None:
    contract = CONTRACTS[source.name]
    assert contract.column_names == list(source.columns)
    assert contract.file_format == source.file_format
    assert contract.record_id == source.record_id
    assert contract.cadence == source.cadence
    if source.file_format == "csv":
        assert contract.delimiter == source.delimiter
        assert contract.date_format == source.date_format
    assert {c.name for c in contract.columns if c.type == "date"} == set(source.date_columns)
    if source.identifier:
        assert contract.column(source.identifier).type == "identifier"


@pytest.mark.parametrize("contract", CONTRACTS.values(), ids=lambda c: c.name)
def test_identity_columns_are_marked_personal_data(contract: Contract) -> None:
    for column in contract.columns:
        if column.role in ("person_id", "surname", "forenames", "date_of_birth", "postcode"):
            assert column.pii, f"{contract.name}.{column.name} identifies a person but is not marked pii"


@pytest.mark.parametrize("contract", CONTRACTS.values(), ids=lambda c: c.name)
def test_every_extract_has_a_plausible_birth_date_rule_and_no_events_after_the_extract(
    contract: Contract,
) -> None:
    kinds = {r.kind for r in contract.rules}
    assert {"date_of_birth_plausible", "not_after_extract"} <= kinds


def bounded_below(contract: Contract, column: str, seen: frozenset[str] = frozenset()) -> bool:
    """Whether a date column has an earliest plausible date: its own, or not before a column that has one."""
    for rule in contract.rules:
        if rule.column != column or rule.kind not in LOWER_BOUNDS:
            continue
        if rule.kind != "not_before":
            return True
        assert rule.other is not None
        if rule.other not in seen and bounded_below(contract, rule.other, seen | {column}):
            return True
    return False


@pytest.mark.parametrize("contract", CONTRACTS.values(), ids=lambda c: c.name)
def test_every_date_column_has_an_earliest_and_a_latest_plausible_date(contract: Contract) -> None:
    for column in (c.name for c in contract.columns if c.type == "date"):
        assert bounded_below(contract, column), f"{contract.name}.{column} has no earliest plausible date"
        upper = {r.kind for r in contract.rules if r.column == column} & set(UPPER_BOUNDS)
        assert upper, f"{contract.name}.{column} has no latest plausible date"


def test_a_not_before_cycle_is_no_lower_bound() -> None:
    doc = copy.deepcopy(document("health_referrals"))
    doc["rules"] = [r for r in doc["rules"] if r["kind"] != "date_of_birth_plausible"]
    doc["rules"].append(
        {
            "id": "loop",
            "kind": "not_before",
            "column": "PERSON_BIRTH_DATE",
            "other": "RECORDED_DATE",
            "description": "a rule that only refers back",
        }
    )
    assert not bounded_below(parse_contract(doc), "REFERRAL_DATE")


@pytest.mark.parametrize("contract", CONTRACTS.values(), ids=lambda c: c.name)
def test_every_identifier_column_refuses_the_placeholders_of_its_kind(contract: Contract) -> None:
    known = {"nhs": {"0000000000", "9999999999"}, "upn": {"A000000000000"}, "pnc": {"0000/0000000Z"}}
    for column in contract.columns:
        if column.type == "identifier":
            assert column.identifier is not None and column.placeholders is not None
            assert known[column.identifier] <= set(column.placeholders.values), column.name
            assert column.placeholders.repeated_digits, column.name


def test_the_known_placeholders_pass_their_check_digits_so_must_be_declared() -> None:
    assert is_valid_nhs_number("0000000000") and is_valid_nhs_number("9999999999")
    assert is_valid_nhs_number("1111111111")  # every repeated-digit NHS number passes modulus 11
    assert is_valid_upn("A000000000000")
    assert is_valid_pnc_id("0000/0000000Z")


def test_placeholders_are_gathered_by_identifier_kind_across_contracts() -> None:
    merged = identifier_placeholders(CONTRACTS.values())
    assert merged["nhs"] == Placeholders(("0000000000", "9999999999"), True)
    assert merged["pnc"] == Placeholders(("0000/0000000Z",), True)
    assert set(merged) == {"nhs", "upn", "pnc"}


def test_the_offence_codes_the_world_draws_are_in_the_reference_table() -> None:
    known = set(reference_codes("offence_codes", "ho_code"))
    drawn = {code for mix in OFFENCE_MIX.values() for code in mix}
    assert drawn <= known


def test_the_exclusion_reasons_the_world_draws_are_in_the_reference_table() -> None:
    assert set(SUSPENSION_REASONS) | set(EXCLUSION_REASONS) <= set(
        reference_codes("exclusion_reasons", "code")
    )


def test_staging_names_are_snake_case() -> None:
    assert snake_case("Exclusion ID") == "exclusion_id"
    assert snake_case("Date of Birth") == "date_of_birth"
    assert snake_case("PERSON_BIRTH_DATE") == "person_birth_date"


def broken(change: str) -> dict[str, Any]:
    doc = copy.deepcopy(document("police_occurrences"))
    if change == "no owner":
        del doc["owner"]
    elif change == "unknown type":
        doc["columns"][0]["type"] = "uuid"
    elif change == "code without codes":
        del doc["columns"][8]["codes"]
    elif change == "not_before without other":
        del doc["rules"][3]["other"]
    elif change == "csv without delimiter":
        del doc["file"]["delimiter"]
    elif change == "record id not a column":
        doc["record_id"] = "ROW_ID"
    elif change == "rule on a text column":
        doc["rules"][1]["column"] = "SURNAME"
    elif change == "repeated column":
        doc["columns"].append(dict(doc["columns"][0]))
    elif change == "bad pattern":
        doc["columns"][0]["pattern"] = "^OCC[0-9"
    elif change == "identifier without placeholders":
        del doc["columns"][2]["placeholders"]
    elif change == "placeholders on a name":
        doc["columns"][3]["placeholders"] = {"values": ["X"], "repeated_digits": False}
    elif change == "release bound without years":
        doc["rules"].append(
            {
                "id": "later",
                "kind": "within_years_after_extract",
                "column": "OFFENCE_DATE",
                "description": "a bound with no number of years",
            }
        )
    elif change == "numeric bound on dates":
        doc["rules"].append(
            {
                "id": "more",
                "kind": "not_more_than",
                "column": "OFFENCE_DATE",
                "other": "RECORDED_DATE",
                "description": "dates are not whole numbers",
            }
        )
    elif change == "repeated rule id":
        doc["rules"].append(dict(doc["rules"][0]))
    return doc


@pytest.mark.parametrize(
    "change",
    [
        "no owner",
        "unknown type",
        "code without codes",
        "not_before without other",
        "csv without delimiter",
        "record id not a column",
        "rule on a text column",
        "repeated column",
        "bad pattern",
        "identifier without placeholders",
        "placeholders on a name",
        "release bound without years",
        "numeric bound on dates",
        "repeated rule id",
    ],
)
def test_a_broken_contract_is_refused_with_a_message_naming_it(change: str) -> None:
    with pytest.raises(ContractError, match="police_occurrences"):
        parse_contract(broken(change))


def test_a_contract_file_must_be_named_after_its_source(tmp_path: Path) -> None:
    text = (CONTRACT_DIR / "police_occurrences.yaml").read_text("utf-8")
    (tmp_path / "occurrences.yaml").write_text(text, "utf-8")
    with pytest.raises(ContractError, match="must be named after it"):
        load_contracts(tmp_path)


def test_file_names_carry_the_extract_date() -> None:
    contract = CONTRACTS["police_occurrences"]
    assert str(contract.extract_date_of("police_occurrences_2026-11-16.csv")) == "2026-11-16"
    assert contract.extract_date_of("police_occurrences_2026-02-30.csv") is None
    assert contract.extract_date_of("police_occurrences_2026-11-16.xlsx") is None
    assert contract.extract_date_of("police_custody_2026-11-16.csv") is None


def test_contract_version_changes_with_its_text(tmp_path: Path) -> None:
    text = (CONTRACT_DIR / "health_referrals.yaml").read_text("utf-8")
    (tmp_path / "health_referrals.yaml").write_text(text + "\n# reviewed\n", "utf-8")
    assert load_contracts(tmp_path)["health_referrals"].version != CONTRACTS["health_referrals"].version


def test_each_contract_file_is_parsed_once_however_often_the_contracts_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import data_contracts.contract as contract_module

    parsed: list[str] = []
    real_parse = contract_module.parse_yaml

    def counting_parse(text: str, where: str, error: type[Exception]) -> Any:
        parsed.append(where)
        return real_parse(text, where, error)

    monkeypatch.setattr(contract_module, "parse_yaml", counting_parse)
    text = (CONTRACT_DIR / "health_referrals.yaml").read_text("utf-8") + "\n# parsed once\n"
    (tmp_path / "health_referrals.yaml").write_text(text, "utf-8")
    first, second = load_contracts(tmp_path), load_contracts(tmp_path)
    assert parsed == ["health_referrals.yaml"]
    assert second["health_referrals"] is first["health_referrals"]
    (tmp_path / "health_referrals.yaml").write_text(text + "# edited\n", "utf-8")  # a new text is parsed anew
    assert load_contracts(tmp_path)["health_referrals"].version != first["health_referrals"].version
    assert parsed == ["health_referrals.yaml"] * 2
