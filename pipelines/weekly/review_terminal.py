"""`cohort review RUN_ID`: decisions at the terminal, each saved the moment it is made.

A mistyped decision is asked again (the person is not skipped); when input ends, every decision
already made is kept. Each card shows the person id and date of birth beside the name, because
names repeat.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import duckdb
import polars as pl
import typer
from rich.console import Console
from rich.panel import Panel

from lists.entries import DECISIONS
from pipelines.clock import Clock
from pipelines.warehouse import audit_log as audit
from pipelines.weekly.decisions import (
    PURPOSE,
    ROWS_SCHEMA,
    ReviewOutcome,
    listed_run,
    record_decisions,
    review_cards,
)

Ask = Callable[..., str]
"""typer.prompt's signature: (text, default=...) -> the answer; raises typer.Abort when input ends."""
CHOICES = (*DECISIONS, "skip", "quit")


def review_at_terminal(
    con: duckdb.DuckDBPyConnection, run_id: int, *, decided_on: date, user: str, clock: Clock, ask: Ask,
    console: Console,
) -> ReviewOutcome:  # fmt: skip
    """Show each undecided entry of the run and store each decision as soon as it is complete.

    Args:
        run_id: the list run to review.
        decided_on: the day the decisions take effect.
        user: who is deciding (the reviewer and the one recording).
        clock: stamps each decision when it is made.
        ask: prompts for one answer (typer.prompt; tests pass a scripted one).
        console: where the cards are shown.

    Returns:
        The decisions recorded; ``problems`` says so if input ended before the session was quit.
    """
    run = listed_run(con, run_id)
    cards = review_cards(con, run)
    audit.record(
        con, f"user:{user}", "view",
        f"list run {run_id}: {len(cards)} entries opened for review at the terminal",
        purpose=PURPOSE, rows=len(cards), at=clock(),
    )  # fmt: skip
    added = 0
    try:
        for number, card in enumerate(cards, start=1):
            console.print(card_panel(card))
            choice = _ask_choice(ask, console)
            if choice == "quit":
                break
            if choice == "skip":
                continue
            reason = _ask_text(ask, "Reason")
            suggested = "; ".join(p["name"] for p in card["pathways"])
            pathway = str(ask("Pathway", default=suggested or "none")).strip()
            now = clock()
            row = (number, card["person_id"], choice, reason, user, pathway, now)
            frame = pl.DataFrame([row], schema=ROWS_SCHEMA, orient="row")
            stored, _, _ = record_decisions(
                con, run, frame, decided_on=decided_on, source="the terminal", actor=f"user:{user}", now=now
            )
            added += stored
            console.print(f"Saved: {choice} for person {card['person_id']}.")
    except (typer.Abort, EOFError):  # typer.prompt raises typer's Abort (not click's) when input ends
        pass  # what was decided is already saved
    return ReviewOutcome(run_id, added, 0, [])


def _ask_choice(ask: Ask, console: Console) -> str:
    """A decision, skip or quit; anything else is asked again."""
    while True:
        choice = str(ask(f"Decision ({', '.join(CHOICES)})", default="skip")).strip().lower()
        if choice in CHOICES:
            return choice
        console.print(f"Not a choice: type one of {', '.join(CHOICES)}.")


def _ask_text(ask: Ask, label: str) -> str:
    """A non-blank answer (a decision needs a reason)."""
    while True:
        text = str(ask(label)).strip()
        if text:
            return text


def card_panel(card: dict[str, Any]) -> Panel:
    """One entry as the reviewer sees it: titled with name, person id and date of birth."""
    capacity = " (within capacity)" if card["within_capacity"] else ""
    lines = [
        f"Rank {card['rank']}{capacity} - route: {card['route']} - risk: {card['band'] or 'no model'}"
        f" - age {card['age']} - {card['change']}",
    ]
    if card.get("identity_review"):
        lines.append("  IDENTITY MATCH TO REVIEW: these records may yet be joined with another person's")
    for rule in card["rules_met"]:
        lines.append(f"  rule: {rule['text']} {rule['reason']}")
    for factor in card["raising"]:
        lines.append(f"  raises risk: {factor['text']} ({factor['source']})")
    for factor in card["lowering"]:
        lines.append(f"  lowers risk: {factor['text']} ({factor['source']})")
    for note in card["safeguarding"]:
        lines.append(f"  safeguarding: {note}")
    for pathway in card["pathways"]:
        lines.append(f"  suggested: {pathway['name']} ({pathway['because']})")
    if card.get("last_decision"):
        lines.append(f"  last decision: {card['last_decision']}")
    born = f"born {card['dob']:%d/%m/%Y}" if card.get("dob") else "date of birth unknown"
    return Panel(
        "\n".join(lines),
        title=f"{card['name']} - person {card['person_id']} - {born}",
        subtitle=f"review by {card['review_by']:%d/%m/%Y}",
    )
