"""The review console's FastAPI app: its pages, static files, error pages and middleware."""

from __future__ import annotations

import importlib
from pathlib import Path

from fastapi import APIRouter, FastAPI
from starlette.staticfiles import StaticFiles

from pipelines.console.web.errors import install_error_pages
from pipelines.console.web.middleware import RequestLog, SecurityHeaders
from pipelines.console.web.settings import ConsoleSettings
from pipelines.console.web.sign_in_guard import SignInGuard

STATIC = Path(__file__).resolve().parent / "static"
PAGES = (
    "routes_signin",
    "routes_list",
    "routes_person",
    "routes_review",
    "routes_admin",
    "routes_governance",
    "routes_health",
    "routes_linkage",
)
"""The modules of pipelines/console/web/ whose ``router`` holds pages, in the order they are matched."""


def routers() -> list[APIRouter]:
    """Each page module's router.

    A page module not yet written is skipped (the governance, data health and linkage pages are
    added by their own change); any other import error is raised.
    """
    found = []
    for name in PAGES:
        module_name = f"pipelines.console.web.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            continue
        found.append(module.router)
    return found


def create_app(settings: ConsoleSettings) -> FastAPI:
    """The console's app over ``settings.store`` (it never opens the warehouse).

    Args:
        settings: the store, the policy, the clock, cookie and proxy settings.

    Returns:
        The ASGI app to serve (``cohort app`` runs it with uvicorn).
    """
    app = FastAPI(title="cohort review console", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = settings
    app.state.sign_in_guard = SignInGuard(settings.policy)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in routers():
        app.include_router(router)
    install_error_pages(app)
    app.add_middleware(SecurityHeaders, secure_cookies=settings.secure_cookies)
    app.add_middleware(RequestLog)
    return app
