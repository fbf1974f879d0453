"""The reviewers' queue: decisions the policy sends to a second person, approved or refused with a reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import Response

from pipelines.console.web.access import User, console, require
from pipelines.console.web.pages import journal_view, render, seal, unseal
from pipelines.opstore import decisions, reading

router = APIRouter()


@router.get("/review")
def review_queue(request: Request, user: Annotated[User, Depends(require("reviewer"))]) -> Response:
    """Every decision awaiting a second review, oldest first (your own are shown but cannot be reviewed)."""
    return _queue(request, user, None, 200)


def _queue(request: Request, user: User, message: tuple[str, str] | None, status: int) -> Response:
    settings = console(request)
    awaiting = sorted(decisions.awaiting_review(settings.store), key=lambda d: d.made_at)
    listed = reading.names_and_ranks(settings.store, [(d.run_id, d.person_id) for d in awaiting])
    gone: tuple[str, int | None] = ("(no longer on the published list)", None)
    items = []
    for record in awaiting:
        name, rank = listed.get((record.run_id, record.person_id), gone)
        items.append(
            {
                "record": record,
                "name": name,
                "rank": rank,
                "person": "/people/" + seal(request, user, "person", f"{record.run_id}:{record.person_id}"),
                "handle": seal(request, user, "decision", str(record.decision_id)),
                "own": record.made_by == user.username,
            }
        )
    journal_view(
        request,
        user,
        action="view_list",
        purpose=settings.policy.page_purposes["review_queue"],
        detail=f"second-review queue, {len(items)} decisions awaiting",
        rows=len(items),
    )
    return render(
        request, "review/queue.html.j2", {"items": items, "message": message}, user=user, status=status
    )


@router.post("/review/{handle}")
def second_review(
    request: Request,
    handle: str,
    user: Annotated[User, Depends(require("reviewer"))],
    verdict: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Approve or refuse another person's decision, with a reason (your own is refused)."""
    opened = unseal(request, user, "decision", handle)
    if opened is None:
        raise HTTPException(404)
    settings = console(request)
    if verdict not in ("approve", "refuse"):
        return _queue(request, user, ("warn", "Choose approve or refuse."), 400)
    if not reason.strip():
        return _queue(request, user, ("warn", "Give a reason for your review."), 400)
    try:
        done = decisions.review(
            settings.store,
            int(opened),
            by=user.username,
            approve=verdict == "approve",
            reason=" ".join(reason.split()),
            now=settings.clock(),
        )
    except decisions.DecisionError as refused:
        return _queue(request, user, ("warn", f"Not recorded: {refused}"), 400)
    said = "approved" if done.state == "approved" else "refused"
    return _queue(request, user, ("ok", f"You {said} {done.made_by}'s {done.decision}."), 200)
