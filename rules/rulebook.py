"""The rulebook: one reviewed YAML file per rule, checked against its schema and the feature registry.

Every mistake is reported with the file and line it is on, so the person editing a rule can fix
it without reading code. The rulebook's version is a hash of its files: any edit makes a new one.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from data_contracts.declarations import parse_yaml
from data_contracts.schemas import packaged_schema, schema_errors
from features.registry import Feature, registry
from rules.condition import Condition, ConditionError, parse_condition

KINDS = ("population", "eligibility", "exclusion")
DATES_SUFFIX = "_dates"


class RuleError(ValueError):
    """A rule file that cannot be used, naming the file, the line and what to change."""


@dataclass(frozen=True)
class Rule:
    """One checked rule."""

    id: str
    kind: Literal["population", "eligibility", "exclusion"]
    text: str
    when: Condition
    reason: str  # a template over features and <feature>_dates
    owner: str
    policy_ref: str
    notes: str
    file: str

    @property
    def reason_fields(self) -> tuple[str, ...]:
        """The placeholders of the reason, in order."""
        return tuple(name for _, name, _, _ in string.Formatter().parse(self.reason) if name)

    @property
    def facts(self) -> tuple[str, ...]:
        """Every column the rule reads, for its condition or its reason."""
        return tuple(dict.fromkeys(self.when.features + self.reason_fields))


@dataclass(frozen=True)
class Rulebook:
    """The rules in the order a board reads them (population, eligibility, exclusion) and their version."""

    rules: tuple[Rule, ...]
    version: str  # sha256 of the rule files' names and contents
    files: tuple[tuple[str, str], ...] = ()  # (file name, text) of every rule file, as read

    def of_kind(self, kind: str) -> list[Rule]:
        return [rule for rule in self.rules if rule.kind == kind]


def default_rulebook_dir() -> Path:
    """The rulebook shipped with cohort (rules/rulebook/)."""
    return Path(str(resources.files("rules").joinpath("rulebook")))


def load_rulebook(directory: Path | None = None, features: Mapping[str, Feature] | None = None) -> Rulebook:
    """Read and check every ``*.yaml`` rule in ``directory``.

    Raises:
        RuleError: the first problem found, as ``<file>:<line>: <what is wrong>``.
    """
    directory = directory or default_rulebook_dir()
    files = {path.name: path.read_bytes().decode("utf-8") for path in sorted(directory.glob("*.yaml"))}
    if not files:
        raise RuleError(f"{directory}: no rule files (*.yaml) found; point --rulebook at the rules folder")
    return rulebook_from_files(files, str(directory), features)


def rulebook_from_files(
    files: Mapping[str, str], where: str, features: Mapping[str, Feature] | None = None
) -> Rulebook:
    """Check rule files given as {file name: text} (a folder's, or those a list run pinned).

    Raises:
        RuleError: the first problem found, as ``<file>:<line>: <what is wrong>``.
    """
    features = registry() if features is None else features
    names = sorted(files)
    rules = [parse_rule(files[name], name, features) for name in names]
    if not any(rule.kind == "eligibility" for rule in rules):
        raise RuleError(f"{where}: no eligibility rule, so nobody could ever be listed")
    ordered = sorted(rules, key=lambda r: (KINDS.index(r.kind), r.file))
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode() + b"\0" + files[name].encode("utf-8") + b"\0")
    return Rulebook(tuple(ordered), digest.hexdigest(), tuple((name, files[name]) for name in names))


def parse_rule(text: str, file_name: str, features: Mapping[str, Feature]) -> Rule:
    """Check one rule file's text. ``file_name`` is used in messages and must be ``<id>.yaml``, which
    also keeps ids unique within a folder."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)  # for the line of each field
        data = parse_yaml(text, file_name, _NotYaml)
    except yaml.YAMLError as error:
        raise _not_yaml(file_name, error) from error
    except _NotYaml as wrapped:
        assert isinstance(wrapped.__cause__, yaml.YAMLError)
        raise _not_yaml(file_name, wrapped.__cause__) from wrapped.__cause__
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        raise RuleError(f"{file_name}:1: a rule is a mapping of fields (id, kind, text, when, ...)")
    lines = {key.value: value.start_mark.line + 1 for key, value in node.value}
    _check_schema(data, file_name, lines)
    if data["id"] != Path(file_name).stem:
        raise RuleError(
            f"{file_name}:{lines['id']}: id '{data['id']}' must match the file name ({file_name})"
        )
    try:
        when = parse_condition(data["when"], features)
    except ConditionError as error:
        raise RuleError(
            f"{file_name}:{lines['when']}: in `when`, at character {error.offset + 1}: {error}"
        ) from error
    rule = Rule(
        data["id"], data["kind"], data["text"].strip(), when, data["reason"].strip(),
        data["owner"], data["policy_ref"], data.get("notes", "").strip(), file_name,
    )  # fmt: skip
    _check_reason(rule, features, lines["reason"])
    return rule


class _NotYaml(Exception):
    """The loader's wrapper round PyYAML's error, unwrapped to name the line (:func:`_not_yaml`)."""


def _not_yaml(file_name: str, error: yaml.YAMLError) -> RuleError:
    """``FILE:LINE: not valid YAML: PROBLEM``, the line from PyYAML's mark (1 when it has none)."""
    mark = getattr(error, "problem_mark", None)
    line = mark.line + 1 if mark else 1
    return RuleError(f"{file_name}:{line}: not valid YAML: {getattr(error, 'problem', error)}")


def _check_schema(data: dict[str, Any], file_name: str, lines: dict[str, int]) -> None:
    allowed = packaged_schema("rules", "rule.schema.json")["properties"]
    for field in data:
        if field not in allowed:
            raise RuleError(
                f"{file_name}:{lines.get(field, 1)}: unknown field '{field}' (fields: {', '.join(allowed)})"
            )
    errors = schema_errors("rules", "rule.schema.json", data)
    if errors:
        first = errors[0]
        name = str(first.path[0]) if first.path else ""
        where = f"field '{name}': " if name else ""
        raise RuleError(f"{file_name}:{lines.get(name, 1)}: {where}{first.message}")


def _check_reason(rule: Rule, features: Mapping[str, Feature], line: int) -> None:
    problem = template_problem(rule.reason, features)
    if problem:
        raise RuleError(f"{rule.file}:{line}: `reason` {problem}")


def template_problem(template: str, features: Mapping[str, Feature]) -> str | None:
    """What is wrong with a reason template over features and ``<feature>_dates``, or None."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as error:
        return f"is not a template: {error} (write {{feature}})"
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if spec or conversion:
            return f"placeholder {{{name}}} may not have a format"
        if name in features:
            continue
        base = name.removesuffix(DATES_SUFFIX)
        if name.endswith(DATES_SUFFIX) and base in features and features[base].dated:
            continue
        return (
            f"uses {{{name}}}, which is not a registered feature "
            f"(or {DATES_SUFFIX} of a dated count); see features/registry.yaml"
        )
    return None
