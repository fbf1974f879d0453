"""The trial's CONSORT flow from the warehouse (`cohort trial consort`): enrolment from the lists and the
panel's decisions, allocation and follow-up from the allocations and their outcomes."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from data_contracts.rendering import environment
from governance.trial_evaluation.analysis import summarise_arms
from governance.trial_evaluation.consort import consort_flow
from pipelines.files import refuse_symlinks, write_private
from pipelines.trial.outcomes import TrialBasis, read_outcomes, trial_basis
from pipelines.warehouse.connection import connect
from pipelines.warehouse.event_frames import merged_ids_sql
from pipelines.warehouse.queries import sql

DEFAULT_WAITING_WEEKS = 8


def enrolment_counts(con: duckdb.DuckDBPyConnection, basis: TrialBasis) -> dict[str, int]:
    """People on the lists, assessed, suitable, pooled and never drawn, over the trial's period: the
    published lists from the first draw less the longest wait (pool.waiting_weeks) to the last draw."""
    if basis.first_draw is None or basis.last_draw is None:
        return {"eligible": 0, "assessed": 0, "suitable": 0, "pooled": 0, "never_drawn": 0}
    weeks = basis.waiting_weeks or DEFAULT_WAITING_WEEKS
    params = {"since": basis.first_draw - timedelta(weeks=weeks), "until": basis.last_draw}
    found = con.execute(f"WITH {merged_ids_sql(None)}, {sql('trial/consort_enrolment')}", params)
    columns = [d[0] for d in found.description]
    return {name: int(value) for name, value in zip(columns, found.fetchall()[0], strict=True)}


def trial_consort(warehouse: Path, months: int, *, until: date | None = None) -> dict[str, Any]:
    """The CONSORT flow for ``months`` of follow-up at the data cut (``until``, else the newest extract).

    Raises:
        EvaluationRefused: nothing loaded, or a follow-up or cut that makes no sense.
    """
    with connect(warehouse) as con:
        basis = trial_basis(con, until)
        outcomes = read_outcomes(con, months, basis.cut)
        enrolment = enrolment_counts(con, basis)
    arms, tie_breaker = summarise_arms(outcomes)
    return {"cut": basis.cut.isoformat(), **consort_flow(enrolment, arms, tie_breaker, months=months)}


def write_consort(out: Path, flow: dict[str, Any]) -> Path:
    """The diagram as one HTML document in ``out`` (owner-only): ``consort-<months>m.html``."""
    refuse_symlinks(out, "--out")
    html = environment("pipelines.trial").get_template("consort_page.html.j2").render(flow=flow)
    return write_private(out / f"consort-{flow['follow_up_months']}m.html", html, own_folder=False)
