"""The weekly list (analysts): sortable, filterable, searchable, paged, with the changes since last week."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from pipelines.console.web.access import User, console, require, unsafe_form
from pipelines.console.web.list_query import FILTERS, ListQuery, read_query
from pipelines.console.web.pages import journal_view, render, seal
from pipelines.opstore import reading

router = APIRouter()

SORT_LABELS = {
    "rank": "Rank",
    "name": "Name",
    "age": "Age",
    "probability": "Probability",
    "change": "New or continuing",
    "decision": "Decision",
}
FILTER_LABELS = {
    "route": "Route",
    "band": "Band",
    "rule": "Rule",
    "change": "New or continuing",
    "pathway": "Pathway",
    "decided": "Decided",
    "identity": "Identity match flagged",
}


@router.get("/list")
def weekly_list(request: Request, user: Annotated[User, Depends(require("analyst"))]) -> Response:
    """The list for the chosen run (the latest by default), filtered, sorted and paged by the query string."""
    return _list(request, user, read_query(request.query_params))


@router.post("/list")
def search_list(
    request: Request,
    user: Annotated[User, Depends(require("analyst"))],
    form: Annotated[FormData | None, Depends(unsafe_form)],
) -> Response:
    """The filter and search form: with a search, the page is shown here (the search never enters a URL);
    without one, the browser is sent to the list's address with the filters."""
    query = read_query({k: v for k, v in (form or {}).items() if isinstance(v, str)})
    if not query.search:
        return RedirectResponse(query.url(), status_code=303)
    return _list(request, user, query)


def _list(request: Request, user: User, query: ListQuery) -> Response:
    settings = console(request)
    runs = reading.runs(settings.store)
    if not runs:
        return render(request, "list/empty.html.j2", {}, user=user)
    run: reading.RunSummary | None
    if query.run is None:  # the published list with the latest reference date
        run = reading.latest_run(settings.store) or runs[0]
    else:
        run = next((r for r in runs if r.run_id == query.run), None)
    if run is None:
        raise HTTPException(404)
    listing = reading.list_page(
        settings.store,
        run.run_id,
        query.list_filter(),
        sort=query.sort,
        descending=query.descending,
        page=query.page,
        per_page=settings.policy.page_size,
    )
    changes = reading.changes(settings.store, run.run_id)
    journal_view(
        request,
        user,
        action="view_list",
        purpose=settings.policy.page_purposes["list"],
        detail=f"weekly list run {run.run_id}, page {listing.page} of {listing.pages}, sorted by {query.sort}"
        + (", filtered" if query.filters else "")
        + (", searched" if query.search else ""),
        run_id=run.run_id,
        rows=len(listing.rows),
    )
    context = {
        "runs": runs,
        "run": run,
        "listing": listing,
        "rows": [
            (row, "/people/" + seal(request, user, "person", f"{run.run_id}:{row.person_id}"))
            for row in listing.rows
        ],  # fmt: skip
        "changes": changes,
        "query": query,
        "filters": [(name, FILTER_LABELS[name]) for name in FILTERS],
        "sorts": SORT_LABELS,
        "refreshed": reading.refreshed(settings.store),
    }
    return render(request, "list/page.html.j2", context, user=user)


@router.get("/list/departures")
def departures(
    request: Request, user: Annotated[User, Depends(require("analyst"))], run: int | None = None
) -> Response:
    """Who left the list at this run and why (personal data: the view is journalled)."""
    settings = console(request)
    runs = reading.runs(settings.store)
    chosen = (
        next((r for r in runs if r.run_id == run), None) if run is not None else (runs[0] if runs else None)
    )
    if chosen is None:
        raise HTTPException(404)
    changes = reading.changes(settings.store, chosen.run_id)
    journal_view(
        request,
        user,
        action="view_departures",
        purpose=settings.policy.page_purposes["departures"],
        detail=f"people who left the list at run {chosen.run_id}",
        run_id=chosen.run_id,
        rows=len(changes.departures),
    )
    return render(request, "list/departures.html.j2", {"run": chosen, "changes": changes}, user=user)
