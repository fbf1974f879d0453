"""The model card: what a trained risk model is for and not for, what it predicts, what it learned
from, how well and how fairly it does, and its limits, built from the artefact's manifest.

:func:`model_card` is pure (dicts in, a JSON-ready dict out); :func:`card_files` renders it with the
ATRS record (governance/atrs.py); :func:`write_model_card` is the thin I/O around them.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from data_contracts.reference import reference_table
from features.registry import REGISTRY_FILE, Feature, registry
from governance.atrs import atrs_record, fields_to_complete, render_atrs_markdown
from governance.legal_basis import LEGAL_BASIS_FILE, LegalBasis, LegalBasisError, load_legal_basis
from governance.render import render
from pipelines.files import write_private
from pipelines.warehouse.model_store import Artefact, read_artefact

CARD_SCHEMA = "cohort.model_card/1"
FAIRNESS_FILE = "fairness.json"
FIGURES = ("plots/reliability.png", "plots/precision_at.png", "plots/shap_summary.png")
"""The technical report's figures the card shows (embedded, so the card stands alone)."""
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


@dataclass(frozen=True)
class CardWritten:
    """What write_model_card wrote: file name -> path, and the ATRS fields still to complete."""

    paths: dict[str, Path]
    to_complete: int


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
    features = _features(manifest, registry, legal_basis)
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
        "outcome": _outcome(settings, offence_groups),
        "training_data": _training_data(manifest),
        "features": features,
        "legal_basis": {s: legal_basis[s].as_dict() for s in used_sources},
        "performance": _performance(evaluation, settings),
        "calibration": {
            "method": settings["calibration"]["method"],
            "ece": evaluation["metrics"].get("risk model", {}).get("ece"),
            "bins": evaluation.get("reliability", {}).get("risk model", []),
        },
        "bands": settings.get("bands", []),
        "fairness": None if fairness is None else dict(fairness),
        "fairness_summary": _fairness_summary(fairness),
        "explanations": _explanations(manifest, importance),
        "limitations": _limitations(manifest, fairness),
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


def _features(
    manifest: Mapping[str, Any], features: Mapping[str, Feature], bases: Mapping[str, LegalBasis]
) -> list[dict[str, Any]]:
    """Each model input with its meaning, source and legal basis; refuses one without a basis."""
    rows = []
    for name in manifest["features"]:
        feature = features.get(name)
        if feature is None:
            raise LegalBasisError(
                f"{REGISTRY_FILE}: the model's feature {name} is not registered (renamed or removed since "
                "it was trained?): its source and legal basis cannot be shown; restore its entry"
            )
        basis = bases.get(feature.source)
        if basis is None:
            raise LegalBasisError(
                f"{LEGAL_BASIS_FILE}: sources: no legal basis for source {feature.source!r} "
                f"(feature {name}): add an entry for {feature.source!r} before the card can be made"
            )
        rows.append(
            {
                "name": name,
                "description": feature.description,
                "source": feature.source,
                "agency": basis.agency,
                "legal_basis": list(basis.bases),
                "legal_basis_status": basis.status_text,
                "direction": manifest.get("monotone", {}).get(name, feature.direction),
            }
        )
    return rows


def _outcome(settings: Mapping[str, Any], groups: Sequence[Mapping[str, Any]] | None) -> dict[str, Any]:
    outcome = settings["outcome"]
    recorded = outcome.get("offence_groups")
    return {
        "roles": list(outcome["roles"]),
        "horizon_months": outcome["horizon_months"],
        "offence_groups": recorded if recorded is not None else (None if groups is None else list(groups)),
        "offence_groups_from": "the model's settings"
        if recorded is not None
        else "data_contracts/reference/offence_codes.csv as it reads now (the manifest does not record them)",
        "description": (
            f"Recorded by the police as {' or '.join(outcome['roles'])} of a serious-violence offence in "
            f"the {outcome['horizon_months']} months after the reference date. This is recorded, not "
            "actual, involvement."
        ),
    }


def _training_data(manifest: Mapping[str, Any]) -> dict[str, Any]:
    split, rows, settings = manifest["split"], manifest.get("rows", {}), manifest["settings"]
    windows = {
        "training": (split["train"][0], split["train"][-1], len(split["train"])),
        "calibration": (split["calibration"][0], split["calibration"][-1], len(split["calibration"])),
        "test": (split["test"], split["test"], 1),
    }
    parts = []
    for part, (first, last, count) in windows.items():
        n, outcomes = rows.get(part, (None, None))
        parts.append(
            {"part": part, "first": first, "last": last, "snapshots": count, "rows": n, "outcomes": outcomes,
             "rate": outcomes / n if n else None}
        )  # fmt: skip
    data = manifest["data"]
    return {
        "parts": parts,
        "negative_share": settings.get("sampling", {}).get("negative_share"),
        "known_until": data["known_until"],
        "load_ids": list(data["load_ids"]),
        "link_run": data["link_run"],
    }


def _performance(evaluation: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    sizes = [str(k) for k in settings["evaluation"]["list_sizes"]]
    methods = [
        {"method": name, **{k: m.get(k) for k in ("rows", "positives", "prevalence", "auc", "pr_auc",
                                                   "brier", "ece", "precision_at", "recall_at")}}
        for name, m in evaluation["metrics"].items()
    ]  # fmt: skip
    return {
        "list_sizes": sizes,
        "methods": methods,
        "oracle": evaluation.get("oracle"),
        "targets": [{"name": name, **t} for name, t in evaluation.get("targets", {}).items()],
    }


def _fairness_summary(fairness: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if fairness is None:
        return None
    small = [
        f"{a['attribute']}: {g['group']}"
        for a in fairness.get("attributes", [])
        for g in a.get("groups", [])
        if not g.get("judged", True)
    ]
    return {
        "threshold": fairness.get("threshold"),
        "breaches": len(fairness.get("breaches", [])),
        "messages": [b["message"] for b in fairness.get("breaches", [])],
        "too_small_to_judge": small,
    }


def _explanations(manifest: Mapping[str, Any], importance: Mapping[str, float] | None) -> dict[str, Any]:
    shap = manifest.get("explanation", {}).get("mean_abs_shap")
    values, kind = (shap, "mean |SHAP| (log-odds) on the test sample") if shap else (importance, None)
    if shap is None and importance is not None:
        kind = "total gain of the booster's splits (LightGBM), as a share of all gain"
        total = sum(importance.values()) or 1.0
        values = {name: value / total for name, value in importance.items()}
    ranked = sorted((values or {}).items(), key=lambda item: (-item[1], item[0]))
    files = sorted(manifest.get("files", {}))
    dependence = [f for f in files if f.startswith("plots/shap_") and f != "plots/shap_summary.png"]
    order = {name: i for i, (name, _) in enumerate(ranked)}
    dependence.sort(key=lambda f: order.get(f.removeprefix("plots/shap_").removesuffix(".png"), len(order)))
    return {
        "kind": kind,
        "top": [{"feature": name, "value": value} for name, value in ranked[:15]],
        "mean_abs_shap_recorded": bool(shap),
        "figures": [f for f in FIGURES if f in files],
        "dependence": dependence,
    }


def _limitations(manifest: Mapping[str, Any], fairness: Mapping[str, Any] | None) -> list[dict[str, str]]:
    evaluation, split = manifest["evaluation"], manifest["split"]
    found = [
        ("Synthetic world", "Trained and evaluated on a synthetic multi-agency world, not on real people. "
         "Its figures show how the method behaves; they say nothing about any real area.")
        if evaluation.get("oracle") else
        ("No measure of true risk", "Evaluated without an oracle: true risk is unknown, so only recorded "
         "outcomes judge the model."),
        ("Recorded, not actual, offending", "The outcome and most inputs are what agencies recorded. "
         "Violence nobody reported or recorded is invisible, and a person recorded as a suspect may not "
         "have offended."),
        ("Police recording bias", "Where and whom the police look at shapes the records (stop and search, "
         "intelligence, arrests). A model trained on them can learn that pattern and repeat it; the "
         "fairness audit measures the result, not the cause."),
        ("Age is an input", "Age on the reference date is a model input: a policy choice the board must "
         "accept, since risk follows the age-crime curve. Its effect is audited by age band."),
        ("Linkage errors", "Records are linked across agencies by probabilistic matching. A missed link "
         "hides history; a false link lends one person another's records."),
        ("Calibration drift", f"Calibrated on snapshots from {split['calibration'][0]} to "
         f"{split['calibration'][-1]} and tested at {split['test']}. Rates change: probabilities drift "
         "from what happens unless the model is re-checked and retrained."),
    ]  # fmt: skip
    summary = _fairness_summary(fairness)
    small = summary["too_small_to_judge"] if summary else []
    found.append(
        (
            "Small groups",
            "Groups smaller than the audit's minimum are shown but not judged; their rates are uncertain."
            + (f" In this audit: {', '.join(small)}." if small else ""),
        )
    )
    for name, target in evaluation.get("targets", {}).items():
        if not target.get("met"):
            found.append(
                (f"Target not met: {name}", f"Wanted {target['target']}; measured {_num(target['value'])}.")
            )
    return [{"title": title, "text": text} for title, text in found]


def _num(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}"


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


def artefact_card(
    artefact: Artefact,
    fairness: Mapping[str, Any] | None,
    *,
    history: History = (),
    generated_at: datetime | None = None,
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The card of a stored model and the figures it shows (file name -> PNG bytes). The card also
    lists the ATRS fields still to complete (``atrs_to_complete``). Writes nothing."""
    gains = artefact.model.booster.feature_importance(importance_type="gain")
    importance = {name: float(g) for name, g in zip(artefact.model.features, gains, strict=True)}
    card = model_card(
        artefact.manifest, fairness=fairness, registry=registry(), legal_basis=load_legal_basis(),
        history=history, importance=importance, offence_groups=serious_violence_groups(),
        generated_at=generated_at,
    )  # fmt: skip
    card["atrs_to_complete"] = fields_to_complete(atrs_record(card))
    figures = {f: (artefact.path / f).read_bytes() for f in FIGURES if (artefact.path / f).is_file()}
    return card, figures


def card_files(
    artefact: Artefact,
    fairness: Mapping[str, Any] | None,
    *,
    history: History = (),
    generated_at: datetime | None = None,
) -> dict[str, str]:
    """The card and ATRS record for an artefact, by file name (model-card.html, model-card.json,
    atrs.json, atrs.md). Reads the artefact's figures; writes nothing."""
    card, figures = artefact_card(artefact, fairness, history=history, generated_at=generated_at)
    record = atrs_record(card)
    return {
        "model-card.html": render_card_html(card, figures),
        "model-card.json": json.dumps(card, indent=2, default=str),
        "atrs.json": json.dumps(record, indent=2, default=str),
        "atrs.md": render_atrs_markdown(record),
    }


def default_card_folder(artefact_path: Path) -> Path:
    """``<store's parent>/governance/model-cards/<version>``, e.g. data/governance/model-cards/V for
    data/models/V."""
    return artefact_path.resolve().parent.parent / "governance" / "model-cards" / artefact_path.name


def write_model_card(
    artefact_path: Path,
    out_folder: Path | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    *,
    generated_at: datetime,
) -> CardWritten:
    """Read an artefact (its fairness.json if present, its status history if ``con`` is given) and
    write its card and ATRS record owner-only into ``out_folder`` [default: default_card_folder].

    Raises:
        pipelines.warehouse.model_store.ArtefactError: the artefact is missing or has changed.
        ValueError: fairness.json is not valid JSON.
    """
    from pipelines.warehouse.model_registry import history

    artefact = read_artefact(artefact_path)
    fairness_path = artefact.path / FAIRNESS_FILE
    fairness = None
    if fairness_path.is_file():
        try:
            fairness = json.loads(fairness_path.read_text("utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"{fairness_path}: not valid JSON ({error}); retrain the model") from error
    changes = history(con, artefact.version) if con is not None else []
    made = generated_at.replace(microsecond=0)
    files = card_files(artefact, fairness, history=changes, generated_at=made)
    folder = out_folder if out_folder is not None else default_card_folder(artefact.path)
    paths = {name: write_private(folder / name, text) for name, text in files.items()}
    os.chmod(folder, 0o700)
    record = json.loads(files["atrs.json"])
    return CardWritten(paths, len(record["to_complete"]))
