"""The model card and ATRS record: built from a small hand-made manifest, and end to end through
`cohort model card` on a real (tiny) trained artefact."""

from __future__ import annotations

import copy
import json
import re
import stat
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from features.registry import registry
from governance.atrs import atrs_record, fields_to_complete, render_atrs_markdown
from governance.legal_basis import LegalBasisError, load_legal_basis
from governance.model_card import (
    model_card,
    render_card_fragment,
    render_card_html,
)
from pipelines.cli import app
from pipelines.paths import model_card_folder as default_card_folder

FEATURES = [
    "police_offences_365d",
    "education_attendance_365d",
    "health_assault_attendances_365d",
    "person_age",
]
SECTIONS = (
    "intended-use",
    "out-of-scope",
    "outcome",
    "training-data",
    "features",
    "performance",
    "calibration",
    "fairness",
    "explanations",
    "limitations",
    "history",
)
CARD_KEYS = {
    "schema",
    "version",
    "generated_at",
    "model",
    "status",
    "intended_use",
    "out_of_scope",
    "outcome",
    "training_data",
    "features",
    "legal_basis",
    "performance",
    "calibration",
    "bands",
    "fairness",
    "fairness_summary",
    "explanations",
    "limitations",
    "history",
}
ATRS_KEYS = {
    "metadata": {
        "id",
        "standard_version",
        "date_completion",
        "date_update",
        "date_archive",
        "organisation",
        "function",
        "phase",
        "region",
    },
    "tier_1": {"name", "description", "website", "contact_email"},
    "owner_and_responsibility": {"organisation", "team", "senior_responsible_owner", "external_supplier"},
    "description_and_rationale": {
        "detailed_description",
        "scope",
        "benefits",
        "previous_process",
        "alternatives_considered",
    },
    "decision_making_process": {
        "process_integration",
        "provided_information",
        "frequency_and_scale",
        "human_decisions_and_review",
        "required_training",
        "appeals_and_review",
    },
    "tool_specification": {"system_architecture", "phase", "maintenance", "model_cards", "data"},
    "risks_mitigations_and_impact_assessments": {"impact_assessments", "risks"},
}
PERSON_ONLY = [
    "metadata.date_completion",
    "tier_1.website",
    "tier_1.contact_email",
    "tier_2.owner_and_responsibility.senior_responsible_owner",
    "tier_2.owner_and_responsibility.organisation",
    "tier_2.decision_making_process.appeals_and_review",
    "tier_2.decision_making_process.required_training",
    "tier_2.tool_specification.data.sources.police.data_sharing_agreements",
    "tier_2.risks_mitigations_and_impact_assessments.impact_assessments[0].date",
]
HISTORY = [
    ("candidate", "cohort model train", "trained", datetime(2026, 11, 21, 9, 0)),
    ("approved", "Dr Lead", "passes its targets", datetime(2026, 11, 22, 10, 30)),
]


def _metrics(
    auc: float, pr_auc: float, brier: float | None, ece: float | None, at: list[float]
) -> dict[str, Any]:
    return {
        "rows": 1200,
        "positives": 40,
        "prevalence": 40 / 1200,
        "auc": auc,
        "pr_auc": pr_auc,
        "brier": brier,
        "ece": ece,
        "precision_at": {"45": at[0], "100": at[1]},
        "recall_at": {"45": at[2], "100": at[3]},
    }


def hand_made_manifest() -> dict[str, Any]:
    """A small, realistic manifest: four features from four sources, two baselines and the oracle."""
    settings = yaml_settings()
    settings["evaluation"]["list_sizes"] = [45, 100]
    return {
        "version": "risk-20251116-abcdef1234",
        "trained_at": "2026-11-21T09:00:00",
        "features": FEATURES,
        "monotone": {
            "police_offences_365d": "increasing",
            "education_attendance_365d": "decreasing",
            "health_assault_attendances_365d": "increasing",
            "person_age": "none",
        },
        "settings": settings,
        "split": {
            "train": ["2022-01-16", "2022-02-16", "2022-03-16"],
            "calibration": ["2024-06-16"],
            "test": "2025-11-16",
        },
        "data": {"known_until": "2026-11-16", "load_ids": [3, 4, 9], "link_run": "a1b2c3d4"},
        "rows": {"training": [5000, 600], "calibration": [2000, 70], "test": [1200, 40]},
        "rules_version": "ce" * 32,
        "code_version": "0123456789ab",
        "content_hash": "ab" * 32,
        "evaluation": {
            "metrics": {
                "risk model": _metrics(0.8123, 0.3117, 0.0214, 0.0123, [0.5556, 0.41, 0.625, 0.9]),
                "rules alone": _metrics(0.6017, 0.0813, None, None, [0.3111, 0.285, 0.35, 0.7125]),
                "prior offences": _metrics(0.7321, 0.2044, None, None, [0.4667, 0.33, 0.525, 0.825]),
                "oracle": {
                    **_metrics(0.8734, 0.4012, 0.0199, 0.0051, [0.6, 0.45, 0.675, 0.95]),
                    "rows": 1100,
                },
            },
            "reliability": {
                "risk model": [
                    {
                        "lower": 0.0,
                        "upper": 0.02,
                        "mean_predicted": 0.011,
                        "observed_rate": 0.013,
                        "count": 900,
                    },
                    {
                        "lower": 0.02,
                        "upper": 0.6,
                        "mean_predicted": 0.121,
                        "observed_rate": 0.095,
                        "count": 300,
                    },
                ]
            },
            "oracle": {
                "rows": 1100,
                "share_of_test_rows": 0.917,
                "model_auc": 0.8101,
                "oracle_auc": 0.8734,
                "gap": 0.0633,
            },
            "targets": {
                "ece": {"target": "at most 0.02", "value": 0.0123, "met": True},
                "auc_vs_oracle": {"target": "within 0.02 of the oracle's AUC", "value": 0.0633, "met": False},
            },
        },
        "files": {
            "model.txt": "0" * 64,
            "plots/reliability.png": "1" * 64,
            "plots/shap_person_age.png": "2" * 64,
        },
    }


def yaml_settings() -> dict[str, Any]:
    import yaml

    document: dict[str, Any] = yaml.safe_load(resources.files("models").joinpath("settings.yaml").read_text())
    return copy.deepcopy(document)


def make_card(manifest: dict[str, Any] | None = None, **given: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "fairness": None,
        "registry": registry(),
        "legal_basis": load_legal_basis(),
        "history": HISTORY,
        "generated_at": datetime(2026, 11, 23, 8, 0),
    }
    arguments.update(given)
    return model_card(manifest or hand_made_manifest(), **arguments)


def test_the_card_has_every_section_filled_from_the_manifest() -> None:
    card = make_card()
    assert set(card) == CARD_KEYS and card["status"] == "approved"
    assert card["outcome"]["roles"] == ["suspect", "victim"] and card["outcome"]["horizon_months"] == 12
    parts = {p["part"]: p for p in card["training_data"]["parts"]}
    assert (parts["training"]["first"], parts["training"]["last"], parts["training"]["snapshots"]) == (
        "2022-01-16",
        "2022-03-16",
        3,
    )
    assert (parts["test"]["rows"], parts["test"]["outcomes"]) == (1200, 40)
    assert parts["calibration"]["rate"] == pytest.approx(70 / 2000)
    assert card["training_data"]["load_ids"] == [3, 4, 9] and card["training_data"]["link_run"] == "a1b2c3d4"
    assert card["calibration"]["ece"] == 0.0123 and len(card["calibration"]["bins"]) == 2
    assert any("stop and search" in use.lower() for use in card["out_of_scope"])
    titles = [limit["title"] for limit in card["limitations"]]
    for wanted in (
        "Synthetic world",
        "Recorded, not actual, offending",
        "Police recording bias",
        "Age is an input",
        "Linkage errors",
        "Calibration drift",
        "Small groups",
        "Target not met: auc_vs_oracle",
    ):
        assert wanted in titles
    assert "ece" not in " ".join(titles)  # a target met is not a limitation
    assert [h["by"] for h in card["history"]] == ["cohort model train", "Dr Lead"]


def test_each_feature_carries_its_source_and_legal_basis() -> None:
    card = make_card()
    bases = load_legal_basis()
    by_name = {f["name"]: f for f in card["features"]}
    assert list(by_name) == FEATURES
    assert [by_name[n]["source"] for n in FEATURES] == ["police", "education", "health", "linkage"]
    for feature in card["features"]:
        assert feature["legal_basis"] == list(bases[feature["source"]].bases)
        assert feature["legal_basis_status"] == "proposed - to be confirmed by the Data Protection Officer"
    assert by_name["education_attendance_365d"]["direction"] == "decreasing"
    html = render_card_html(card)
    for source in ("police", "education", "health", "linkage"):
        section = html.split(f'id="source-{source}"')[1].split("</section>")[0]
        assert bases[source].bases[0].split(" - ")[0] in section
        assert all(f"<code>{f['name']}</code>" in section for f in card["features"] if f["source"] == source)
        assert not any(
            f"<code>{f['name']}</code>" in section for f in card["features"] if f["source"] != source
        )


def test_a_feature_whose_source_has_no_legal_basis_is_refused_by_name() -> None:
    bases = {s: b for s, b in load_legal_basis().items() if s != "health"}
    with pytest.raises(LegalBasisError, match=r"no legal basis for source 'health' \(feature health_assault"):
        make_card(legal_basis=bases)


def test_the_html_shows_every_section_and_the_baselines_as_in_the_manifest() -> None:
    html = render_card_html(make_card())
    for section in SECTIONS:
        assert f'id="{section}"' in html, section
    rows = {
        m: html.split(f"<td>{m}")[1].split("</tr>")[0]
        for m in ("risk model", "rules alone", "prior offences")
    }
    assert re.findall(r">([\d.]+)<", rows["rules alone"])[:2] == ["0.602", "0.081"]
    assert "31.1% / 35.0%" in rows["rules alone"] and "28.5% / 71.2%" in rows["rules alone"]
    assert re.findall(r">([\d.]+)<", rows["risk model"])[:4] == ["0.812", "0.312", "0.0214", "0.0123"]
    assert "0.732" in rows["prior offences"] and "n/a" in rows["prior offences"]
    assert "oracle's 0.873 (gap 0.063)" in html and "NOT MET" in html
    assert "Dr Lead" in html and "passes its targets" in html and "<strong>Approved</strong>" in html
    assert "not measured for this version (trained before fairness audits were recorded)" in html


def test_the_html_fetches_nothing_from_the_network() -> None:
    figures = {"plots/reliability.png": b"\x89PNG\r\n\x1a\nnot really"}
    for html in (render_card_html(make_card(), figures), render_card_fragment(make_card(), figures)):
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
        assert "<script" not in html.lower() and "@import" not in html and "url(" not in html
        assert 'src="data:image/png;base64,' in html


def test_the_fragment_is_the_body_alone() -> None:
    fragment = render_card_fragment(make_card())
    assert "<html" not in fragment and "<head" not in fragment and "<body" not in fragment
    assert fragment.lstrip().startswith("<article") and 'id="performance"' in fragment
    assert "<html" in render_card_html(make_card())


def test_the_atrs_record_has_every_tier_1_and_2_field() -> None:
    record = atrs_record(make_card())
    assert set(record["metadata"]) == ATRS_KEYS["metadata"] and set(record["tier_1"]) == ATRS_KEYS["tier_1"]
    for section, keys in ATRS_KEYS.items():
        if section not in ("metadata", "tier_1"):
            assert set(record["tier_2"][section]) == keys, section
    specification = record["tier_2"]["tool_specification"]
    assert set(specification["data"]["sources"]) == {"police", "education", "health", "linkage"}
    assert specification["phase"] == {
        "value": "Production",
        "to_complete": False,
        "source": "the model registry (status approved)",
    }
    assert specification["model_cards"]["value"]["auc"] == 0.8123


def test_the_atrs_record_leaves_person_only_fields_to_complete_and_lists_them() -> None:
    record = atrs_record(make_card())
    listed = {item["field"]: item for item in record["to_complete"]}
    for field in PERSON_ONLY:
        assert field in listed, field
    assert (
        listed["tier_2.owner_and_responsibility.senior_responsible_owner"]["who"]
        == "the senior responsible owner"
    )
    assert listed["tier_2.decision_making_process.appeals_and_review"]["who"] == "the Data Protection Officer"
    assert record["to_complete"] == fields_to_complete(record)
    tier_1 = record["tier_1"]
    assert tier_1["website"] == {
        "value": None,
        "to_complete": True,
        "who": "the programme lead",
        "guidance": "the public page describing the programme and this tool",
    }
    assert not tier_1["description"]["to_complete"] and "14 to 25" in tier_1["description"]["value"]
    benefits = record["tier_2"]["description_and_rationale"]["benefits"]
    assert (
        benefits["to_complete"]
        and "41% of the 100 people" in benefits["value"]
        and "28% for the rules" in benefits["value"]
    )
    linkage = record["tier_2"]["tool_specification"]["data"]["sources"]["linkage"]
    assert not linkage["data_sharing_agreements"]["to_complete"]  # made within the partnership, not shared
    risks = record["tier_2"]["risks_mitigations_and_impact_assessments"]["risks"]
    assert [r["name"]["value"] for r in risks if r["mitigation"]["to_complete"]] == [
        "Target not met: auc_vs_oracle"
    ]


def test_the_markdown_marks_each_field_to_complete() -> None:
    record = atrs_record(make_card())
    markdown = render_atrs_markdown(record)
    marked = [line for line in markdown.splitlines() if line.startswith("- **") and "**TO COMPLETE**" in line]
    assert len(marked) == len(record["to_complete"]) > 20
    assert "- **senior_responsible_owner**: **TO COMPLETE** by the senior responsible owner" in markdown
    assert "- **phase**: Production _(from the model registry (status approved))_" in markdown
    assert "&#39;" not in markdown and "&amp;" not in markdown  # Markdown, not escaped HTML


def test_without_the_registry_the_phase_is_left_to_a_person_and_a_retirement_is_the_archive_date() -> None:
    unknown = atrs_record(make_card(history=[]))
    assert (
        unknown["metadata"]["phase"]["to_complete"] and unknown["metadata"]["date_archive"]["value"] is None
    )
    retired = atrs_record(
        make_card(history=[*HISTORY, ("retired", "Dr Lead", "drift", datetime(2027, 2, 1))])
    )
    assert retired["metadata"]["date_archive"]["value"] == "2027-02-01"
    assert retired["metadata"]["phase"]["value"] == "Retired"


def test_a_fairness_audit_is_summarised_and_its_breaches_become_risks() -> None:
    fairness = {
        "schema": "cohort.fairness.scores/1",
        "outcome": "outcome",
        "score": "probability",
        "threshold": 0.15,
        "rows": {"read": 1200, "used": 1200, "excluded": []},
        "settings": {},
        "overall": {},
        "attributes": [
            {
                "attribute": "sex",
                "groups": [{"group": "female", "judged": True}, {"group": "not recorded", "judged": False}],
            }
        ],
        "breaches": [
            {
                "attribute": "sex",
                "group": "female",
                "measure": "selection_rate_ratio",
                "value": 0.5,
                "limit": 0.8,
                "message": "female: selection rate ratio 0.50 below 0.80",
            }
        ],
    }
    card = make_card(fairness=fairness)
    assert card["fairness_summary"] == {
        "threshold": 0.15,
        "breaches": 1,
        "too_small_to_judge": ["sex: not recorded"],
        "messages": ["female: selection rate ratio 0.50 below 0.80"],
    }
    assert "In this audit: sex: not recorded." in next(
        limit["text"] for limit in card["limitations"] if limit["title"] == "Small groups"
    )
    risks = atrs_record(card)["tier_2"]["risks_mitigations_and_impact_assessments"]["risks"]
    breach = next(r for r in risks if r["name"]["value"] == "Fairness audit breach")
    assert breach["description"]["value"] == "female: selection rate ratio 0.50 below 0.80"
    assert breach["mitigation"]["to_complete"]


@pytest.mark.skipif(
    not resources.files("governance").joinpath("templates", "fairness_tables.html.j2").is_file(),
    reason="the fairness tables partial (governance/templates/fairness_tables.html.j2) is not written yet",
)
def test_a_fairness_audit_is_rendered_with_the_fairness_tables() -> None:
    import polars as pl

    from governance.fairness_settings import load_fairness_settings
    from governance.score_audit import audit_scores

    rng = np.random.default_rng(5)
    score = rng.random(400) * 0.4
    outcome = (rng.random(400) < score).astype(np.int8)
    groups = pl.DataFrame(
        {"sex": rng.choice(["female", "male"], 400), "age band": rng.choice(["14-15", "16-17"], 400)}
    )
    describe = {
        "outcome": "serious violence in 12 months",
        "score": "calibrated probability",
        "threshold": 0.3,
        "rows": {"read": 400, "used": 400, "excluded": []},
    }
    fairness = audit_scores(outcome, score, score >= 0.3, groups, load_fairness_settings(), describe=describe)
    html = render_card_html(make_card(fairness=fairness))
    section = html.split('id="fairness"')[1].split("</section>")[0]
    assert "not measured for this version" not in section
    assert "By sex" in section and "By age band" in section and "30.0% or more" in section


def test_the_default_folder_is_beside_the_model_store(tmp_path: Path) -> None:
    folder = default_card_folder(tmp_path / "data" / "models" / "risk-1")
    assert folder == tmp_path / "data" / "governance" / "model-cards" / "risk-1"


def tiny_artefact(store: Path) -> Path:
    """A real trained booster on random rows, stored with the hand-made manifest."""
    from models.learner import train_model
    from pipelines.warehouse.model_store import write_artefact

    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(400, len(FEATURES)))
    outcome = (rng.random(400) < 1 / (1 + np.exp(2 - matrix[:, 0]))).astype(np.int8)
    settings = yaml_settings()
    params = {**settings["learner"], "n_estimators": 10, "min_child_samples": 20}
    model = train_model(
        (matrix, outcome, np.ones(400)), (matrix, outcome), FEATURES, registry(), params, "isotonic"
    )
    manifest = hand_made_manifest()
    for key in ("content_hash", "files"):
        del manifest[key]
    figures = {
        "plots/reliability.png": b"\x89PNG\r\n\x1a\nreliability",
        "plots/shap_summary.png": b"\x89PNGshap",
    }
    return write_artefact(store, model, manifest, figures)


runner = CliRunner(env={"COLUMNS": "200"})


def test_cohort_model_card_writes_the_card_and_record_of_an_approved_model(tmp_path: Path) -> None:
    from pipelines.warehouse.connection import connect
    from pipelines.warehouse.model_registry import register, set_status
    from pipelines.warehouse.model_store import read_artefact

    folder = tiny_artefact(tmp_path / "data" / "models")
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    manifest = read_artefact(folder).manifest
    with connect(warehouse) as con:
        register(con, manifest, folder, "cohort model train")
        set_status(
            con, manifest["version"], "approved", "Dr Lead", "passes its targets", datetime(2026, 11, 22)
        )

    result = runner.invoke(app, ["model", "card", "approved", "--warehouse", str(warehouse)])
    assert result.exit_code == 0, (result.output, result.exception)
    out = tmp_path / "data" / "governance" / "model-cards" / manifest["version"]
    names = ("model-card.html", "model-card.json", "atrs.json", "atrs.md")
    for name in names:
        assert f"{name}: {out / name}" in result.output
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    card = json.loads((out / "model-card.json").read_text())
    record = json.loads((out / "atrs.json").read_text())
    assert f"{len(record['to_complete'])} ATRS fields still to complete" in result.output
    assert card["status"] == "approved" and card["history"][-1]["by"] == "Dr Lead"
    assert card["explanations"]["kind"].startswith("total gain")
    assert {t["feature"] for t in card["explanations"]["top"]} <= set(FEATURES)
    assert card["explanations"]["top"][0]["feature"] == "police_offences_365d"  # the only informative input
    assert record["metadata"]["phase"]["value"] == "Production"
    html = (out / "model-card.html").read_text()
    assert "data:image/png;base64," in html and "Homicide" in html  # figures embedded, offence groups shown


def test_cohort_model_card_reads_an_artefact_folder_without_a_warehouse(tmp_path: Path) -> None:
    folder = tiny_artefact(tmp_path / "models")
    out = tmp_path / "card"
    missing = tmp_path / "none.duckdb"
    result = runner.invoke(
        app, ["model", "card", str(folder), "--out", str(out), "--warehouse", str(missing)]
    )
    assert result.exit_code == 0, (result.output, result.exception)
    assert not missing.exists()  # no warehouse is created just to read a card
    card = json.loads((out / "model-card.json").read_text())
    assert card["status"] is None and card["history"] == []
    refused = runner.invoke(app, ["model", "card", "latest", "--warehouse", str(missing)])
    assert refused.exit_code == 2 and "no warehouse at" in refused.output


def test_a_changed_artefact_is_refused(tmp_path: Path) -> None:
    folder = tiny_artefact(tmp_path / "models")
    (folder / "plots" / "reliability.png").write_bytes(b"changed")
    result = runner.invoke(
        app,
        [
            "model",
            "card",
            str(folder),
            "--out",
            str(tmp_path / "card"),
            "--warehouse",
            str(tmp_path / "none.duckdb"),
        ],
    )
    assert result.exit_code == 1 and "reliability.png has changed" in result.output
    assert not (tmp_path / "card").exists()
