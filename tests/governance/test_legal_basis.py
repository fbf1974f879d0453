"""governance/legal_basis.yaml: every source the registry uses has a basis, each proposed until confirmed."""

from __future__ import annotations

import copy
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from features.registry import Feature, registry
from governance.legal_basis import PROPOSED, LegalBasisError, load_legal_basis, parse_legal_basis


@pytest.fixture()
def document() -> dict[str, Any]:
    text = resources.files("governance").joinpath("legal_basis.yaml").read_text("utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return copy.deepcopy(loaded)


def test_every_registered_source_has_a_basis_proposed_until_a_person_confirms_it() -> None:
    bases = load_legal_basis()
    assert {f.source for f in registry().values()} <= set(bases)
    for source, basis in bases.items():
        assert basis.source == source and basis.bases and basis.controller
        assert basis.status == "proposed" and basis.confirmed_by is None and basis.confirmed_on is None
        assert basis.status_text == PROPOSED == "proposed - to be confirmed by the Data Protection Officer"


def test_the_bases_name_the_law_each_agency_relies_on() -> None:
    bases = load_legal_basis()
    assert "Part 3" in bases["police"].bases[0] and "Schedule 8" in (bases["police"].sensitive or "")
    for source in ("education", "health"):
        text = " ".join(bases[source].bases)
        assert "Police, Crime, Sentencing and Courts Act 2022 ss.16-17" in text and "6(1)(e)" in text
        assert "9(2)(g)" in (bases[source].sensitive or "") and "para 6" in (bases[source].sensitive or "")
    assert "programme's own records" in bases["review"].bases[0]


def test_a_source_missing_from_the_file_is_refused_by_name(document: dict[str, Any]) -> None:
    del document["sources"]["health"]
    with pytest.raises(
        LegalBasisError, match=r"legal_basis\.yaml: sources: no legal basis for source 'health'"
    ):
        parse_legal_basis(document)


def test_a_registry_source_the_schema_does_not_know_is_refused_with_its_features(
    document: dict[str, Any],
) -> None:
    probation = Feature(
        "probation_orders_ever",
        "Orders supervised by probation.",
        "{value} orders",
        "probation",
        "count",
        "increasing",
        True,
        False,
    )
    with pytest.raises(LegalBasisError, match=r"source 'probation' \(features probation_orders_ever\)"):
        parse_legal_basis(document, features={**registry(), probation.name: probation})


def test_a_source_the_registry_does_not_have_is_refused(document: dict[str, Any]) -> None:
    document["sources"]["probation"] = document["sources"]["police"]
    with pytest.raises(LegalBasisError, match="'probation' is not a source of features/registry.yaml"):
        parse_legal_basis(document)


def test_a_confirmation_needs_who_and_when(document: dict[str, Any]) -> None:
    police = document["sources"]["police"]
    police["status"] = "confirmed"
    with pytest.raises(LegalBasisError, match="sources/police/confirmed_by: .*confirmed_on"):
        parse_legal_basis(document)
    police["confirmed_by"] = "J Smith, Data Protection Officer"
    police["confirmed_on"] = date(2026, 12, 1)  # as YAML reads an unquoted date
    basis = parse_legal_basis(document)["police"]
    assert basis.confirmed and basis.confirmed_on == date(2026, 12, 1)
    assert basis.status_text == "confirmed by J Smith, Data Protection Officer on 01/12/2026"
    assert basis.as_dict()["confirmed_on"] == "2026-12-01"


def test_a_proposed_basis_cannot_carry_a_confirmation(document: dict[str, Any]) -> None:
    document["sources"]["education"]["confirmed_by"] = "J Smith"
    with pytest.raises(LegalBasisError, match="sources/education/confirmed_by"):
        parse_legal_basis(document)


def test_a_basis_needs_at_least_one_law(document: dict[str, Any]) -> None:
    document["sources"]["health"]["bases"] = []
    with pytest.raises(LegalBasisError, match="sources/health/bases"):
        parse_legal_basis(document)


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "legal_basis.yaml"
    path.write_text("sources: [unclosed", encoding="utf-8")
    with pytest.raises(LegalBasisError, match=f"{path}: cannot be read as YAML"):
        load_legal_basis(path)
