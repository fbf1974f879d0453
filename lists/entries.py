"""The shape of a weekly list: its entries, the people who left it, and the run that made it.

Pure data, shared by the step that draws the list up (lists.build), the warehouse (lists.entry) and
the publishers (pipelines.weekly.publish). A list is advisory: every entry says why it is there, and a
person decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from lists.checks import RunChecks
from models.explain import FACTOR

ROUTES = ("rule", "model", "both")
CHANGES = ("new", "continuing")
DECISIONS = ("accept", "decline", "defer", "known")
"""What an analyst may record for an entry (review.decision): accept for the cohort, decline,
defer to a later list, or already known (to the programme or another service)."""

RULE_MET = pl.Struct({"rule_id": pl.String(), "text": pl.String(), "reason": pl.String()})
PATHWAY = pl.Struct({"pathway": pl.String(), "name": pl.String(), "because": pl.String()})

ENTRY_SCHEMA = pl.Schema(
    {
        "person_id": pl.Int64(),
        "name": pl.String(),  # forename and surname as linkage settled them (analyst outputs only)
        "dob": pl.Date(),
        "age": pl.Int32(),
        "rank": pl.Int32(),  # 1 = considered first
        "within_capacity": pl.Boolean(),  # rank <= the places available this week
        "route": pl.String(),  # rule, model or both (ROUTES)
        "probability": pl.Float64(),  # calibrated, 12 months; null on a rules-alone list
        "probability_text": pl.String(),  # "2% to 5%", "5% or more", "under 1%" (lists.probability)
        "band": pl.String(),  # the model's band; null on a rules-alone list
        "rules_met": pl.List(RULE_MET),  # eligibility rules met, each with the facts behind it
        "raising": pl.List(FACTOR),  # model factors pushing risk up (largest first); empty when rules alone
        "lowering": pl.List(FACTOR),  # protective factors pushing it down
        "safeguarding": pl.List(pl.String()),  # victimisation and injury: shown apart from offending
        "pathways": pl.List(PATHWAY),  # suggested support-first pathways, for the analyst to edit
        "change": pl.String(),  # new or continuing (CHANGES)
        "previous_rank": pl.Int32(),  # rank on the previous list; null when new
        "last_decision": pl.String(),  # the latest review decision, written out; null when none
        "review_by": pl.Date(),  # decide by this date: the entry lapses with the next list
    }
)

DEPARTURE_SCHEMA = pl.Schema(
    {
        "person_id": pl.Int64(),
        "name": pl.String(),
        "previous_rank": pl.Int32(),
        "why": pl.String(),  # aged out, excluded (which), risk fell, no longer meets a rule, decision
    }
)


@dataclass(frozen=True)
class ListRun:
    """One weekly list run: what it used, shown on every published output."""

    run_id: int
    as_of: date
    created_at: datetime
    created_by: str
    mode: str  # "rules and model" or "rules alone"
    model_version: str | None
    model_approval: str | None  # who approved the model, when and why, e.g. a demo approval
    rules_version: str
    code_version: str
    capacity: int
    previous_run_id: int | None
    previous_as_of: date | None
    checks: RunChecks | None = None  # data quality as the run found it; None on runs before the checks

    @property
    def rules_alone(self) -> bool:
        return self.model_version is None

    @property
    def mode_note(self) -> str:
        """The sentence every output carries about how the list was drawn up."""
        if self.rules_alone:
            return (
                "RULES ALONE: no risk model is approved, so this list is the published rules only, "
                "ranked by how many rules each person meets."
            )
        return (
            f"Rules and risk model {self.model_version} ({self.model_approval}). "
            "The model advises; a person decides."
        )
