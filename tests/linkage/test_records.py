"""Records from every extract in one shape, grouped into registrations by identifier."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from data_contracts.contract import load_contracts
from linkage.config import SettingsError, load_settings
from linkage.records import RECORD_SCHEMA, declared_placeholders, registrations, without_placeholders
from pipelines.link.run import read_records

SEX = load_settings().sex_codes


def record(source: str, rid: str, kind: str | None, ident: str | None, forenames: str, sex: str,
           postcode: str | None, load_id: int = 1) -> dict[str, object]:  # fmt: skip
    return {"source": source, "source_record_id": rid, "load_id": load_id, "row_number": int(rid[-1]),
            "identifier_kind": kind, "identifier": ident, "surname": "SMITH", "forenames": forenames,
            "dob": date(2008, 2, 29), "sex_code": sex, "postcode": postcode}  # fmt: skip


def test_records_sharing_an_identifier_form_one_registration_described_by_most_of_them() -> None:
    rows = [
        record("police_custody", "C1", "pnc", "2020/1234567A", "AMY JANE", "F", "B1 1AA"),
        record("police_occurrences", "O2", "pnc", "2020/1234567A", "AMY", "F", "B2 2BB", load_id=2),
        record("police_occurrences", "O3", "pnc", "2020/1234567A", "AMY JANE", "U", None, load_id=2),
        record("health_referrals", "R1", "nhs", "9434765919", "AMY", "2", "B1 1AA"),
        record("partner_referrals", "V1", None, None, "AMY", "Female", "B1 1AA"),
    ]
    keyed, described = registrations(pl.DataFrame(rows, schema=RECORD_SCHEMA), SEX)
    assert described["registration"].to_list() == [
        "nhs:9434765919", "partner_referrals:V1", "pnc:2020/1234567A",
    ]  # fmt: skip
    police = described.filter(pl.col("registration") == "pnc:2020/1234567A").row(0, named=True)
    assert (police["forename"], police["middle_names"], police["sex"]) == ("AMY", "JANE", "F")
    assert police["postcode"] == "B2 2BB"  # the latest load's
    assert police["postcodes"] == ["B1 1AA", "B2 2BB"]
    assert police["records"] == 3
    assert set(described["sex"]) == {"F"}  # F, 2 and Female are one code


@pytest.mark.bad_input
def test_five_people_sharing_a_placeholder_nhs_number_are_not_joined_by_it() -> None:
    people = ["AMY", "BEN", "CARA", "DAN", "EVE"]
    rows = [
        record("health_referrals", f"R{i}", "nhs", "9999999999", name, "2", f"B{i} 1AA")
        for i, name in enumerate(people, start=1)
    ] + [
        record("health_ed_attendances", "E1", "nhs", "0000000000", "FAY", "2", None),
        record("health_ed_attendances", "E2", "nhs", "0000000000", "GUS", "1", None),
        record("police_custody", "C1", "pnc", "0000/0000000Z", "HAL", "M", None),
        record("police_custody", "C2", "pnc", "0000/0000000Z", "IVY", "F", None),
        record("education_activity", "A1", "upn", "A000000000000", "JO", "F", None),
        record("education_activity", "A2", "upn", "A000000000000", "KAI", "M", None),
        record("health_referrals", "R6", "nhs", "9434765919", "AMY", "2", None),  # a real number, twice
        record("health_referrals", "R7", "nhs", "9434765919", "AMY", "2", None),
    ]
    keyed, described = registrations(pl.DataFrame(rows, schema=RECORD_SCHEMA), SEX)
    assert described.height == 12  # ten registrations of their own, and one real number's two records
    assert described.filter(pl.col("records") > 1)["registration"].to_list() == ["nhs:9434765919"]
    assert keyed.filter(pl.col("source_record_id").is_in(["R1", "C1", "A1"]))["identifier"].to_list() == [
        None, None, None,
    ]  # fmt: skip


@pytest.mark.bad_input
def test_a_repeated_digit_identifier_is_treated_as_missing_and_a_real_one_is_kept() -> None:
    rows = [
        record("health_referrals", "R1", "nhs", "4444444444", "AMY", "2", None),  # passes modulus 11
        record("police_custody", "C2", "pnc", "1111/1111111W", "BEN", "M", None),  # passes its check
        record("police_custody", "C3", "pnc", "2020/1234567A", "CARA", "F", None),
        record("partner_referrals", "V4", None, None, "DAN", "Male", None),
    ]
    cleaned = without_placeholders(pl.DataFrame(rows, schema=RECORD_SCHEMA), declared_placeholders())
    assert cleaned.select("identifier_kind", "identifier").rows() == [
        (None, None), (None, None), ("pnc", "2020/1234567A"), (None, None),
    ]  # fmt: skip


def test_every_extract_declares_the_identity_roles_linkage_reads(ingested: Path) -> None:
    with duckdb.connect(str(ingested), read_only=True) as con:
        records = read_records(con)
    assert set(records["source"]) == set(load_contracts())
    assert records.filter(pl.col("surname").is_null() | pl.col("dob").is_null()).height == 0
    unknown = set(records["sex_code"].unique()) - set(SEX)
    assert not unknown, f"sex codes with no mapping in linkage/settings.yaml: {unknown}"


def test_broken_settings_name_the_file_and_the_setting(tmp_path: Path) -> None:
    text = load_settings().text
    bad = tmp_path / "settings.yaml"
    bad.write_text(text.replace("match_threshold: 0.999", "match_threshold: 1.5"))
    with pytest.raises(SettingsError, match=r"settings.yaml: match_threshold"):
        load_settings(bad)
    bad.write_text(text.replace("review_threshold: 0.9", "review_threshold: 0.9999"))
    with pytest.raises(SettingsError, match="review_threshold must be below match_threshold"):
        load_settings(bad)
    bad.write_text(text + "\nsurprise: 1\n")
    with pytest.raises(SettingsError, match="surprise"):
        load_settings(bad)
    bad.write_text("match_threshold: [0.999")
    with pytest.raises(SettingsError, match=r"settings.yaml: not valid YAML"):
        load_settings(bad)
