"""The sections of the ATRS record (governance/atrs.py), each drafted from a model card: metadata,
tier 1 and tier 2 sections 2.1 to 2.5, every field filled from the artefacts or left to a person."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STANDARD_VERSION = "3.0"
SRO, DPO, LEAD = "the senior responsible owner", "the Data Protection Officer", "the programme lead"
PHASES = {"candidate": "Pre-deployment", "approved": "Production", "retired": "Retired"}
CARD = "the model card"


def filled(value: Any, source: str) -> dict[str, Any]:
    """A field the artefacts answer."""
    return {"value": value, "to_complete": False, "source": source}


def to_complete(who: str, guidance: str, draft: Any = None) -> dict[str, Any]:
    """A field only a person can answer (``draft``: a starting text for them to confirm)."""
    return {"value": draft, "to_complete": True, "who": who, "guidance": guidance}


def metadata_section(card: Mapping[str, Any]) -> dict[str, Any]:
    """The record's metadata: its id, dates, organisation, function, phase and region."""
    retired = [h["when"][:10] for h in card["history"] if h["status"] == "retired"]
    generated = card["generated_at"][:10] if card["generated_at"] else None
    return {
        "id": filled(f"cohort-{card['version']}", "the model's version"),
        "standard_version": filled(STANDARD_VERSION, "this generator"),
        "date_completion": to_complete(SRO, "the date the senior responsible owner signs the record off"),
        "date_update": filled(generated, "the date this record was generated"),
        "date_archive": filled(retired[-1] if retired else None, "the model registry (retired models only)"),
        "organisation": to_complete(SRO, "the organisation publishing the record (the partnership's lead)"),
        "function": to_complete(SRO, "the ATRS function filter, e.g. crime and justice"),
        "phase": _phase(card),
        "region": to_complete(SRO, "the area the partnership covers"),
    }


def _phase(card: Mapping[str, Any]) -> dict[str, Any]:
    status = card["status"]
    if status in PHASES:
        return filled(PHASES[status], f"the model registry (status {status})")
    return to_complete(SRO, "pre-deployment, beta/pilot, production or retired (the card was made "
                       "without the model registry, so the model's status is not known)")  # fmt: skip


def tier_1_section(card: Mapping[str, Any]) -> dict[str, Any]:
    """Tier 1: the tool's name, a plain description and whom to contact."""
    horizon = card["outcome"]["horizon_months"]
    description = (
        "A statistical model that helps a violence-reduction partnership decide each week which young "
        f"people aged 14 to 25 to consider for a support-first programme. It estimates how likely each "
        f"person is to be recorded as a suspect or victim of serious violence in the next {horizon} months "
        "from police, education, health and partner records. The list advises; a person reviews every "
        "entry and decides."
    )
    return {
        "name": filled(f"Serious violence consideration list: risk model {card['version']}", CARD),
        "description": filled(description, CARD),
        "website": to_complete(LEAD, "the public page describing the programme and this tool"),
        "contact_email": to_complete(LEAD, "a monitored address for questions about the tool"),
    }


def owner_section() -> dict[str, Any]:
    """Tier 2.1: who owns the tool and any supplier (all for a person to complete)."""
    supplier = "write 'none' if the partnership builds and runs the tool itself"
    return {
        "organisation": to_complete(SRO, "the organisation accountable for the tool"),
        "team": to_complete(SRO, "the team that runs it day to day"),
        "senior_responsible_owner": to_complete(
            SRO, "the role (not the name) of the accountable senior owner"
        ),
        "external_supplier": {
            "name": to_complete(SRO, supplier),
            "companies_house_number": to_complete(SRO, supplier),
            "role": to_complete(SRO, supplier),
            "procurement_type": to_complete(SRO, supplier),
            "data_access_terms": to_complete(SRO, "what data a supplier may see, and on what terms"),
        },
    }


def rationale_section(card: Mapping[str, Any]) -> dict[str, Any]:
    """Tier 2.2: what the tool does and why, its scope, benefits and the alternatives."""
    perf = {m["method"]: m for m in card["performance"]["methods"]}
    model, rules = perf.get("risk model"), perf.get("rules alone")
    gain = None
    if model and rules and "100" in model["precision_at"] and rules["precision_at"].get("100"):
        gain = (
            f"On the test window, {_pct(model['precision_at']['100'])} of the 100 people ranked highest went "
            f"on to the outcome, against {_pct(rules['precision_at']['100'])} for the rules alone."
        )
    baselines = ", ".join(m for m in perf if m not in ("risk model", "oracle", "observable oracle"))
    return {
        "detailed_description": filled(
            " ".join(card["intended_use"]) + " " + card["outcome"]["description"], CARD
        ),  # fmt: skip
        "scope": filled({"intended_use": card["intended_use"], "out_of_scope": card["out_of_scope"]}, CARD),
        "benefits": to_complete(
            SRO, "the benefit to the service and how it will be evaluated; the measured gain is drafted", gain
        ),
        "previous_process": to_complete(LEAD, "how the cohort was chosen before this tool"),
        "alternatives_considered": to_complete(
            SRO,
            "the options weighed and why this one; the baselines measured beside the model are drafted",
            f"Measured on the same rows: {baselines}." if baselines else None,
        ),
    }


def decisions_section(card: Mapping[str, Any]) -> dict[str, Any]:
    """Tier 2.3: how the list fits the decisions people make, and how they review them."""
    sizes = ", ".join(card["performance"]["list_sizes"])
    test = next((p for p in card["training_data"]["parts"] if p["part"] == "test"), None)
    return {
        "process_integration": filled(
            "Each Monday the published eligibility rules are applied first; the model then ranks the people "
            "the rules consider and surfaces some they miss. The list is reviewed by analysts before anyone "
            "is approached; every entry says whether the rules, the model or both put it there.",
            "the pipeline's design (shared/DESIGN.md)",
        ),
        "provided_information": filled(
            "For each person: the rules met with the facts behind them, the model's calibrated probability "
            "and band, the top factors raising and lowering it with their source agency, and victimisation "
            "shown separately as a safeguarding note.",
            "the weekly list (lists/)",
        ),
        "frequency_and_scale": filled(
            f"Weekly. Evaluated at list sizes of {sizes}"
            + (f"; the test window scored {test['rows']:,} people." if test and test["rows"] else "."),
            CARD,
        ),
        "human_decisions_and_review": filled(
            "An analyst reviews every entry and records a decision and a reason; the model never decides. "
            "Decisions, views and exports are kept in an append-only audit log.",
            "the review workflow (cohort review) and the audit log",
        ),
        "required_training": to_complete(LEAD, "the training analysts receive before using the list"),
        "appeals_and_review": to_complete(
            DPO,
            "how a person learns they were listed, asks for a human reconsideration and makes a subject "
            "access request (DPA 2018 Part 3)",
        ),
    }


def specification_section(card: Mapping[str, Any]) -> dict[str, Any]:
    """Tier 2.4: the system, the model and the data it learned from, with each source's basis."""
    training = {p["part"]: p for p in card["training_data"]["parts"]}
    quantities = "; ".join(
        f"{part}: {p['rows']:,} person-snapshots, {p['outcomes']:,} with the outcome"
        for part, p in training.items()
        if p["rows"] is not None
    )
    model: Mapping[str, Any] = next(
        (m for m in card["performance"]["methods"] if m["method"] == "risk model"), {}
    )
    sources: dict[str, Any] = {}
    for source, basis in card["legal_basis"].items():
        names = [f["name"] for f in card["features"] if f["source"] == source]
        sharing = basis["sharing_agreement"]
        sources[source] = {
            "source_name": filled(basis["agency"], "governance/legal_basis.yaml"),
            "data_description": filled(
                f"{len(names)} model input{'' if len(names) == 1 else 's'}: {', '.join(names)}", CARD
            ),
            "sensitive_attributes": filled(basis["sensitive"], "governance/legal_basis.yaml"),
            "legal_basis": filled(
                {"bases": basis["bases"], "status": basis["status_text"]}, "governance/legal_basis.yaml"
            ),
            "data_sharing_agreements": filled(sharing, "governance/legal_basis.yaml")
            if sharing
            else to_complete(DPO, f"the reference of the data-sharing agreement with {basis['agency']}"),
        }
    return {
        "system_architecture": filled(
            "Extracts are validated against data contracts into a DuckDB warehouse, linked to people, turned "
            "into point-in-time features, filtered by versioned eligibility rules and scored by a LightGBM "
            "model with monotone constraints and calibration; Prefect flows run each step.",
            "the pipeline's design (shared/DESIGN.md)",
        ),
        "phase": _phase(card),
        "maintenance": filled(
            "A candidate model is trained monthly and used only after a named person approves it with a "
            "reason; approving one retires the last. Each is measured against its baselines and audited for "
            "fairness when trained.",
            "prefect.yaml and the model registry",
        ),
        "model_cards": filled(
            {
                "file": "model-card.html",
                "auc": model.get("auc"),
                "pr_auc": model.get("pr_auc"),
                "ece": model.get("ece"),
                "precision_at": model.get("precision_at"),
            },
            CARD,
        ),  # fmt: skip
        "data": {
            "data_modality": filled(
                "Tabular records (CSV, Excel and pipe-delimited extracts)", "data contracts"
            ),
            "data_quantities": filled(quantities, CARD),
            "data_completeness_and_representativeness": to_complete(
                LEAD, "who is missing from the records and why (from the ingest and linkage reports)"
            ),
            "source_data_url": filled(
                "Not published: the extracts are personal data", "the pipeline's design"
            ),
            "data_collection": filled(
                "Recorded by each agency in its own systems for its own purposes, sent as regular extracts",
                "data contracts",
            ),
            "data_cleaning": filled(
                "Every row is checked against its source's data contract; failing rows are quarantined with "
                "the rules they broke, and every load is reconciled",
                "data contracts",
            ),
            "data_access_and_storage": to_complete(
                DPO,
                "where the warehouse is held, who may access it, and the retention periods",
                "One owner-only DuckDB warehouse; outputs written owner-only; every access logged.",
            ),
            "sources": sources,
        },
    }


def risks_section(card: Mapping[str, Any]) -> dict[str, Any]:
    """Tier 2.5: the card's limitations and fairness breaches as risks, and the assessments due."""
    mitigations = {
        "Police recording bias": "Fairness audit of every model and list by ethnicity, sex, age band and "
        "deprivation; protected characteristics never model inputs; a person reviews every entry.",
        "Linkage errors": "Uncertain matches go to human review; linkage quality is measured each run.",
        "Calibration drift": "Monthly retraining as a candidate; approval by a named person; calibration "
        "reported on every test window.",
        "Synthetic world": "Retrain and re-evaluate on the partnership's own data before any real use.",
        "Recorded, not actual, offending": "The outcome counts victims as well as suspects; the list "
        "advises and analysts weigh what the records cannot show.",
        "Age is an input": "Its effect is audited by age band; the board decides whether to keep it.",
        "Small groups": "Small groups are shown, marked too few to judge, never silently dropped.",
    }
    risks = [
        {
            "name": filled(item["title"], CARD),
            "description": filled(item["text"], CARD),
            "mitigation": filled(mitigations[item["title"]], "the pipeline's design")
            if item["title"] in mitigations
            else to_complete(SRO, f"what the board decided about this ({item['title'].lower()})"),
        }
        for item in card["limitations"]
    ]
    summary = card["fairness_summary"]
    for message in summary["messages"] if summary else []:
        risks.append({
            "name": filled("Fairness audit breach", "fairness.json"),
            "description": filled(message, "fairness.json"),
            "mitigation": to_complete(SRO, "what the board decided about this breach"),
        })  # fmt: skip
    assessments = [
        ("Data protection impact assessment", "DPA 2018 s.64: the processing, its risks, mitigations and "
         "safeguards", DPO),
        ("Equality impact assessment", "The public sector equality duty (Equality Act 2010 s.149)", SRO),
        ("Ethics panel review", "The independent ethics panel's review of the model and its use", SRO),
    ]  # fmt: skip
    return {
        "impact_assessments": [
            {
                "name": filled(name, "the pipeline's design"),
                "description": filled(text, "the pipeline's design"),
                "date": to_complete(who, f"the date the {name.lower()} was completed"),
                "link": to_complete(who, f"where the {name.lower()} is published or held"),
            }
            for name, text, who in assessments
        ],
        "risks": risks,
    }


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"
