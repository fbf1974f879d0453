"""The legal basis for each source agency's data (governance/legal_basis.yaml), checked against its
schema and against the feature registry, so every feature carries a recorded basis."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema

from data_contracts.declarations import load_declaration
from data_contracts.schemas import packaged_schema, schema_errors
from features.registry import Feature, registry

LEGAL_BASIS_FILE = "governance/legal_basis.yaml"
PROPOSED = "proposed - to be confirmed by the Data Protection Officer"
_HINTS = {
    "confirmed_by": "a confirmed basis needs confirmed_by (name and role) and confirmed_on (YYYY-MM-DD); "
    "a proposed one leaves both null",
    "confirmed_on": "write the date as YYYY-MM-DD with status: confirmed, or null while proposed",
}


class LegalBasisError(ValueError):
    """The legal-basis file breaks its schema or leaves a registered source without a basis."""


@dataclass(frozen=True)
class LegalBasis:
    """The recorded basis for one source agency's data."""

    source: str
    agency: str
    controller: str
    purpose: str
    bases: tuple[str, ...]
    sensitive: str | None
    sharing_agreement: str | None
    notes: str | None
    status: str  # proposed | confirmed
    confirmed_by: str | None
    confirmed_on: date | None

    @property
    def confirmed(self) -> bool:
        return self.status == "confirmed"

    @property
    def status_text(self) -> str:
        """ "proposed - to be confirmed by the Data Protection Officer", or who confirmed it and when."""
        if not self.confirmed or self.confirmed_on is None:
            return PROPOSED
        return f"confirmed by {self.confirmed_by} on {self.confirmed_on:%d/%m/%Y}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, with the status in words."""
        return {
            "source": self.source,
            "agency": self.agency,
            "controller": self.controller,
            "purpose": self.purpose,
            "bases": list(self.bases),
            "sensitive": self.sensitive,
            "sharing_agreement": self.sharing_agreement,
            "notes": self.notes,
            "status": self.status,
            "status_text": self.status_text,
            "confirmed_by": self.confirmed_by,
            "confirmed_on": None if self.confirmed_on is None else self.confirmed_on.isoformat(),
        }


def parse_legal_basis(
    document: Any, file_name: str = LEGAL_BASIS_FILE, features: Mapping[str, Feature] | None = None
) -> dict[str, LegalBasis]:
    """Check a legal-basis document and return each source's basis.

    Args:
        document: the parsed YAML.
        file_name: named in errors.
        features: the feature registry [default: features/registry.yaml]; every source it uses
            must have a basis.

    Raises:
        LegalBasisError: naming the file, the source and the field, and what to do.
    """
    document = _dates_as_text(document)
    errors = schema_errors("governance", "legal_basis.schema.json", document)
    if errors:
        raise LegalBasisError(_describe(errors[0], file_name))
    features = registry() if features is None else features
    bases = {source: _basis(source, entry) for source, entry in document["sources"].items()}
    used: dict[str, list[str]] = {}
    for feature in features.values():
        used.setdefault(feature.source, []).append(feature.name)
    for source, names in used.items():
        if source not in bases:
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            raise LegalBasisError(
                f"{file_name}: sources: no legal basis for source {source!r} (features {shown}): "
                f"add an entry for {source!r} before any feature from it is used"
            )
    return bases


def load_legal_basis(path: Path | None = None) -> dict[str, LegalBasis]:
    """Read and check governance/legal_basis.yaml (or ``path``).

    Raises:
        LegalBasisError: the file cannot be read or is not valid.
    """
    document, where = load_declaration(
        "governance", "legal_basis.yaml", path, error=LegalBasisError, problem="cannot be read as YAML"
    )
    return parse_legal_basis(document, where)


def _basis(source: str, entry: dict[str, Any]) -> LegalBasis:
    confirmed_on = entry["confirmed_on"]
    return LegalBasis(
        source=source,
        agency=" ".join(entry["agency"].split()),
        controller=entry["controller"],
        purpose=" ".join(entry["purpose"].split()),
        bases=tuple(" ".join(b.split()) for b in entry["bases"]),
        sensitive=entry["sensitive"],
        sharing_agreement=entry["sharing_agreement"],
        notes=entry["notes"],
        status=entry["status"],
        confirmed_by=entry["confirmed_by"],
        confirmed_on=None if confirmed_on is None else date.fromisoformat(confirmed_on),
    )


def _dates_as_text(document: Any) -> Any:
    """YAML reads an unquoted 2026-12-01 as a date: hand it to the schema as the text it was."""
    if isinstance(document, dict):
        return {key: _dates_as_text(value) for key, value in document.items()}
    if isinstance(document, list):
        return [_dates_as_text(value) for value in document]
    return document.isoformat() if isinstance(document, date) else document


def _describe(error: jsonschema.ValidationError, file_name: str) -> str:
    where = "/".join(str(p) for p in error.path) or "(top level)"
    if error.validator == "required" and list(error.path) == ["sources"]:
        schema = packaged_schema("governance", "legal_basis.schema.json")
        required = schema["properties"]["sources"]["required"]
        given: Any = error.instance
        missing = [source for source in required if source not in given]
        return (
            f"{file_name}: sources: no legal basis for source {missing[0]!r}: every source in "
            f"features/registry.yaml needs one; add an entry for {missing[0]!r}"
        )
    if error.validator == "enum" and list(error.path) == ["sources"]:  # a name propertyNames refused
        return (
            f"{file_name}: sources: {error.instance!r} is not a source of features/registry.yaml: "
            "correct its name or remove it"
        )
    field = str(error.path[-1]) if error.path else ""
    hint = _HINTS.get(field, "see the comments at the top of the file")
    return f"{file_name}: {where}: {error.message} ({hint})"
