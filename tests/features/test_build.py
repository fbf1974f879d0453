"""Features on inline events with answers worked out by hand, and the registry's catalogue."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from features.build import build_features, build_snapshots
from features.events import Events
from features.registry import RegistryError, model_features, parse_registry, protected_features, registry

AS_OF = date(2026, 6, 1)
PEOPLE = pl.DataFrame(
    {
        "person_id": [1, 2, 3],
        "dob": [date(2008, 6, 2), date(2001, 1, 1), date(2010, 3, 3)],
        "sex": ["M", "F", "M"],
    }
)


def occurrence(
    person: int,
    crime: str,
    happened: date,
    recorded: date,
    code: str = "8N",
    role: str = "suspect",
    knife: bool = False,
) -> dict[str, object]:
    return {
        "person_id": person,
        "event_date": happened,
        "recorded_date": recorded,
        "role": role,
        "crime_ref": crime,
        "ho_code": code,
        "knife": knife,
    }


OCCURRENCES = pl.DataFrame(
    [
        occurrence(1, "C1", date(2026, 3, 14), date(2026, 3, 15), "10D"),  # weapon possession
        occurrence(1, "C2", date(2025, 9, 2), date(2025, 9, 3), "8N", knife=True),  # knife assault
        occurrence(2, "C2", date(2025, 9, 2), date(2025, 9, 4), "8N", knife=True),  # co-offender of 1
        occurrence(1, "C3", date(2024, 1, 1), date(2024, 1, 2), "46"),  # shoplifting, 2.4 years ago
        occurrence(1, "C4", date(2026, 5, 20), date(2026, 6, 3), "34B"),  # recorded after as_of
        occurrence(2, "C5", date(2026, 4, 1), date(2026, 4, 1), "8N", role="victim"),  # co-offender victim
    ]
)


def features(**frames: pl.DataFrame) -> dict[int, dict[str, object]]:
    built = build_features(Events.of(**frames), PEOPLE, AS_OF)
    return {row["person_id"]: row for row in built.iter_rows(named=True)}


def test_counts_windows_harm_and_dates_for_a_suspect() -> None:
    one = features(occurrences=OCCURRENCES)[1]
    assert one["police_offences_365d"] == 2 and one["police_offences_ever"] == 3
    assert one["police_knife_offences_365d"] == 2  # the possession and the knife-marked assault
    assert one["police_knife_offences_365d_dates"] == [date(2025, 9, 2), date(2026, 3, 14)]
    assert one["police_weapons_offences_90d"] == 1 and one["police_property_offences_ever"] == 1
    assert one["police_robbery_offences_ever"] == 0  # recorded after as_of
    assert one["police_harm_365d"] == 273.75 + 365.0
    assert one["police_harm_previous_year"] == 0.0  # the shoplifting is over two years old
    assert one["police_harm_escalation"] == 273.75 + 365.0
    assert one["police_days_since_offence"] == (AS_OF - date(2026, 3, 14)).days
    assert one["police_age_first_offence"] == 15  # 2024-01-01, born 2008-06-02
    assert one["person_age"] == 17  # the day before the 18th birthday


def test_victimisation_is_kept_apart_and_reaches_co_offenders() -> None:
    built = features(occurrences=OCCURRENCES)
    assert built[2]["police_victimisations_365d"] == 1 and built[2]["police_offences_ever"] == 1
    assert built[1]["police_victimisations_ever"] == 0
    assert built[1]["network_co_offenders_730d"] == 1
    assert built[1]["network_co_offender_harm_730d"] == 365.0
    assert built[1]["network_co_offenders_sv_victims_125d"] == 1  # person 2, assaulted 61 days before
    assert built[3]["network_co_offenders_730d"] == 0 and built[3]["police_days_since_offence"] is None


def test_education_attendance_exclusions_and_neet() -> None:
    attendance = pl.DataFrame(
        {
            "person_id": [3, 3, 3],
            "event_date": [date(2025, 9, 1), date(2026, 1, 5), date(2026, 4, 20)],
            "recorded_date": [
                date(2025, 12, 20),
                date(2026, 4, 1),
                date(2026, 7, 20),
            ],  # summer not yet recorded
            "sessions_possible": [140, 120, 100],
            "sessions_attended": [126, 96, 50],
        }
    )
    exclusions = pl.DataFrame(
        {
            "person_id": [3, 3],
            "event_date": [date(2026, 2, 1), date(2023, 1, 1)],
            "recorded_date": [date(2026, 2, 2), date(2023, 1, 2)],
            "category": ["SUSP", "PERM"],
            "reason": ["PP", "DA"],
        }
    )
    activity = pl.DataFrame(
        {
            "person_id": [1, 1],
            "event_date": [date(2025, 1, 1), date(2026, 2, 1)],
            "recorded_date": [date(2025, 1, 2), date(2026, 2, 2)],
            "activity_code": ["110", "540"],
        }
    )
    built = features(attendance=attendance, exclusions=exclusions, activity=activity)
    assert built[3]["education_attendance_last_term"] == 80.0
    assert built[3]["education_attendance_365d"] == 100 * 222 / 260
    assert built[3]["education_persistent_absence"] is True
    assert built[3]["education_violent_suspensions_365d"] == 1
    assert built[3]["education_permanent_exclusions_ever"] == 1
    assert built[3]["education_violent_permanent_exclusions_ever"] == 0
    assert built[1]["education_neet"] is True and built[2]["education_neet"] is None


def test_custody_on_the_as_of_date_and_knife_arrests() -> None:
    custody = pl.DataFrame(
        {
            "person_id": [1, 2],
            "event_date": [date(2026, 3, 15), date(2026, 5, 1)],
            "recorded_date": [date(2026, 3, 15), date(2026, 5, 1)],
            "crime_ref": ["C1", "C9"],
            "ho_code": ["10D", "46"],
            "outcome": ["CHARGED", "REMANDED"],
            "custody_type": ["POLICE", "REMAND"],
            "release_date": [None, date(2026, 8, 1)],
        }
    )
    built = features(occurrences=OCCURRENCES, custody=custody)
    assert built[1]["police_knife_arrests_365d"] == 1 and built[1]["police_in_custody"] is False
    assert built[2]["police_in_custody"] is True and built[2]["police_release_date"] == date(2026, 8, 1)
    assert built[2]["police_knife_arrests_365d"] == 0


def test_every_registered_feature_is_built_and_every_column_is_registered() -> None:
    built = build_features(Events.of(occurrences=OCCURRENCES), PEOPLE, AS_OF)
    features = registry()
    dated = {f"{name}_dates" for name, f in features.items() if f.dated}
    assert set(built.columns) == {"person_id", "as_of"} | set(features) | dated


def test_no_protected_characteristic_or_proxy_is_open_to_the_model() -> None:
    protected = set(protected_features())
    assert {"person_sex", "person_ethnicity", "person_deprivation_decile"} <= protected
    assert not protected & set(model_features())
    # where people live and postcodes never become model inputs either
    assert not {"person_resident", "person_moved_out", "person_moved_out_date"} & set(model_features())


def test_the_registry_schema_refuses_a_protected_feature_for_the_model() -> None:
    entry = {
        **{"name": "person_sex", "description": "Sex as most records give it.", "template": "sex {value}"},
        **{"source": "linkage", "type": "text", "direction": "none", "model": True, "protected": True},
    }
    with pytest.raises(RegistryError, match="model"):
        parse_registry([entry])


def test_snapshots_equal_one_build_per_date() -> None:
    events = Events.of(occurrences=OCCURRENCES)
    dates = [date(2025, 10, 1), date(2026, 3, 20), AS_OF]
    together = build_snapshots(events, PEOPLE, dates)
    for as_of in dates:
        alone = build_snapshots(events, PEOPLE, [as_of])
        assert together.filter(pl.col("as_of") == as_of).equals(alone)


def test_two_records_of_the_latest_term_count_together_whatever_their_order() -> None:
    terms = pl.DataFrame(
        {
            "person_id": [3, 3, 3],
            "event_date": [date(2025, 9, 1), date(2026, 1, 5), date(2026, 1, 5)],  # moved school mid-term
            "recorded_date": [date(2025, 12, 20), date(2026, 4, 1), date(2026, 4, 1)],
            "sessions_possible": [140, 60, 60],
            "sessions_attended": [126, 30, 54],
        }
    )
    forward = features(attendance=terms)[3]["education_attendance_last_term"]
    backward = features(attendance=terms.reverse())[3]["education_attendance_last_term"]
    assert forward == backward == 100 * 84 / 120
