"""The Algorithmic Transparency Recording Standard (ATRS 3.0) record of a model, drafted from its
model card: metadata, tier 1 and tier 2 sections 2.1 to 2.5 (shared/reference/peers.md section 7).

Every field is a dict. A field the artefacts answer is ``{"value": ..., "to_complete": false,
"source": where it came from}``; one only a person can answer is ``{"value": null or a draft,
"to_complete": true, "who": ..., "guidance": ...}``. The record lists every field to complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from governance.atrs_sections import (
    STANDARD_VERSION,
    decisions_section,
    metadata_section,
    owner_section,
    rationale_section,
    risks_section,
    specification_section,
    tier_1_section,
)
from governance.render import render

ATRS_SCHEMA = "cohort.atrs/1"


def atrs_record(card: Mapping[str, Any]) -> dict[str, Any]:
    """The ATRS record drafted from a model card (governance.model_card.model_card).

    Returns:
        Keys: schema, standard_version, model_version, metadata, tier_1, tier_2 (owner_and_responsibility,
        description_and_rationale, decision_making_process, tool_specification,
        risks_mitigations_and_impact_assessments), to_complete (every field still to complete).
    """
    record: dict[str, Any] = {
        "schema": ATRS_SCHEMA,
        "standard_version": STANDARD_VERSION,
        "model_version": card["version"],
        "metadata": metadata_section(card),
        "tier_1": tier_1_section(card),
        "tier_2": {
            "owner_and_responsibility": owner_section(),
            "description_and_rationale": rationale_section(card),
            "decision_making_process": decisions_section(card),
            "tool_specification": specification_section(card),
            "risks_mitigations_and_impact_assessments": risks_section(card),
        },
    }
    record["to_complete"] = fields_to_complete(record)
    return record


def fields_to_complete(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every field marked to_complete, by dotted path, with who completes it and how."""
    found: list[dict[str, Any]] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, Mapping) and "to_complete" in node:
            if node["to_complete"]:
                found.append({"field": path, "who": node["who"], "guidance": node["guidance"],
                              "draft": node["value"] is not None})  # fmt: skip
        elif isinstance(node, Mapping):
            for key, value in node.items():
                if key != "to_complete":
                    walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")

    walk({k: v for k, v in record.items() if k not in ("schema", "to_complete")}, "")
    return found


def render_atrs_markdown(record: Mapping[str, Any]) -> str:
    """The record as Markdown: every field, with TO COMPLETE where a person must answer."""
    return render("atrs.md.j2", record=record, sections=_sections(record))


def _sections(record: Mapping[str, Any]) -> list[tuple[str, list[tuple[str, dict[str, Any]]]]]:
    """(heading, [(field path, field)]) in the standard's order, for the Markdown."""
    titles = {
        "metadata": "Metadata",
        "tier_1": "Tier 1",
        "owner_and_responsibility": "Tier 2.1 Owner and responsibility",
        "description_and_rationale": "Tier 2.2 Description and rationale",
        "decision_making_process": "Tier 2.3 Decision-making process",
        "tool_specification": "Tier 2.4 Tool specification",
        "risks_mitigations_and_impact_assessments": "Tier 2.5 Risks, mitigations and impact assessments",
    }
    parts = [("metadata", record["metadata"]), ("tier_1", record["tier_1"]), *record["tier_2"].items()]
    sections = []
    for key, node in parts:
        fields: list[tuple[str, dict[str, Any]]] = []
        _flatten(node, "", fields)
        sections.append((titles[key], fields))
    return sections


def _flatten(node: Any, path: str, out: list[tuple[str, dict[str, Any]]]) -> None:
    if isinstance(node, Mapping) and "to_complete" in node:
        out.append((path, dict(node)))
    elif isinstance(node, Mapping):
        for key, value in node.items():
            _flatten(value, f"{path} / {key}" if path else str(key), out)
    elif isinstance(node, list):
        for i, value in enumerate(node, 1):
            _flatten(value, f"{path} {i}", out)
