"""Build the Great Expectations suite for one extract from its contract, at run time.

Every expectation carries the rule id, the columns it reads, and a plain-English message and
action in its ``meta``, so a failed row's reasons can be shown to the person fixing it.
"""

from __future__ import annotations

from dataclasses import dataclass

import great_expectations.expectations as gxe
from great_expectations.expectations.expectation import Expectation

from data_contracts import expectations as cx
from data_contracts.columns import FREE_TEXT, Column, Rule
from data_contracts.contract import Contract

FORMULA_START = r"^\s*[=+\-@]"
"""Text a spreadsheet would run as a formula (OWASP CSV injection), judged as staged: after the
leading spaces staging trims (the pattern's space class is Unicode-aware: a no-break space is one)."""
CONTROL_CHARACTERS = r"[\p{Cc}\p{Cf}\p{Co}\p{Zl}\p{Zp}]"
"""Characters no name or free text holds: control characters (line breaks, tabs, C1 controls),
format characters (zero-width U+200B-U+200D, U+2060, U+FEFF, bidi controls U+202A-U+202E and
U+2066-U+2069, soft hyphen), private-use characters and the line and paragraph separators U+2028/U+2029."""
POSTCODE = r"^\s*[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s*[0-9][A-Za-z]{2}\s*$"
"""A UK postcode in any case, with or without the space (staging puts it in standard form)."""
EXTRACT_DATE = "_extract_date"
"""Validation frames carry each row's file extract date in this column."""
FILE = "_file"
"""... and the file it came from in this one (record ids need only be unique within a file)."""
REFERENCE_NAMES = {
    "offence_codes": "Home Office offence code in data_contracts/reference/offence_codes.csv",
    "exclusion_reasons": "DfE exclusion reason code in data_contracts/reference/exclusion_reasons.csv",
    "injury_mechanisms": "injury mechanism code in data_contracts/reference/injury_mechanisms.csv",
    "ethnicity_codes": "ONS 2021 ethnic group code in data_contracts/reference/ethnicity_codes.csv",
}
FIX_ROW = "ask the sender to correct the row and include it in their next extract"
IDENTIFIER_NAMES = {"nhs": "NHS number", "upn": "unique pupil number", "pnc": "PNC id"}


@dataclass(frozen=True)
class Check:
    """One expectation with what a data engineer needs to act on its failures."""

    rule: str  # e.g. "DOB:date_format" or a contract rule id such as "dob_plausible"
    columns: tuple[str, ...]
    message: str  # what is wrong with a failing row
    action: str  # what to do about it
    expectation: Expectation
    per_value: bool = True  # whether a row's verdict depends only on its values in ``columns``


def human_date_format(date_format: str) -> str:
    """'%d/%m/%Y' -> 'dd/mm/yyyy', as a person would write it in a message."""
    for code, text in (
        ("%d", "dd"),
        ("%m", "mm"),
        ("%Y", "yyyy"),
        ("%b", "Mon"),
        ("%H", "hh"),
        ("%M", "mm"),
        ("%S", "ss"),
    ):
        date_format = date_format.replace(code, text)
    return date_format


def _check(
    rule: str,
    columns: tuple[str, ...],
    message: str,
    expectation: Expectation,
    action: str = FIX_ROW,
    per_value: bool = True,
) -> Check:
    expectation.meta = {"rule": rule, "columns": list(columns)}
    return Check(rule, columns, message, action, expectation, per_value)


def column_checks(column: Column, date_format: str) -> list[Check]:
    """The checks one column's declaration implies, in the order they are reported."""
    name = column.name
    checks: list[Check] = []

    def add(check: str, message: str, expectation: Expectation, action: str = FIX_ROW) -> None:
        checks.append(_check(f"{name}:{check}", (name,), f"{name} {message}", expectation, action))

    if not column.nullable:
        add("required", "is blank but required", gxe.ExpectColumnValuesToNotBeNull(column=name))
    if column.type in FREE_TEXT and column.pattern is None:
        add("blank", "holds only spaces", cx.ExpectColumnValuesToMatchPattern(column=name, pattern=r"\S"))
        add(
            "max_length",
            f"is longer than {column.length_limit} characters",
            gxe.ExpectColumnValueLengthsToBeBetween(column=name, max_value=column.length_limit),
        )
        add(
            "formula",
            "starts (after any spaces) with =, +, - or @, so a spreadsheet would run it as a formula",
            cx.ExpectColumnValuesToMatchPattern(column=name, pattern=FORMULA_START, negate=True),
        )
        add(
            "control_characters",
            "contains a line break, tab, zero-width, text-direction or other invisible control character",
            cx.ExpectColumnValuesToMatchPattern(column=name, pattern=CONTROL_CHARACTERS, negate=True),
            FIX_ROW + "; the character is often pasted in from another system with the text",
        )
    if column.type == "name":
        add(
            "digits",
            "contains digits, which no name does (a spreadsheet formula's result?)",
            cx.ExpectColumnValuesToMatchPattern(column=name, pattern="[0-9]", negate=True),
        )
    if column.pattern is not None:
        add(
            "pattern",
            f"does not have the declared form {column.pattern}",
            cx.ExpectColumnValuesToMatchPattern(column=name, pattern=column.pattern),
        )
    if column.type == "postcode":
        add(
            "postcode",
            "is not a UK postcode",
            cx.ExpectColumnValuesToMatchPattern(column=name, pattern=POSTCODE),
        )
    if column.type == "code":
        assert column.codes is not None
        add(
            "known_code",
            _unknown_code_message(column),
            gxe.ExpectColumnValuesToBeInSet(column=name, value_set=list(column.codes)),
            FIX_ROW + "; if the code is new and valid, add it to the contract or reference table",
        )
    if column.type == "identifier":
        assert column.identifier is not None and column.placeholders is not None
        kind = IDENTIFIER_NAMES[column.identifier]
        add(
            "check_digit",
            f"is not a valid {kind} (wrong form or check digit)",
            cx.ExpectColumnValuesToHaveValidCheckDigits(column=name, scheme=column.identifier),
        )
        add(
            "placeholder",
            f"is a placeholder (a dummy {kind} or one digit repeated), not a real {kind}",
            cx.ExpectColumnValuesToNotBePlaceholders(
                column=name,
                values=list(column.placeholders.values),
                repeated_digits=column.placeholders.repeated_digits,
            ),
            f"ask the sender to send the person's real {kind}"
            + (" or leave it blank when it is not known" if column.nullable else "")
            + ", and include the row in their next extract",
        )
    if column.type == "date":
        add(
            "date_format",
            f"is not a real date written {human_date_format(date_format)}",
            cx.ExpectColumnValuesToBeDatesInFormat(column=name, date_format=date_format),
        )
    if column.type == "integer":
        assert column.minimum is not None and column.maximum is not None
        add(
            "whole_number",
            f"is not a whole number from {column.minimum} to {column.maximum}",
            cx.ExpectColumnValuesToBeWholeNumbersBetween(
                column=name, min_value=column.minimum, max_value=column.maximum
            ),
        )
    return checks


def _unknown_code_message(column: Column) -> str:
    assert column.codes is not None
    if column.codes_source:
        return f"is not a {REFERENCE_NAMES[column.codes_source]}"
    if len(column.codes) <= 8:
        return f"is not one of {', '.join(column.codes)}"
    return f"is not one of the {len(column.codes)} codes its contract lists"


def rule_check(rule: Rule, date_format: str) -> Check:
    """The check for one of a contract's rules of validity."""
    if rule.kind == "not_more_than":
        assert rule.other is not None
        return _check(
            rule.id,
            (rule.column, rule.other),
            f"{rule.column} is more than {rule.other}",
            cx.ExpectColumnPairWholeNumbersToBeNotAbove(column_A=rule.column, column_B=rule.other),
        )
    if rule.kind == "not_before":
        assert rule.other is not None
        return _check(
            rule.id,
            (rule.other, rule.column),
            f"{rule.column} is before {rule.other}",
            cx.ExpectColumnPairDatesToBeInOrder(
                column_A=rule.other, column_B=rule.column, date_format=date_format
            ),
        )
    if rule.kind == "not_after_extract":
        message = f"{rule.column} is after the date the extract was made"
    elif rule.kind == "within_years_after_extract":
        message = f"{rule.column} is more than {rule.max_years_after} years after the extract date"
    else:
        message = f"{rule.column} is after the extract date or more than {rule.max_age_years} years before it"
    return _check(
        rule.id,
        (rule.column, EXTRACT_DATE),
        message,
        cx.ExpectColumnPairDatesToBeWithinExtractWindow(
            column_A=rule.column,
            column_B=EXTRACT_DATE,
            date_format=date_format,
            max_years_before=rule.max_age_years,
            max_years_after=rule.max_years_after,
        ),
    )


def build_checks(contract: Contract) -> list[Check]:
    """Every check an extract's rows must pass, built from its contract.

    The rows are validated with two extra columns: ``_file`` (which file each row came from)
    and ``_extract_date`` (the date that file was made).

    Args:
        contract: the extract's contract.

    Returns:
        The checks: per column, the record id's uniqueness within its file, then the contract's rules.
    """
    checks = [check for column in contract.columns for check in column_checks(column, contract.date_format)]
    checks.append(
        _check(
            f"{contract.record_id}:unique",
            (FILE, contract.record_id),
            f"{contract.record_id} appears more than once in the file",
            cx.ExpectColumnPairValuesToBeUniqueTogether(column_A=FILE, column_B=contract.record_id),
            per_value=False,  # a repeat is only seen beside the other rows
        )
    )
    checks += [rule_check(rule, contract.date_format) for rule in contract.rules]
    return checks
