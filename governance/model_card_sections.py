"""The model card's sections, each built from the artefact's manifest (and its fairness audit): the
features with their legal basis, the outcome, training data, performance, explanations and limitations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from features.registry import REGISTRY_FILE, Feature
from governance.legal_basis import LEGAL_BASIS_FILE, LegalBasis, LegalBasisError

FIGURES = ("plots/reliability.png", "plots/precision_at.png", "plots/shap_summary.png")
"""The technical report's figures the card shows (embedded, so the card stands alone)."""


def feature_rows(
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


def outcome_section(
    settings: Mapping[str, Any], groups: Sequence[Mapping[str, Any]] | None
) -> dict[str, Any]:
    """What the model predicts: the outcome's roles, horizon and offence groups."""
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


def training_data_section(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The training, calibration and test windows, their rows and outcomes, and their data."""
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


def performance_section(evaluation: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """Each method's metrics at the list sizes, the oracle's figures and the targets."""
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


def fairness_summary(fairness: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The fairness audit in brief: threshold, breaches, groups too small to judge (or None)."""
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


def explanations_section(
    manifest: Mapping[str, Any], importance: Mapping[str, float] | None
) -> dict[str, Any]:
    """The features that weigh most (mean |SHAP|, else the booster's share of gain) and the figures shown."""
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


def limitations_section(
    manifest: Mapping[str, Any], fairness: Mapping[str, Any] | None
) -> list[dict[str, str]]:
    """The card's limitations: the standing ones, small groups in this audit and the targets not met."""
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
    summary = fairness_summary(fairness)
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
