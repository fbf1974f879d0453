"""A person's page: first why (a purpose, journalled), then what the list knows; and recording a decision.

Analysts open anyone on a list; reviewers only people with a decision awaiting their second review.
The view is written to the journal (committed) before the page is rendered, and every render of
the page (after a decision too) is journalled with the purpose given.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import Response

from lists.entries import DECISIONS
from pipelines.console.web.access import User, console, require
from pipelines.console.web.pages import journal_view, render, unseal
from pipelines.console.web.purposes import (
    PurposeRefused,
    grant_token,
    purpose_page,
    read_grant,
    stated_purpose,
)
from pipelines.opstore import decisions, reading
from pipelines.opstore.reading_trial import trial_places

router = APIRouter()

DECISION_LABELS = {
    "accept": "Accept: consider them for the cohort",
    "decline": "Decline: do not consider them",
    "defer": "Defer: look again on a later list",
    "known": "Known: already known to the programme or another service",
}
REASON_LIMIT = 2000


def _subject(request: Request, user: User, handle: str) -> tuple[int, int]:
    """The (run, person) behind a handle this session made; 404 for any other handle."""
    opened = unseal(request, user, "person", handle)
    if opened is None:
        raise HTTPException(404)
    run_id, person_id = (int(part) for part in opened.split(":"))
    if not user.has("analyst") and not any(
        d.run_id == run_id and d.person_id == person_id and d.made_by != user.username
        for d in decisions.awaiting_review(console(request).store)
    ):
        raise HTTPException(403, "Reviewers open only the people whose decisions await their second review.")
    return run_id, person_id


@router.get("/people/{handle}")
def purpose_form(
    request: Request, handle: str, user: Annotated[User, Depends(require("analyst", "reviewer"))]
) -> Response:
    """Ask why before showing anything about the person."""
    _subject(request, user, handle)
    return purpose_page(request, user, "person/purpose.html.j2", handle)


@router.post("/people/{handle}")
def open_person(
    request: Request,
    handle: str,
    user: Annotated[User, Depends(require("analyst", "reviewer"))],
    purpose: Annotated[str, Form(max_length=100)] = "",
    purpose_text: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record the purpose and the view (committed), then show the person."""
    run_id, person_id = _subject(request, user, handle)
    settings = console(request)
    try:
        stated = stated_purpose(settings.policy, purpose, purpose_text)
    except PurposeRefused as refused:
        return purpose_page(
            request, user, "person/purpose.html.j2", handle, message=str(refused),
            chosen=purpose, text=purpose_text, status=400,
        )  # fmt: skip
    now = settings.clock()
    return _person_page(request, user, handle, run_id, person_id, stated, grant_token(
        request, user, f"{run_id}:{person_id}", stated, now
    ))  # fmt: skip


def _person_page(
    request: Request,
    user: User,
    handle: str,
    run_id: int,
    person_id: int,
    purpose: str,
    grant: str,
    *,
    outcome: dict[str, object] | None = None,
    status: int = 200,
) -> Response:
    """Journal the view with its purpose (committed), then render the person."""
    settings = console(request)
    view = reading.person(settings.store, run_id, person_id)
    if view is None:
        raise HTTPException(404)
    journal_view(
        request,
        user,
        action="view_person",
        purpose=purpose,
        detail=f"person page, list run {run_id}",
        person_id=person_id,
        run_id=run_id,
    )
    context = {
        "person": view,
        "handle": handle,
        "grant": grant,
        "purpose": purpose,
        "outcome": outcome,
        "can_decide": user.has("analyst"),
        "decision_labels": DECISION_LABELS,
        "second_review": sorted(settings.policy.second_review),
        "trial": trial_places(settings.store, person_id, user.roles),  # the arm only if not concealed
    }
    return render(request, "person/page.html.j2", context, user=user, status=status)


@router.post("/people/{handle}/decision")
def record_decision(
    request: Request,
    handle: str,
    user: Annotated[User, Depends(require("analyst"))],
    grant: Annotated[str, Form(max_length=2000)] = "",
    version: Annotated[int, Form(ge=0)] = 0,
    decision: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=REASON_LIMIT)] = "",
    pathway: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Save the decision at once against the version the page showed; a conflict is shown, not overwritten."""
    run_id, person_id = _subject(request, user, handle)
    settings = console(request)
    now = settings.clock()
    granted = read_grant(request, user, grant, f"{run_id}:{person_id}", now)
    if granted is None:  # the purpose has expired (or the form is not this session's): ask again
        return purpose_page(
            request, user, "person/purpose.html.j2", handle, status=400,
            message="Your earlier reason has expired: say why again, then decide.",
        )  # fmt: skip
    outcome: dict[str, object]
    status = 200
    try:
        if decision not in DECISIONS:
            raise decisions.DecisionError("Choose a decision.")
        if not reason.strip():
            raise decisions.DecisionError("Give a reason for the decision.")
        saved = decisions.record(
            settings.store,
            run_id=run_id,
            person_id=person_id,
            decision=decision,
            reason=" ".join(reason.split()),
            pathway=" ".join(pathway.split()) or None,
            by=user.username,
            seen_version=version,
            needs_second_review=decision in settings.policy.second_review,
            now=now,
        )
        outcome = {"kind": "saved", "record": saved}
    except decisions.Conflict as conflict:
        outcome = {"kind": "conflict", "record": conflict.current, "tried": decision}
        status = 409
    except decisions.DecisionError as refused:
        outcome = {"kind": "refused", "message": str(refused), "decision": decision, "reason": reason}
        status = 400
    return _person_page(
        request, user, handle, run_id, person_id, granted.purpose, grant, outcome=outcome, status=status
    )
