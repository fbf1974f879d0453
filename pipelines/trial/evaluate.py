"""Evaluating the trial (`cohort trial evaluate`): outcomes over a follow-up, every estimate with its
interval and randomisation p-value, the CONSORT flow, the report, JSON and the pseudonymised
person-level file, and an audit event recording that it was made.

Intention to treat: everyone randomised whose follow-up window has closed by the data cut is analysed
in their allocated arm (governance/trial_evaluation/analysis.py names the pre-specified primary
estimate and why).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from governance.trial_evaluation.analysis import Analysis, analyse
from governance.trial_evaluation.consort import consort_flow
from governance.trial_evaluation.estimates import Estimate
from pipelines.files import refuse_symlinks
from pipelines.paths import pseudonym_key_file
from pipelines.trial.consort import enrolment_counts
from pipelines.trial.evaluate_files import evaluation_document, write_evaluation
from pipelines.trial.outcomes import EvaluationRefused, read_outcomes, trial_basis
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.audit_chain import head
from pipelines.warehouse.connection import connect
from pipelines.warehouse.queries import transaction
from pipelines.weekly.publish import load_or_create_key

PURPOSE = "evaluating the programme's randomised trial: outcomes of the allocated people by arm"


@dataclass(frozen=True)
class EvaluationResult:
    """What an evaluation found and wrote."""

    follow_up_months: int
    cut: date
    estimates: dict[str, dict[str, Estimate]]  # outcome -> estimate name -> Estimate
    analysed: dict[str, int]  # arm -> people analysed
    arms: dict[str, dict[str, Any]]
    consort: dict[str, Any]
    files: dict[str, Path]  # report, json, parquet, csv
    event_id: int
    key_created: bool

    @property
    def primary(self) -> Estimate:
        """The pre-specified primary estimate: the ratio of mean harm, programme over control."""
        return self.estimates["cchi"]["ratio_of_means"]

    def summary(self) -> list[str]:
        """Counts and the primary estimate, for the terminal (no person)."""
        p = self.primary
        interval = (
            "no interval"
            if p.lower is None or p.upper is None
            else f"95% interval {p.lower:.2f} to {p.upper:.2f}"
        )
        ratio = "n/a" if p.estimate is None else f"{p.estimate:.2f}"
        p_value = "n/a" if p.p_value is None else f"{p.p_value:.3f}"
        return [
            f"follow-up {self.follow_up_months} months, data cut {self.cut:%d/%m/%Y}: analysed "
            f"{self.analysed['programme']} programme and {self.analysed['control']} control",
            f"primary: ratio of mean harm (programme over control) {ratio}, {interval}, "
            f"randomisation p = {p_value}" + (f" ({p.note})" if p.note else ""),
            *[f"{name}: {path}" for name, path in self.files.items()],
        ]


def evaluate_trial(
    warehouse: Path,
    follow_up_months: int,
    out: Path,
    *,
    now: datetime,
    by: str,
    until: date | None = None,
    permutations: int = 2000,
    seed: int = 0,
    key_file: Path | None = None,
) -> EvaluationResult:
    """Evaluate the trial over ``follow_up_months`` at the data cut and write the outputs to ``out``.

    Args:
        follow_up_months: the follow-up (3, 6, 12 ...).
        out: the folder for the report, JSON and person-level files (owner-only files).
        now: when (recorded in the audit log); by: who.
        until: the data cut [default: the newest extract date loaded].
        permutations: re-randomisations (at least 2,000 for the report's p-values).
        seed: seeds the permutations and the bootstrap, so the same call gives the same numbers.
        key_file: the pseudonymisation key [default: pipelines.paths.pseudonym_key_file].

    Raises:
        EvaluationRefused: nothing loaded, no allocation, or a follow-up, cut or count that makes no sense.
    """
    if permutations < 100:
        raise EvaluationRefused(
            f"--permutations {permutations}: give at least 100 (2,000 or more for a report)"
        )
    refuse_symlinks(out, "--out")
    key, key_created = load_or_create_key(key_file or pseudonym_key_file(warehouse))
    with connect(warehouse) as con:
        basis = trial_basis(con, until)
        outcomes = read_outcomes(con, follow_up_months, basis.cut)
        if outcomes.height == 0:
            raise EvaluationRefused("there is no allocation to evaluate: `cohort trial allocate` makes them")
        analysis = analyse(outcomes, permutations=permutations, seed=seed)
        flow = consort_flow(
            enrolment_counts(con, basis), analysis.arms, analysis.tie_breaker, months=follow_up_months
        )
        document = evaluation_document(analysis, flow, basis, follow_up_months, made_at=now, made_by=by)
        files = write_evaluation(out, document, analysis, outcomes, key, follow_up_months)
        digest = hashlib.sha256(files["json"].read_bytes()).hexdigest()
        with transaction(con):
            audit.record(
                con, f"user:{by}", "trial_evaluation", _detail(analysis, follow_up_months, basis.cut),
                purpose=PURPOSE, file_name=files["json"].name, sha256=digest,
                rows=sum(analysis.analysed().values()), at=now,
            )  # fmt: skip
            event = head(con)
    assert event is not None
    return EvaluationResult(
        follow_up_months, basis.cut, analysis.estimates, analysis.analysed(), analysis.arms, flow, files,
        event[0], key_created,
    )  # fmt: skip


def _detail(analysis: Analysis, months: int, cut: date) -> str:
    """The audit event's text: counts and the primary estimate, never a person."""
    p = analysis.primary
    numbers = analysis.analysed()
    ratio = "n/a" if p.estimate is None else f"{p.estimate:.3f}"
    return (
        f"trial evaluated at {months} months, data cut {cut:%d/%m/%Y}: {numbers['programme']} programme and "
        f"{numbers['control']} control analysed; primary ratio of mean harm {ratio}; person-level file "
        "written pseudonymised"
    )
