"""The CONSORT flow of the trial: from the people on the lists to the people analysed, in each arm.

Enrolment counts people (each followed into the person id their records hold now): on a published list
in the trial's period (eligible), with a review decision recorded (assessed), accepted by the panel
(suitable), in a draw's pool, and in a pool but never drawn. Allocation counts allocations: randomised
to the programme or control, or always treated by the tie-breaker (not randomised, shown apart).
Follow-up counts, per arm, who was withdrawn, spent time in custody, moved out of the area or died in
their window (all still analysed, by intention to treat), and who was allocated too recently for their
window to have closed by the data cut (not yet analysed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ENROLMENT = (
    ("eligible", "On a published list (eligible)"),
    ("assessed", "Assessed by the panel (a decision recorded)"),
    ("suitable", "Found suitable (accepted)"),
    ("pooled", "In a draw's pool"),
)
FOLLOW_UP = (
    ("withdrawn", "Withdrawn (analysed as allocated)"),
    ("custody", "In custody during follow-up"),
    ("moved", "Moved out of the area"),
    ("died", "Died"),
    ("not_yet_followed_up", "Not yet followed up"),
)
ARM_NAMES = {"programme": "Programme", "control": "Control"}


def consort_flow(
    enrolment: Mapping[str, int],
    arms: Mapping[str, Mapping[str, Any]],
    tie_breaker: Mapping[str, Any],
    *,
    months: int,
) -> dict[str, Any]:
    """The flow as a document (stable keys) the report draws as boxes.

    Args:
        enrolment: eligible, assessed, suitable, pooled and never_drawn (people).
        arms: per arm (programme, control): allocated, withdrawn, custody, moved, died,
            not_yet_followed_up and analysed (governance.trial_evaluation.analysis.Analysis.arms).
        tie_breaker: the same for the people always treated.
        months: the follow-up.
    """
    randomised = sum(int(arms[arm]["allocated"]) for arm in ARM_NAMES)
    return {
        "follow_up_months": months,
        "enrolment": [{"key": k, "label": label, "count": int(enrolment[k])} for k, label in ENROLMENT],
        "never_drawn": int(enrolment["never_drawn"]),
        "randomised": randomised,
        "tie_breaker": int(tie_breaker["allocated"]),
        "arms": [
            {
                "arm": arm,
                "label": name,
                "allocated": int(arms[arm]["allocated"]),
                "follow_up": [
                    {"key": k, "label": _label(k, label, months), "count": int(arms[arm][k])}
                    for k, label in FOLLOW_UP
                ],
                "analysed": int(arms[arm]["analysed"]),
            }
            for arm, name in ARM_NAMES.items()
        ],
    }


def _label(key: str, label: str, months: int) -> str:
    if key == "not_yet_followed_up":
        return f"Not yet followed up (allocated less than {months} months before the data cut)"
    return label


def consort_lines(flow: Mapping[str, Any]) -> list[str]:
    """The flow as plain lines, for the terminal."""
    lines = [f"{box['label']}: {box['count']}" for box in flow["enrolment"]]
    lines.append(f"  in a pool, never drawn: {flow['never_drawn']}")
    lines.append(f"Randomised: {flow['randomised']}")
    lines.append(f"  always treated by the tie-breaker (not randomised): {flow['tie_breaker']}")
    for arm in flow["arms"]:
        lines.append(f"{arm['label']}: allocated {arm['allocated']}")
        lines.extend(f"  {item['label']}: {item['count']}" for item in arm["follow_up"])
        lines.append(f"  Analysed ({flow['follow_up_months']} months): {arm['analysed']}")
    return lines
