"""Data contracts: one YAML declaration per extract, checked by a JSON Schema and loaded as data."""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Literal

from data_contracts.columns import DATE_RULES, Column, Placeholders, Rule, snake_case
from data_contracts.declarations import parse_yaml
from data_contracts.schemas import best_schema_error, field_path, packaged_schema


class ContractError(ValueError):
    """A contract that does not satisfy the schema or is inconsistent with itself."""


@dataclass(frozen=True)
class Contract:
    """Everything an extract must satisfy to be loaded, and what its owner promised."""

    name: str
    agency: str
    description: str
    owner: str
    cadence: str
    file_pattern: str
    file_format: Literal["csv", "xlsx"]
    delimiter: str | None
    encoding: str | None
    sheet: str | None
    date_format: str
    record_id: str
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...]
    max_quarantine_share: float
    max_age_days: int
    min_quarantined_rows: int
    version: str  # sha256 of the declaration, so each load records the contract it met

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def file_regex(self) -> re.Pattern[str]:
        """Matches this source's file names; group 1 is the extract date."""
        prefix, suffix = self.file_pattern.split("{extract_date}")
        return re.compile(re.escape(prefix) + r"(\d{4}-\d{2}-\d{2})" + re.escape(suffix) + "$")

    def extract_date_of(self, file_name: str) -> date | None:
        """The extract date a file name carries, or None if the name is not this source's."""
        match = self.file_regex().match(file_name)
        if match is None:
            return None
        try:
            return date.fromisoformat(match.group(1))
        except ValueError:
            return None


def contract_schema() -> dict[str, Any]:
    """The JSON Schema every contract must satisfy."""
    return packaged_schema("data_contracts", "contract.schema.json")


@cache
def reference_codes(table: str, column: str) -> tuple[str, ...]:
    """The codes in one column of a reference table in ``data_contracts/reference``."""
    path = resources.files("data_contracts").joinpath("reference", f"{table}.csv")
    rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    if not rows or column not in rows[0]:
        raise ContractError(f"reference table {table} has no column {column!r}")
    return tuple(row[column] for row in rows)


def parse_contract(document: dict[str, Any], version: str = "") -> Contract:
    """Check a contract document against the schema and its own consistency.

    Args:
        document: the parsed YAML.
        version: a fingerprint of the declaration (its sha256).

    Returns:
        The contract.

    Raises:
        ContractError: naming the contract, the field and what is wrong.
    """
    name = document.get("name", "<unnamed>") if isinstance(document, dict) else "<not a mapping>"
    error = best_schema_error("data_contracts", "contract.schema.json", document)
    if error is not None:
        raise ContractError(f"contract {name}: {field_path(error)}: {error.message}")
    columns = tuple(_column(c) for c in document["columns"])
    rules = tuple(Rule(**r) for r in document["rules"])
    file = document["file"]
    contract = Contract(
        name=document["name"],
        agency=document["agency"],
        description=document["description"],
        owner=document["owner"],
        cadence=document["cadence"],
        file_pattern=file["pattern"],
        file_format=file["format"],
        delimiter=file.get("delimiter"),
        encoding=file.get("encoding"),
        sheet=file.get("sheet"),
        date_format=document["date_format"],
        record_id=document["record_id"],
        columns=columns,
        rules=rules,
        max_quarantine_share=float(document["gates"]["max_quarantine_share"]),
        max_age_days=int(document["gates"]["max_age_days"]),
        min_quarantined_rows=int(document["gates"].get("min_quarantined_rows", 5)),
        version=version,
    )
    _check_consistency(contract)
    return contract


def _column(entry: dict[str, Any]) -> Column:
    codes = entry.get("codes")
    codes_source = None
    if isinstance(codes, dict):
        codes_source = codes["reference"]
        codes = reference_codes(codes["reference"], codes["column"])
    placeholders = entry.get("placeholders")
    return Column(
        **{
            **entry,
            "codes": tuple(codes) if codes is not None else None,
            "codes_source": codes_source,
            "placeholders": (
                Placeholders(tuple(placeholders["values"]), bool(placeholders["repeated_digits"]))
                if placeholders is not None
                else None
            ),
        }
    )


def _check_consistency(contract: Contract) -> None:
    problems = []
    names = contract.column_names
    if len(set(names)) != len(names):
        problems.append("columns: a column is declared twice")
    if len({snake_case(n) for n in names}) != len(names):
        problems.append("columns: two columns have the same staging name")
    if contract.record_id not in names:
        problems.append(f"record_id: {contract.record_id!r} is not a declared column")
    if not contract.file_pattern.startswith(contract.name + "_"):
        problems.append(f"file.pattern: must start with the source name {contract.name}_")
    if not contract.file_pattern.endswith("." + contract.file_format):
        problems.append(f"file.pattern: must end with .{contract.file_format}")
    roles = [c.role for c in contract.columns if c.role]
    if len(set(roles)) != len(roles):
        problems.append("columns: a role is given to two columns")
    problems += _rule_problems(contract)
    for column in contract.columns:
        if column.pattern is not None:
            try:
                re.compile(column.pattern)
            except re.error as error:
                problems.append(f"columns/{column.name}/pattern: {error}")
        if column.minimum is not None and column.maximum is not None and column.minimum > column.maximum:
            problems.append(f"columns/{column.name}: minimum is above maximum")
    if problems:
        raise ContractError(f"contract {contract.name}: " + "; ".join(problems))


def _rule_problems(contract: Contract) -> list[str]:
    """Each rule reads columns of the type it compares: dates, or whole numbers for not_more_than."""
    problems = []
    dates = {c.name for c in contract.columns if c.type == "date"}
    numbers = {c.name for c in contract.columns if c.type == "integer"}
    if len({r.id for r in contract.rules}) != len(contract.rules):
        problems.append("rules: a rule id is used twice")
    for rule in contract.rules:
        wanted, what = (dates, "date") if rule.kind in DATE_RULES else (numbers, "whole-number")
        for name in (rule.column, rule.other):
            if name is not None and name not in wanted:
                problems.append(f"rules/{rule.id}: {name!r} is not a {what} column")
        if rule.other is not None and rule.other == rule.column:
            problems.append(f"rules/{rule.id}: compares {rule.column!r} with itself")
    return problems


def identifier_placeholders(contracts: Iterable[Contract]) -> dict[str, Placeholders]:
    """Every placeholder the contracts declare, by identifier kind (nhs, upn, pnc).

    Linkage reads identifiers of one kind from several extracts, so it refuses a value any of
    them declares a placeholder.

    Args:
        contracts: the contracts.

    Returns:
        Per identifier kind, the union of the declared values, and whether any contract refuses
        repeated digits.
    """
    merged: dict[str, Placeholders] = {}
    for contract in contracts:
        for column in contract.columns:
            if column.identifier is None or column.placeholders is None:
                continue
            seen = merged.get(column.identifier, Placeholders((), False))
            merged[column.identifier] = Placeholders(
                tuple(sorted({*seen.values, *column.placeholders.values})),
                seen.repeated_digits or column.placeholders.repeated_digits,
            )
    return merged


@lru_cache(maxsize=256)
def load_contract_file(text: str, file_name: str) -> Contract:
    """Parse one contract's YAML text; errors name the file.

    Parsed once per text: a run reads the contracts many times (a link run alone several), and parsing
    and checking every file took 0.1-0.3 s a read. A contract is frozen, so the parsed one is shared.
    """

    document = parse_yaml(text, file_name, ContractError)
    contract = parse_contract(document, hashlib.sha256(text.encode("utf-8")).hexdigest())
    if file_name != f"{contract.name}.yaml":
        raise ContractError(f"{file_name}: a contract's file must be named after it ({contract.name}.yaml)")
    return contract


def load_contracts(folder: Any = None) -> dict[str, Contract]:
    """Every contract in a folder (default: the ones shipped in ``data_contracts/``), by name.

    Args:
        folder: a ``pathlib.Path`` or importlib Traversable holding ``<source>.yaml`` files.

    Returns:
        Contracts keyed by source name, in name order.
    """
    folder = folder if folder is not None else resources.files("data_contracts")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    contracts = [load_contract_file(f.read_text(encoding="utf-8"), f.name) for f in files]
    return {c.name: c for c in contracts}
