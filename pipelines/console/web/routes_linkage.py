"""The linkage review queue (data engineers): identity pairs awaiting review, each opened with a purpose
and shown side by side, then accepted (one person) or rejected (two) with a reason.

Pairs are named in URLs only by handles sealed for the session. The queue and each pair's view are
written to the journal (committed) before the page is rendered; a decision is journalled by the store
and applies from the next link run.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import Response

from pipelines.console.web.access import User, console, require
from pipelines.console.web.pages import journal_view, render, seal, unseal
from pipelines.console.web.purposes import (
    PurposeRefused,
    grant_token,
    purpose_page,
    read_grant,
    stated_purpose,
)
from pipelines.opstore import approvals, reading_governance
from pipelines.opstore.decisions import DecisionError

router = APIRouter()
Engineer = Annotated[User, Depends(require("data_engineer"))]
DECISION_LABELS = {
    "accept": "Accept: the two registrations are one person",
    "reject": "Reject: they are two different people",
}
FIELD_LABELS = {"dob": "date of birth", "middle_names": "middle names"}
REASON_LIMIT = 2000


@router.get("/linkage")
def queue(request: Request, user: Engineer, page: int = 1) -> Response:
    """The pairs awaiting review, most likely match first, a page at a time (the view is journalled)."""
    settings = console(request)
    found = reading_governance.pairs(settings.store)
    size = settings.policy.page_size
    pages = max(1, -(-len(found) // size))
    page = min(max(page, 1), pages)
    shown = found[(page - 1) * size : page * size]
    journal_view(
        request,
        user,
        action="view_list",
        purpose=settings.policy.page_purposes["linkage_queue"],
        detail=f"linkage review queue, page {page} of {pages}: {len(shown)} of {len(found)} pairs awaiting",
        rows=len(shown),
    )
    context = {
        "rows": [(pair, "/linkage/pairs/" + seal(request, user, "pair", pair.pair_id)) for pair in shown],
        "total": len(found),
        "decided": sum(1 for pair in found if pair.decided is not None),
        "page": page,
        "pages": pages,
        "first": (page - 1) * size,
    }
    return render(request, "linkage/queue.html.j2", context, user=user)


def _pair_id(request: Request, user: User, handle: str) -> str:
    """The pair behind a handle this session made; 404 for any other handle."""
    opened = unseal(request, user, "pair", handle)
    if opened is None:
        raise HTTPException(404)
    return opened


@router.get("/linkage/pairs/{handle}")
def purpose_form(request: Request, handle: str, user: Engineer) -> Response:
    """Ask why before showing the two registrations."""
    _pair_id(request, user, handle)
    return purpose_page(request, user, "linkage/purpose.html.j2", handle)


@router.post("/linkage/pairs/{handle}")
def open_pair(
    request: Request,
    handle: str,
    user: Engineer,
    purpose: Annotated[str, Form(max_length=100)] = "",
    purpose_text: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record the purpose and the view (committed), then show the pair side by side."""
    pair_id = _pair_id(request, user, handle)
    settings = console(request)
    try:
        stated = stated_purpose(settings.policy, purpose, purpose_text)
    except PurposeRefused as refused:
        return purpose_page(
            request, user, "linkage/purpose.html.j2", handle, message=str(refused),
            chosen=purpose, text=purpose_text, status=400,
        )  # fmt: skip
    grant = grant_token(request, user, f"pair:{pair_id}", stated, settings.clock())
    return _pair_page(request, user, handle, pair_id, stated, grant)


def _pair_page(
    request: Request,
    user: User,
    handle: str,
    pair_id: str,
    purpose: str,
    grant: str,
    *,
    outcome: dict[str, object] | None = None,
    status: int = 200,
) -> Response:
    """Journal the view with its purpose (committed), then render the two registrations."""
    view = reading_governance.pair(console(request).store, pair_id)
    if view is None:  # settled by a link run since the queue was shown
        raise HTTPException(404)
    for person_id in view.people or (None,):  # one entry per person shown, as a person page's
        journal_view(
            request,
            user,
            action="view_pair",
            purpose=purpose,
            detail=f"pair {pair_id}: two registrations shown side by side for review",
            person_id=person_id,
            rows=2,
        )
    context = {
        "pair": view,
        "handle": handle,
        "grant": grant,
        "purpose": purpose,
        "outcome": outcome,
        "decision_labels": DECISION_LABELS,
        "field_labels": FIELD_LABELS,
    }
    return render(request, "linkage/pair.html.j2", context, user=user, status=status)


@router.post("/linkage/pairs/{handle}/decision")
def decide(
    request: Request,
    handle: str,
    user: Engineer,
    grant: Annotated[str, Form(max_length=2000)] = "",
    decision: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=REASON_LIMIT)] = "",
) -> Response:
    """Record an accept or reject with a reason at once; it applies from the next link run."""
    pair_id = _pair_id(request, user, handle)
    settings = console(request)
    now = settings.clock()
    granted = read_grant(request, user, grant, f"pair:{pair_id}", now)
    if granted is None:  # the purpose has expired (or the form is not this session's): ask again
        return purpose_page(
            request, user, "linkage/purpose.html.j2", handle, status=400,
            message="Your earlier reason has expired: say why again, then decide.",
        )  # fmt: skip
    if reading_governance.pair(settings.store, pair_id) is None:  # settled by a link run meanwhile
        raise HTTPException(404)
    outcome: dict[str, object]
    status = 200
    try:
        if decision not in DECISION_LABELS:
            raise DecisionError("Choose accept or reject.")
        if not reason.strip():
            raise DecisionError("Give a reason for the decision.")
        saved = approvals.record_pair_decision(
            settings.store, pair_id, decision, " ".join(reason.split()), by=user.username, now=now
        )
        outcome = {"kind": "saved", "record": saved}
    except DecisionError as refused:
        outcome = {"kind": "refused", "message": str(refused), "decision": decision, "reason": reason}
        status = 400
    return _pair_page(request, user, handle, pair_id, granted.purpose, grant, outcome=outcome, status=status)
