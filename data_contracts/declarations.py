"""The one loader for YAML declarations and settings: read, parse, check against a JSON Schema.

Contracts, rules, the feature registry, and the list, model, linkage, fairness, legal-basis,
retention and board-pack settings are all YAML. Each is read here (from the file shipped in its
package, or from a path the user gave), parsed safely, and, where it has one, checked against
the JSON Schema beside it (:mod:`data_contracts.schemas`). Every message names the file.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from data_contracts.schemas import schema_problem


class DeclarationError(ValueError):
    """A declaration cannot be read, is not YAML, or breaks its schema; the message names the file."""


def declaration_text(package: str, file_name: str, path: Path | None = None) -> tuple[str, str]:
    """The text of ``path``, or of ``file_name`` shipped in ``package``, with the name to use in messages.

    Args:
        package: the package that ships the default (e.g. ``"lists"``).
        file_name: the shipped file (e.g. ``"settings.yaml"``).
        path: a file the user gave instead, or None for the shipped one.

    Returns:
        ``(text, where)``: where is the path given, or ``package/file_name``.
    """
    if path is None:
        return resources.files(package).joinpath(file_name).read_text("utf-8"), f"{package}/{file_name}"
    return path.read_text("utf-8"), str(path)


def parse_yaml(
    text: str,
    where: str,
    error: type[Exception] = DeclarationError,
    problem: str = "not valid YAML",
) -> Any:
    """Parse YAML text safely (no Python objects); a syntax error raises ``error("WHERE: PROBLEM: ...")``.

    Args:
        text: the YAML.
        where: the file (or run) it came from, for messages.
        error: the exception the caller's users catch (e.g. ``ContractError``).
        problem: how the message names the fault.
    """
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as fault:
        raise error(f"{where}: {problem}: {fault}") from fault


def check_schema(
    document: object, where: str, schema: tuple[str, str], error: type[Exception] = DeclarationError
) -> None:
    """Raise ``error("WHERE: FIELD: what is wrong")`` when ``document`` breaks ``schema`` (package, file)."""
    found = schema_problem(*schema, document, where)
    if found:
        raise error(found)


def load_declaration(
    package: str,
    file_name: str,
    path: Path | None = None,
    *,
    schema: str | None = None,
    error: type[Exception] = DeclarationError,
    problem: str = "not valid YAML",
) -> tuple[Any, str]:
    """Read, parse and (when ``schema`` names one in ``package``) check a declaration.

    Returns:
        ``(document, where)``: the parsed YAML and the name of the file it came from.
    """
    try:
        text, where = declaration_text(package, file_name, path)
    except OSError as fault:
        raise error(f"{path or f'{package}/{file_name}'}: {problem}: {fault}") from fault
    document = parse_yaml(text, where, error, problem)
    if schema is not None:
        check_schema(document, where, (package, schema), error)
    return document, where
