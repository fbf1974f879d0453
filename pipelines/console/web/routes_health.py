"""The data engineers' data-health page: sources, gates, rejected files and runs (counts, no person)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from pipelines.console.web.access import User, console, require
from pipelines.console.web.pages import render
from pipelines.opstore import reading, reading_governance

router = APIRouter()


@router.get("/health")
def data_health(request: Request, user: Annotated[User, Depends(require("data_engineer"))]) -> Response:
    """When the read model was published, each source, the latest ingest's gates (failed first),
    rejected files, recent ingest, link and list runs."""
    store = console(request).store
    health = reading_governance.data_health(store)
    gates = sorted(health.gates, key=lambda gate: gate[2])  # failed first, each kept in its order
    context = {
        "health": health,
        "refreshed": reading.refreshed(store),
        "gates": gates,
        "failed_gates": sum(1 for gate in gates if not gate[2]),
        "stale": [s.source for s in health.sources if s.stale],
        "runs": reading.runs(store),
    }
    return render(request, "health/page.html.j2", context, user=user)
