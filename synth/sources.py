"""Declarations of the extracts each agency sends: names, formats, cadence and defects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Cadence = Literal["weekly", "monthly", "termly"]


@dataclass(frozen=True)
class Source:
    """One extract as an agency sends it."""

    name: str
    agency: str
    description: str
    cadence: Cadence
    file_format: Literal["csv", "xlsx"]
    delimiter: str
    date_format: str  # strftime format of every date column
    record_id: str  # the column that identifies a row
    identifier: str | None  # the person identifier column, if any
    date_columns: tuple[str, ...]
    event_date: str  # the column planted with impossible dates
    code_column: str | None  # planted with unknown codes
    key_column: str  # a required column planted blank
    columns: dict[str, str]  # name -> description, in file order


PERSON_POLICE = {
    "PNC_ID": "Police person id in PNC format YYYY/NNNNNNNC (may be blank)",
    "SURNAME": "Surname, upper case", "FORENAMES": "Forenames, upper case, middle names included",
    "DOB": "Date of birth", "SEX": "M, F or U", "POSTCODE": "Home postcode at the time of the record",
}
SOURCES = [
    Source("police_occurrences", "police", "Crimes with the people recorded as suspect or victim", "weekly",
           "csv", ",", "%d/%m/%Y", "RECORD_ID", "PNC_ID", ("DOB", "OFFENCE_DATE", "RECORDED_DATE"),
           "OFFENCE_DATE", "HO_CODE", "CRIME_REF",
           {"RECORD_ID": "Row id", "CRIME_REF": "Crime reference shared by every person on one crime",
            **PERSON_POLICE, "ROLE": "SUSPECT or VICTIM", "HO_CODE": "Home Office offence code",
            "OFFENCE_DATE": "Date the offence happened", "RECORDED_DATE": "Date the police recorded it",
            "KNIFE_FLAG": "Y when a knife or sharp instrument was used or threatened"}),
    Source("police_custody", "police", "Arrests and custody (remand or sentence) periods", "weekly",
           "csv", ",", "%d/%m/%Y", "CUSTODY_REF", "PNC_ID", ("DOB", "ARREST_DATE", "RELEASE_DATE", "RECORDED_DATE"),
           "ARREST_DATE", "OFFENCE_CODE", "CRIME_REF",
           {"CUSTODY_REF": "Custody record id", **PERSON_POLICE, "CRIME_REF": "Crime the arrest was for",
            "OFFENCE_CODE": "Home Office offence code", "ARREST_DATE": "Date of arrest",
            "OUTCOME": "CHARGED, CAUTIONED, RUI, NFA or REMANDED",
            "CUSTODY_TYPE": "POLICE, REMAND or SENTENCE", "RELEASE_DATE": "Expected release (blank for police custody)",
            "RECORDED_DATE": "Date the record was created"}),
    Source("police_stop_search", "police", "Stop and search encounters", "weekly", "csv", ",", "%d/%m/%Y",
           "SEARCH_ID", "PNC_ID", ("DOB", "SEARCH_DATE", "RECORDED_DATE"), "SEARCH_DATE", "OBJECT_OF_SEARCH",
           "SEARCH_DATE",
           {"SEARCH_ID": "Search record id", **PERSON_POLICE, "SEARCH_DATE": "Date of the search",
            "OBJECT_OF_SEARCH": "WEAPONS, DRUGS or STOLEN", "ITEM_FOUND": "Y when the object was found",
            "OUTCOME": "ARREST or NFA", "RECORDED_DATE": "Date recorded"}),
    Source("police_intelligence", "police", "Intelligence reports of group association", "weekly", "csv", ",",
           "%d/%m/%Y", "INTEL_REF", "PNC_ID", ("DOB", "REPORT_DATE", "RECORDED_DATE"), "REPORT_DATE", "GRADING",
           "REPORT_DATE",
           {"INTEL_REF": "Intelligence report id", **PERSON_POLICE, "REPORT_DATE": "Date of the report",
            "GRADING": "3x5x2 source and intelligence grading, e.g. B2", "GROUP_NAME": "Group named in the report",
            "RECORDED_DATE": "Date recorded"}),
    Source("education_attendance", "education", "Termly attendance per pupil", "termly", "csv", ",", "%Y-%m-%d",
           "record_id", "upn", ("date_of_birth", "term_start", "recorded_date"), "term_start", "term", "upn",
           {"record_id": "Row id", "upn": "Unique pupil number", "legal_surname": "Surname",
            "forename": "Forename", "date_of_birth": "Date of birth", "gender": "M or F",
            "postcode": "Home postcode", "school_urn": "School URN", "academic_year": "e.g. 2025/26",
            "term": "AUT, SPR or SUM", "term_start": "First day of the term",
            "sessions_possible": "Half-day sessions possible", "sessions_attended": "Sessions attended",
            "sessions_unauthorised": "Sessions of unauthorised absence", "recorded_date": "Date of the return"}),
    Source("education_exclusions", "education", "Suspensions and permanent exclusions", "termly", "xlsx", "",
           "%Y-%m-%d", "Exclusion ID", "UPN", ("DOB", "Start Date", "Date Recorded"), "Start Date", "Reason 1", "UPN",
           {"Exclusion ID": "Row id", "UPN": "Unique pupil number", "Surname": "Surname", "Forename": "Forename",
            "DOB": "Date of birth", "Gender": "M or F", "Postcode": "Home postcode", "School URN": "School URN",
            "Category": "SUSP (suspension) or PERM (permanent exclusion)", "Start Date": "First day",
            "Sessions": "Sessions excluded (suspensions)", "Reason 1": "DfE reason code",
            "Date Recorded": "Date the local authority recorded it"}),
    Source("education_activity", "education", "Post-16 activity (NEET tracking) changes", "termly", "csv", ",",
           "%Y-%m-%d", "record_id", "upn", ("date_of_birth", "activity_start", "recorded_date"), "activity_start",
           "activity_code", "activity_start",
           {"record_id": "Row id", "upn": "Unique pupil number if known", "legal_surname": "Surname",
            "forename": "Forename", "date_of_birth": "Date of birth", "gender": "M or F", "postcode": "Postcode",
            "activity_code": "CCIS activity code (5xx/6xx NEET, 1xx-3xx EET)",
            "activity_start": "Date the activity began", "recorded_date": "Date recorded"}),
    Source("health_ed_attendances", "health", "Emergency department attendances for assault (ISTV)", "monthly",
           "csv", "|", "%Y%m%d", "ATTENDANCE_ID", "NHS_NUMBER",
           ("PERSON_BIRTH_DATE", "ARRIVAL_DATE", "RECORDED_DATE"), "ARRIVAL_DATE", "INJURY_MECHANISM", "ARRIVAL_DATE",
           {"ATTENDANCE_ID": "Attendance id", "NHS_NUMBER": "NHS number (may be blank)",
            "PATIENT_SURNAME": "Surname", "PATIENT_FORENAME": "Forename", "PERSON_BIRTH_DATE": "Date of birth",
            "PERSON_GENDER_CODE": "1 male, 2 female, 9 not stated", "POSTCODE": "Postcode, no space",
            "ARRIVAL_DATE": "Arrival date", "INJURY_MECHANISM": "Injury mechanism code",
            "ASSAULT_LOCATION": "STREET, HOME, PUBLIC_HOUSE, SCHOOL or OTHER", "RECORDED_DATE": "Date recorded"}),
    Source("health_referrals", "health", "Mental health and substance misuse referrals", "monthly", "csv", "|",
           "%Y%m%d", "REFERRAL_ID", "NHS_NUMBER", ("PERSON_BIRTH_DATE", "REFERRAL_DATE", "RECORDED_DATE"),
           "REFERRAL_DATE", "SERVICE", "REFERRAL_DATE",
           {"REFERRAL_ID": "Referral id", "NHS_NUMBER": "NHS number (may be blank)", "PATIENT_SURNAME": "Surname",
            "PATIENT_FORENAME": "Forename", "PERSON_BIRTH_DATE": "Date of birth",
            "PERSON_GENDER_CODE": "1 male, 2 female, 9 not stated", "POSTCODE": "Postcode, no space",
            "REFERRAL_DATE": "Date of referral", "SERVICE": "CAMHS, AMHS or SUBSTANCE_MISUSE",
            "RECORDED_DATE": "Date recorded"}),
    Source("partner_referrals", "partnership", "Referrals to the programme by partners", "weekly", "csv", ",",
           "%d-%b-%Y", "Referral Ref", None, ("Date of Birth", "Referral Date", "Date Entered"), "Referral Date",
           "Referrer Type", "Referral Date",
           {"Referral Ref": "Referral id", "First Name": "Forename as typed", "Last Name": "Surname as typed",
            "Date of Birth": "Date of birth", "Gender": "Male or Female", "Postcode": "Postcode as typed",
            "Referral Date": "Date of referral", "Referrer Type": "SCHOOL, PARENT, YOUTH_WORKER, SOCIAL_CARE or POLICE",
            "Date Entered": "Date entered on the system"}),
]
BY_NAME = {s.name: s for s in SOURCES}
