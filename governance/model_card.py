"""The model card: what a trained risk model is for and not for, what it predicts, what it learned
from, how well and how fairly it does, and its limits, built from the artefact's manifest.

:func:`model_card` is pure (dicts in, a JSON-ready dict out; its sections are in
governance/model_card_sections.py); :func:`card_documents` renders it with the ATRS record
(governance/atrs.py); pipelines/train/model_cards.py is the thin I/O around them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import polars as pl

from data_contracts.reference import reference_table
from features.registry import Feature, registry
from governance.atrs import atrs_record, fields_to_complete, render_atrs_markdown
from governance.legal_basis import LegalBasis, load_legal_basis
from governance.model_card_sections import (
    explanations_section,
    fairness_summary,
    feature_rows,
    limitations_section,
    outcome_section,
    performance_section,
    training_data_section,
)
from governance.render import render

CARD_SCHEMA = "cohort.model_card/1"
History = Sequence[tuple[str, str, str, datetime]]

INTENDED_USE = (
    "Ranks young people aged 14 to 25 whom the published eligibility rules consider, by the calibrated "
    "probability of being recorded as a suspect or victim of serious violence, to help a partnership "
    "decide each week whom to consider for its support-first programme.",
    "Advisory only: the list advises and people decide. An analyst reviews every entry and records a "
    "decision and a reason; nobody is offered, refused or treated differently because of a score alone.",
    "The offer is support first (a navigator or caseworker, education, work, health and housing), "
    "agreed with the young person.",
    "Victimisation is a safeguarding signal, shown apart from offending, never a reason for enforcement.",
)
OUT_OF_SCOPE = (
    "Enforcement targeting, surveillance or intelligence tasking",
    "Stop and search, or grounds for reasonable suspicion",
    "Charging, bail, remand or sentencing decisions",
    "Immigration decisions",
    "Employment, vetting, licensing or disclosure checks",
    "Anyone outside the ages of 14 to 25 on the reference date",
    "Treating victims as suspects: a victim's score is a safeguarding concern, not a lead",
    "Any use without a person reviewing the entry, or after the model is retired",
)


def model_card(
    manifest: Mapping[str, Any],
    *,
    fairness: Mapping[str, Any] | None,
    registry: Mapping[str, Feature],
    legal_basis: Mapping[str, LegalBasis],
    history: History,
    importance: Mapping[str, float] | None = None,
    offence_groups: Sequence[Mapping[str, Any]] | None = None,
    generated_at: datetime | None = None,
) -> dict[str, Any]:
    """The model card as a JSON-ready dict.

    Args:
        manifest: the artefact's manifest.json.
        fairness: the artefact's fairness.json ("cohort.fairness.scores/1"), or None when the model
            was trained before fairness audits were recorded.
        registry: the feature registry, for each feature's meaning and source.
        legal_basis: governance/legal_basis.yaml by source.
        history: the model's status changes (status, by, reason, when), oldest first.
        importance: each feature's global importance from the booster (total gain), shown when the
            manifest records no mean |SHAP|.
        offence_groups: the outcome's offence groups [{"group", "offences"}], when the manifest's
            settings do not name them.
        generated_at: when the card is made (None leaves it out, for a card that must not change).

    Raises:
        LegalBasisError: a feature is not registered, or its source has no legal basis.

    Returns:
        Keys: schema, version, generated_at, model, status, intended_use, out_of_scope, outcome,
        training_data, features, legal_basis, performance, calibration, bands, fairness,
        fairness_summary, explanations, limitations, history.
    """
    settings = manifest["settings"]
    evaluation = manifest["evaluation"]
    status = history[-1][0] if history else None
    features = feature_rows(manifest, registry, legal_basis)
    used_sources = list(dict.fromkeys(f["source"] for f in features))
    return {
        "schema": CARD_SCHEMA,
        "version": manifest["version"],
        "generated_at": None if generated_at is None else generated_at.isoformat(timespec="seconds"),
        "model": {
            "version": manifest["version"],
            "trained_at": manifest["trained_at"],
            "code_version": manifest["code_version"],
            "rules_version": manifest["rules_version"],
            "content_hash": manifest.get("content_hash"),
            "learner": "LightGBM gradient-boosted trees with monotone constraints, "
            f"{settings['calibration']['method']} calibration",
        },
        "status": status,
        "intended_use": list(INTENDED_USE),
        "out_of_scope": list(OUT_OF_SCOPE),
        "outcome": outcome_section(settings, offence_groups),
        "training_data": training_data_section(manifest),
        "features": features,
        "legal_basis": {s: legal_basis[s].as_dict() for s in used_sources},
        "performance": performance_section(evaluation, settings),
        "calibration": {
            "method": settings["calibration"]["method"],
            "ece": evaluation["metrics"].get("risk model", {}).get("ece"),
            "bins": evaluation.get("reliability", {}).get("risk model", []),
        },
        "bands": settings.get("bands", []),
        "fairness": None if fairness is None else dict(fairness),
        "fairness_summary": fairness_summary(fairness),
        "explanations": explanations_section(manifest, importance),
        "limitations": limitations_section(manifest, fairness),
        "history": [
            {"status": s, "by": by, "reason": reason, "when": when.isoformat(timespec="seconds")}
            for s, by, reason, when in history
        ],
    }


def serious_violence_groups() -> list[dict[str, Any]]:
    """The offence groups of the outcome, as data_contracts/reference/offence_codes.csv marks them now."""
    codes = reference_table("offence_codes").filter(pl.col("serious_violence"))
    grouped = codes.group_by("prc_subgroup", maintain_order=True).agg(pl.col("description"))
    return [{"group": g, "offences": list(o)} for g, o in grouped.iter_rows()]


def render_card_html(card: Mapping[str, Any], figures: Mapping[str, bytes] | None = None) -> str:
    """The card as a self-contained HTML page (figures embedded; nothing fetched from the network)."""
    return _render(card, figures, fragment=False)


def render_card_fragment(card: Mapping[str, Any], figures: Mapping[str, bytes] | None = None) -> str:
    """The card's HTML body alone (no <html> or <head>), for the board pack to embed."""
    return _render(card, figures, fragment=True)


def _render(card: Mapping[str, Any], figures: Mapping[str, bytes] | None, fragment: bool) -> str:
    embedded = {
        name: "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        for name, data in (figures or {}).items()
    }
    return render(
        "model_card.html.j2", card=card, fairness=card["fairness"], figures=embedded, fragment=fragment,
        atrs_to_complete=card.get("atrs_to_complete", []),
    )  # fmt: skip


def drafted_card(
    manifest: Mapping[str, Any],
    fairness: Mapping[str, Any] | None,
    *,
    importance: Mapping[str, float] | None,
    history: History = (),
    generated_at: datetime | None = None,
) -> dict[str, Any]:
    """The card of a stored model, with the feature registry, the legal basis and the outcome's
    offence groups as they read now; it also lists the ATRS fields still to complete
    (``atrs_to_complete``).

    Args:
        manifest: the artefact's manifest.json.
        fairness: the artefact's fairness.json, or None.
        importance: each feature's total gain in the booster.
        history: the model's status changes, oldest first.
        generated_at: when the card is made.

    Returns:
        The card (see :func:`model_card`) with ``atrs_to_complete``.
    """
    card = model_card(
        manifest, fairness=fairness, registry=registry(), legal_basis=load_legal_basis(),
        history=history, importance=importance, offence_groups=serious_violence_groups(),
        generated_at=generated_at,
    )  # fmt: skip
    card["atrs_to_complete"] = fields_to_complete(atrs_record(card))
    return card


def card_documents(card: Mapping[str, Any], figures: Mapping[str, bytes]) -> dict[str, str]:
    """The card and its ATRS record as documents.

    Args:
        card: a card from :func:`drafted_card`.
        figures: the figures it shows (file name -> PNG bytes).

    Returns:
        The text of model-card.html, model-card.json, atrs.json and atrs.md, by file name.
    """
    record = atrs_record(card)
    return {
        "model-card.html": render_card_html(card, figures),
        "model-card.json": json.dumps(card, indent=2, default=str),
        "atrs.json": json.dumps(record, indent=2, default=str),
        "atrs.md": render_atrs_markdown(record),
    }
