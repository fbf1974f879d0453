"""The review console's policy (governance/console.yaml): purposes, second review, approvers, sessions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data_contracts.declarations import load_declaration
from lists.entries import DECISIONS

SETTINGS_FILE = "console.yaml"
SCHEMA_FILE = "console.schema.json"
PAGE_PURPOSES = ("list", "departures", "review_queue", "linkage_queue")


class ConsoleSettingsError(ValueError):
    """The console policy cannot be read or breaks its schema; the message names the file and setting."""


@dataclass(frozen=True)
class Purpose:
    """A reason a user may give for opening a person or a pair of records."""

    id: str
    text: str
    needs_text: bool


@dataclass(frozen=True)
class ConsolePolicy:
    """Every setting of the console's policy, checked."""

    purposes: tuple[Purpose, ...]
    page_purposes: dict[str, str]  # page -> the purpose recorded when it is opened
    second_review: frozenset[str]  # decisions that need a second person
    model_approvers: int
    idle_minutes: int
    max_hours: int
    max_failures: int
    window_minutes: int
    lockout_minutes: int
    page_size: int

    def purpose(self, purpose_id: str) -> Purpose | None:
        """The purpose with this id, or None when the pick-list has none."""
        return next((p for p in self.purposes if p.id == purpose_id), None)


def parse_console_policy(document: Any, where: str = f"governance/{SETTINGS_FILE}") -> ConsolePolicy:
    """Check the parsed YAML of a console policy beyond its schema and build it.

    Args:
        document: the parsed YAML, already checked against console.schema.json.
        where: the file it came from, for messages.

    Raises:
        ConsoleSettingsError: a purpose id is repeated, or a decision is not one of lists' decisions.
    """
    purposes = tuple(
        Purpose(str(p["id"]), " ".join(str(p["text"]).split()), bool(p.get("needs_text", False)))
        for p in document["purposes"]
    )
    seen: set[str] = set()
    for i, purpose in enumerate(purposes):
        if purpose.id in seen:
            raise ConsoleSettingsError(f"{where}: purposes/{i}: the id {purpose.id!r} is used twice")
        seen.add(purpose.id)
    unknown = sorted(set(document["second_review"]) - set(DECISIONS))
    if unknown:
        raise ConsoleSettingsError(f"{where}: second_review: {unknown} are not decisions {list(DECISIONS)}")
    session, sign_in = document["session"], document["sign_in"]
    return ConsolePolicy(
        purposes=purposes,
        page_purposes={
            page: " ".join(str(document["page_purposes"][page]).split()) for page in PAGE_PURPOSES
        },
        second_review=frozenset(document["second_review"]),
        model_approvers=int(document["model_approvers"]),
        idle_minutes=int(session["idle_minutes"]),
        max_hours=int(session["max_hours"]),
        max_failures=int(sign_in["max_failures"]),
        window_minutes=int(sign_in["window_minutes"]),
        lockout_minutes=int(sign_in["lockout_minutes"]),
        page_size=int(document["page_size"]),
    )


def load_console_policy(path: Path | None = None) -> ConsolePolicy:
    """The shipped governance/console.yaml, or the policy in ``path``.

    Raises:
        ConsoleSettingsError: the file cannot be read, is not YAML, or breaks its schema.
    """
    document, where = load_declaration(
        "governance", SETTINGS_FILE, path, schema=SCHEMA_FILE, error=ConsoleSettingsError
    )
    return parse_console_policy(document, where)
