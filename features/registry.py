"""The feature registry (features/registry.yaml): what each feature means and how it may be used."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from data_contracts.declarations import declaration_text, parse_yaml
from data_contracts.schemas import schema_errors
from features.wording import agree, agreement_problem

WINDOW_TEXT = {
    "90d": "in the last 90 days",
    "125d": "in the last 125 days",
    "365d": "in the last 12 months",
    "730d": "in the last 2 years",
    "ever": "ever",
}
REGISTRY_FILE = "features/registry.yaml"
NUMERIC = ("count", "number", "percent", "days", "years")
"""The types whose values are numbers, which ``[one|other]`` choices agree with (features.wording)."""


class RegistryError(ValueError):
    """The registry breaks its schema or repeats a name."""


@dataclass(frozen=True)
class Feature:
    """One registered feature."""

    name: str
    description: str
    template: str  # with {value} only
    source: str
    type: Literal["count", "number", "percent", "days", "years", "flag", "date", "text"]
    direction: Literal["increasing", "decreasing", "none"]
    model: bool
    dated: bool
    protected: bool = False
    labels: tuple[tuple[str, str], ...] = ()  # (code, label) for a coded text feature

    @property
    def monotone(self) -> int:
        """LightGBM's monotone constraint: 1, -1 or 0."""
        return {"increasing": 1, "decreasing": -1, "none": 0}[self.direction]

    def label(self, code: str) -> str:
        """A code as people read it: its label (``YOUTH_WORKER``: "a youth worker"), else the code."""
        return dict(self.labels).get(code, code)

    def explain(self, value: object) -> str:
        """The plain-English fact for a person's value: codes by their labels, ``[one|other]`` agreeing
        with a number (features.wording)."""
        if self.labels and isinstance(value, str):
            value = self.label(value)
        return agree(self.template.format(value=value), value if isinstance(value, int | float) else 0)


def parse_registry(entries: Any, file_name: str = REGISTRY_FILE) -> dict[str, Feature]:
    """Check the registry document against its schema and expand windows into features.

    Raises:
        RegistryError: naming the file, the entry and what is wrong.
    """
    errors = schema_errors("features", "registry.schema.json", entries)
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.path)
        raise RegistryError(f"{file_name}: entry {where or '(top)'}: {first.message}")
    features: dict[str, Feature] = {}
    for entry in entries:
        windows = entry.get("windows", [None])
        if ("{window}" in entry["name"]) != (windows != [None]):
            raise RegistryError(
                f"{file_name}: {entry['name']}: use {{window}} in the name exactly when `windows` is given"
            )
        for window in windows:
            name = entry["name"].replace("{window}", window or "")
            text = entry["template"].replace("{window}", WINDOW_TEXT[window] if window else "")
            if name in features:
                raise RegistryError(f"{file_name}: feature {name} is declared twice")
            problem = agreement_problem(text, {"value"} if entry["type"] in NUMERIC else set())
            if problem:
                raise RegistryError(f"{file_name}: {name}: template: {problem}")
            if "labels" in entry and entry["type"] != "text":
                raise RegistryError(f"{file_name}: {name}: only a text feature's codes take labels")
            features[name] = Feature(
                name,
                entry["description"],
                text.strip(),
                entry["source"],
                entry["type"],
                entry["direction"],
                entry["model"],
                entry.get("dated", False),
                entry.get("protected", False),
                tuple(entry.get("labels", {}).items()),
            )
    return features


@cache
def registry() -> dict[str, Feature]:
    """Every registered feature by name, in registry order."""
    text, where = declaration_text("features", "registry.yaml")
    return parse_registry(parse_yaml(text, where, RegistryError))


def protected_features() -> list[str]:
    """Protected characteristics and their direct proxies: for fairness audits only."""
    return [name for name, feature in registry().items() if feature.protected]


def model_features() -> list[str]:
    """The features the risk model may use."""
    return [name for name, feature in registry().items() if feature.model]
