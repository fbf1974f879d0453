"""The calibration report's verdicts."""

from __future__ import annotations

import polars as pl

from synth.calibration import while_resident
from synth.measures import Measure
from synth.model import Kind
from synth.params import WorldParams
from synth.report import render_calibration_report


def measure(value: float, error: float = 0.0) -> Measure:
    return Measure("Knife-offence suspects", value, 4.0, "per 1,000", "S10", standard_error=error)


def test_within_twenty_percent_is_within() -> None:
    assert measure(4.7).status == "within"
    assert measure(3.3).status == "within"


def test_a_miss_explained_by_two_standard_errors_is_sampling_error() -> None:
    assert measure(5.2, error=0.25).status == "within sampling error"


def test_a_miss_beyond_sampling_error_is_outside() -> None:
    assert measure(5.2, error=0.1).status == "outside"


def test_a_miss_with_an_explanation_is_explained() -> None:
    admitted = Measure("Sharp-object injuries", 1.2, 0.35, "per 1,000", "S40", explanation="admissions only")
    assert admitted.status == "explained"


def test_ranges_are_checked_inclusive() -> None:
    auc = Measure("Oracle AUC", 0.80, None, "", "issue 2", 0.80, 0.92)
    assert auc.status == "within"
    assert Measure("Oracle AUC", 0.79, None, "", "issue 2", 0.80, 0.92).status == "outside"


def test_report_explains_every_figure_outside_its_target() -> None:
    text = render_calibration_report([measure(4.1), measure(5.2, error=0.25), measure(9.0)], WorldParams())
    assert "| Knife-offence suspects | 4.10 |" in text
    assert "sampling noise" in text
    assert "treat as a calibration defect" in text


def test_rates_leave_out_what_happens_after_a_person_leaves_the_area() -> None:
    events = pl.DataFrame(
        {
            "step": [3, 5, 5, 9, 2],
            "true_person_id": [1, 1, 1, 1, 2],
            "kind": [Kind.OFFENCE, Kind.MOVE_OUT, Kind.VICTIMISATION, Kind.ED_ATTENDANCE, Kind.OFFENCE],
        }
    )
    # the victimisation in the month of the move counts; the later attendance does not
    assert while_resident(events)["step"].to_list() == [3, 5, 5, 2]
