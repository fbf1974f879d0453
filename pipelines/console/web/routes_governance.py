"""The board's governance pages: board packs, model cards and transparency records, fairness over time,
and model approval with its checks shown (aggregate only: no person appears on any of them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import Response

from pipelines.console.web import governance_files as files
from pipelines.console.web.access import User, console, require
from pipelines.console.web.model_approval import checks_fingerprint, refusal, saved_message
from pipelines.console.web.pages import render
from pipelines.opstore import approvals, reading, reading_governance
from pipelines.opstore.decisions import DecisionError
from pipelines.opstore.reading_governance import ModelView

router = APIRouter()
Board = Annotated[User, Depends(require("board"))]
REASON_LIMIT = 2000


@router.get("/governance")
def overview(request: Request, user: Board) -> Response:
    """The board packs, newest first, and each model's card and transparency record."""
    settings = console(request)
    models = reading_governance.models(settings.store)
    context = {
        "packs": files.board_packs(settings.warehouse),
        "has_warehouse": settings.warehouse is not None,
        "models": [(m, files.card_documents(m.card_folder)) for m in models],
    }
    return render(request, "governance/overview.html.j2", context, user=user)


@router.get("/governance/packs/{name}")
def open_pack(request: Request, name: str, user: Board) -> Response:
    """A board pack's own HTML, sandboxed (looked up by its name in the folder's listing)."""
    return _serve(files.board_pack(console(request).warehouse, name))


@router.get("/governance/models/{version}/{kind}")
def open_card(request: Request, version: str, kind: str, user: Board) -> Response:
    """A model's card or transparency record from its card folder, sandboxed."""
    model = _model(request, version)
    return _serve(next((d for d in files.card_documents(model.card_folder) if d.name == kind), None))


def _serve(document: files.Document | None) -> Response:
    """The document, or 404 when it is not listed (or went since the listing)."""
    if document is None:
        raise HTTPException(404)
    try:
        return files.document_response(document)
    except OSError:
        raise HTTPException(404) from None


@router.get("/governance/fairness")
def fairness(request: Request, user: Board) -> Response:
    """Who each published list held by group, run by run, with its breaches and watch items."""
    store = console(request).store
    points = reading_governance.fairness_over_time(store)
    sizes = {r.run_id: r.entries for r in reading.runs(store)}
    dimensions: dict[str, list[str]] = {}
    for point in points:
        for dimension, shares in point.shares.items():
            groups = dimensions.setdefault(dimension, [])
            groups.extend(g for g in shares if g not in groups)
    context = {"points": points, "sizes": sizes, "dimensions": dimensions}
    return render(request, "governance/fairness.html.j2", context, user=user)


@router.get("/governance/models")
def models_page(request: Request, user: Board) -> Response:
    """Every model with its status, measures, checks, history and approval."""
    return _models_page(request, user, None, 200)


@router.post("/governance/models/approve")
def approve(
    request: Request,
    user: Board,
    version: Annotated[str, Form(max_length=200)] = "",
    reason: Annotated[str, Form(max_length=REASON_LIMIT)] = "",
    checks: Annotated[str, Form(max_length=100)] = "",
    checks_read: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Approve a model (first or second approver): refused whenever `cohort model approve` would refuse,
    and, for a model with breaches or unmet targets, unless the approver confirms reading them."""
    settings = console(request)
    model = _model(request, version)
    refused = refusal(model, user.username)
    if refused is None and (model.breaches or model.unmet_targets):
        if checks != checks_fingerprint(model):
            refused = "The checks have changed since you opened the page: read them again below."
        elif checks_read != "yes":
            refused = "Confirm that you have read the fairness breaches and unmet targets shown."
    if refused is None and not reason.strip():
        refused = "Give a reason for the approval (it is kept in the audit log)."
    if refused is not None:
        return _models_page(request, user, ("warn", f"Not approved: {refused}"), 400)
    try:
        done = approvals.approve_model(
            settings.store,
            model.version,
            " ".join(reason.split()),
            by=user.username,
            approvers_required=settings.policy.model_approvers,
            now=settings.clock(),
        )
    except DecisionError as error:
        return _models_page(request, user, ("warn", f"Not approved: {error}."), 400)
    return _models_page(request, user, ("ok", saved_message(done, settings.policy.model_approvers)), 200)


def _model(request: Request, version: str) -> ModelView:
    """The model of this version in the read model; 404 when there is none."""
    found = next((m for m in reading_governance.models(console(request).store) if m.version == version), None)
    if found is None:
        raise HTTPException(404)
    return found


def _models_page(request: Request, user: User, message: tuple[str, str] | None, status: int) -> Response:
    settings = console(request)
    found = reading_governance.models(settings.store)
    approved = next((m.version for m in found if m.status == "approved"), None)
    by_version: dict[str, list[approvals.ModelApproval]] = {}
    for approval in approvals.model_approvals(settings.store):
        by_version.setdefault(approval.version, []).append(approval)
    items = [
        {
            "model": m,
            "refusal": refusal(m, user.username),
            "fingerprint": checks_fingerprint(m),
            "console_approvals": by_version.get(m.version, []),
            "replaces": approved if approved != m.version else None,
        }
        for m in found
    ]
    context = {
        "items": items,
        "message": message,
        "approvers": settings.policy.model_approvers,
        "refreshed": reading.refreshed(settings.store),
    }
    return render(request, "governance/models.html.j2", context, user=user, status=status)
