"""JSON Schemas shipped inside cohort's packages, and checking a declaration against one.

Contracts, linkage settings, the feature registry, the area and every rule are declarations in
YAML, each checked by a JSON Schema beside it; this is the one place those schemas are read.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema


@cache
def packaged_schema(package: str, file_name: str) -> dict[str, Any]:
    """The JSON Schema ``file_name`` shipped in ``package``."""
    schema: dict[str, Any] = json.loads(resources.files(package).joinpath(file_name).read_text("utf-8"))
    return schema


@cache
def _validator(package: str, file_name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(packaged_schema(package, file_name))


def schema_errors(package: str, file_name: str, document: object) -> list[jsonschema.ValidationError]:
    """Every way ``document`` breaks the schema, in document order (the first is the one to report)."""
    return sorted(_validator(package, file_name).iter_errors(document), key=lambda e: list(e.path))


def best_schema_error(package: str, file_name: str, document: object) -> jsonschema.ValidationError | None:
    """The error jsonschema judges most relevant (``best_match``), or None when ``document`` conforms."""
    best: jsonschema.ValidationError | None = jsonschema.exceptions.best_match(
        schema_errors(package, file_name, document)
    )
    return best


def field_path(error: jsonschema.ValidationError) -> str:
    """Where in the document ``error`` lies, as "columns/3/codes", or "(top level)"."""
    return "/".join(str(p) for p in error.absolute_path) or "(top level)"


def schema_problem(package: str, file_name: str, document: object, checked: str) -> str | None:
    """The first way ``document`` (read from ``checked``) breaks the schema, as "FILE: FIELD: what is
    wrong", or None when it conforms."""
    errors = schema_errors(package, file_name, document)
    if not errors:
        return None
    return f"{checked}: {field_path(errors[0])}: {errors[0].message}"
