"""The world's manifest: every file, every column, and what was planted where."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import polars as pl

from synth.measures import Measure
from synth.params import WorldParams
from synth.sources import SOURCES
from synth.timeline import Timeline

GROUND_TRUTH_COLUMNS: dict[str, dict[str, str]] = {
    "record_identity": {
        "source": "Extract name (police_occurrences, education_attendance, ...)",
        "source_record_id": "The row's id in that extract (its record_id column)",
        "true_person_id": "The real person the row is about",
    },
    "people": {
        "true_person_id": "Person id",
        "household_id": "Household (siblings share one)",
        "simulated_in_detail": "False for adult co-offenders, who appear only as co-offenders",
        "forename": "True forename",
        "middle_name": "True middle name ('' if none)",
        "surname": "True surname",
        "date_of_birth": "True date of birth",
        "twin": "Born on the same day as a sibling",
        "sex": "M or F",
        "ethnicity": "ONS 2021 ethnic group code (audit only)",
        "neighbourhood_id": "Home neighbourhood",
        "deprivation_decile": "Home neighbourhood's deprivation decile, 1 most deprived (audit only)",
        "policing_intensity": "Home neighbourhood's policing intensity (drives recording bias when on)",
        "primary_school_id": "Primary school",
        "secondary_school_id": "Secondary school",
        "z": "Latent propensity (standard normal, shared partly within households)",
        "knife_carrier": "Latent: carries a knife",
        "substance_misuse": "Latent: substance misuse",
        "mental_health_need": "Latent: mental health need",
        "sen": "0 none, 1 SEN support, 2 EHCP",
        "looked_after": "Looked-after child",
        "group_id": "Street group (-1 none)",
        "group_join_date": "Joined the group",
        "group_leave_date": "Left the group",
        "death_date": "Date of death",
        "moved_out_date": "Date they left the area",
    },
    "events": {
        "event_id": "Event id (extract record ids embed it: OCC/CUS/SS/INT/EXC/ACT/ED/REF/VRP + event_id)",
        "true_person_id": "Person",
        "kind": "offence, victimisation, stop_search, arrest, custody, suspension, "
        "permanent_exclusion, neet_start, neet_end, death, move_out, ed_attendance, mental_health_referral, "
        "substance_referral, partner_referral, intelligence",
        "category": "For offences and victimisations: serious_knife, serious, weapon, other_violence, other",
        "event_date": "When it happened",
        "recorded": "Whether any agency recorded it",
        "recorded_date": "When it was recorded (may be after the end date: not yet delivered)",
        "crime": "Crime number shared by co-offenders; arrests and custody carry their crime's number, a "
        "search that found a weapon its possession offence's, an assault attendance its victimisation's",
        "ho_code": "Home Office offence code",
        "knife": "Knife or sharp instrument involved",
        "serious_violence": "Counts towards the outcome",
        "cchi_days": "Crime Harm Index weight",
        "detail": "Reason code, injury mechanism, referral source or service",
        "value": "Kind-specific: 1 for a co-offender or homicide; custody months; sessions; group",
    },
    "oracle_risk": {
        "true_person_id": "Person aged 14-25 and resident at as_of",
        "as_of": "Snapshot date",
        "p_true": "Probability of recorded serious-violence involvement (suspect or victim) in the 12 months "
        "after as_of given everything the generator knew, from re-simulating the future "
        "(null outside the random sample)",
        "outcome": "Whether it happened and was recorded (null at the end date)",
        "outcome_any": "Whether it happened, recorded or not (null at the end date)",
    },
    "invalid_rows": {
        "source": "Extract",
        "file": "File",
        "source_record_id": "Row id",
        "defect": "impossible_date, unknown_code, missing_key or malformed_identifier",
        "column": "The spoiled column",
    },
    "treatment": {
        "advance": "The advance (1, 2, ...) whose weeks hold the event",
        "allocation_id": "Allocation (from the allocation file the advance was given)",
        "arm": "programme or control",
        "true_person_id": "The true person behind the allocation (most of its records)",
        "event_id": "Event (see events)",
        "crime": "Crime number",
        "kind": "offence (as suspect) or victimisation",
        "co_offender": "An offence as co-offender in another's crime",
        "category": "serious_knife, serious, weapon, other_violence or other",
        "ho_code": "Home Office offence code, as the police record carries it (CCHI weights: "
        "data_contracts/reference/offence_codes.csv)",
        "knife": "Knife or sharp instrument involved",
        "cchi_days": "Crime Harm Index weight of ho_code",
        "event_date": "When it happened",
        "recorded": "Whether an agency recorded it",
        "recorded_date": "When it was recorded",
        "age_group": "under_18 or 18_and_over at the event",
        "outcome": "The ratio that applies: offending, knife or victimisation",
        "in_window": "Dated from allocated_on (plus the start lag) and before withdrawn_on",
        "hazard_ratio": "The effect's ratio in the window, 1 outside it",
        "draw": "Uniform draw fixed by the world's seed and the event",
        "prevented_if_treated": "draw < 1 - hazard_ratio: gone were the person in the programme",
        "prevented": "Actually removed from the extracts (the programme arm's own, or a spillover)",
        "spillover": "Removed because a treated person's prevented crime took it, not its own draw",
    },
    "attendance_monthly": {
        "step": "Month index",
        "true_person_id": "Pupil",
        "school_id": "School",
        "possible": "Sessions possible",
        "attended": "Sessions attended",
        "unauthorised": "Sessions of unauthorised absence",
    },
}


def build_manifest(
    params: WorldParams,
    timeline: Timeline,
    files: list[dict[str, Any]],
    late: dict[str, int],
    outputs: dict[str, pl.DataFrame],
    measures: list[Measure],
    future: dict[str, Any] | None = None,
) -> dict[str, object]:
    """Describe the world: parameters, every file with its rows and defects, every column.

    `future` (a world with one: `synth.future.future_summary`) is described too, by counts only.
    """
    record = asdict(params)
    record["end_date"] = params.end_date.isoformat()
    described: dict[str, object] = {
        "generator": "cohort synth",
        "parameters": record,
        "history": {
            "start_date": timeline.start_date.isoformat(),
            "end_date": timeline.end_date.isoformat(),
            "oracle_as_of_dates": [timeline.boundaries[k].isoformat() for k in timeline.oracle_steps()],
        },
        "sources": {
            s.name: {
                "agency": s.agency,
                "description": s.description,
                "cadence": s.cadence,
                "format": s.file_format,
                "delimiter": s.delimiter or None,
                "encoding": "utf-8",
                "date_format": s.date_format,
                "record_id": s.record_id,
                "identifier": s.identifier,
                "columns": s.columns,
                "rows_recorded_after_end_date": late[s.name],
            }
            for s in SOURCES
        },
        "files": files,
        "totals": {
            "files": len(files),
            "rows": sum(int(f["rows"]) for f in files),
            "invalid_rows": sum(int(f["invalid_rows"]) for f in files),
        },
        "ground_truth": {
            name: {
                "file": f"ground_truth/{name}.parquet",
                "rows": frame.height,
                "columns": GROUND_TRUTH_COLUMNS[name],
            }
            for name, frame in outputs.items()
        },
        "calibration": [
            {
                "measure": m.name,
                "value": round(m.value, 4),
                "target": m.target,
                "within": m.within,
                "status": m.status,
                "standard_error": round(m.standard_error, 4),
            }
            for m in measures
        ],
        "note": "The pipeline reads landing/ only. ground_truth/ is for tests and evaluation.",
    }
    if future is not None:
        described["future"] = future
    return described
