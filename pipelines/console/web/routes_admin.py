"""Accounts and roles (admins): add, change roles, deactivate or reactivate, reset a password.

Every change is journalled by the store. The last active admin can never be removed or deactivated,
so the console always has someone who can manage it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from pipelines.console.web.access import User, console, require, unsafe_form
from pipelines.console.web.account_rules import leaves_no_admin, password_problem
from pipelines.console.web.pages import render
from pipelines.opstore.accounts import (
    ROLES,
    AccountError,
    add_account,
    list_accounts,
    set_active,
    set_password,
    set_roles,
)

router = APIRouter()


@router.get("/admin/accounts")
def accounts(request: Request, user: Annotated[User, Depends(require("admin"))]) -> Response:
    """Every account with its roles, and the forms to change them."""
    return _page(request, user, None, 200)


def _page(request: Request, user: User, message: tuple[str, str] | None, status: int) -> Response:
    context = {"accounts": list_accounts(console(request).store), "roles": ROLES, "message": message}
    return render(request, "admin/accounts.html.j2", context, user=user, status=status)


def _roles(form: FormData | None) -> frozenset[str]:
    return frozenset(r for r in (form.getlist("roles") if form else []) if isinstance(r, str) and r in ROLES)


@router.post("/admin/accounts/add")
def add(
    request: Request,
    user: Annotated[User, Depends(require("admin"))],
    form: Annotated[FormData | None, Depends(unsafe_form)],
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    password_again: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Add an account with its roles and an initial password."""
    problem = password_problem(password, password_again)
    if problem:
        return _page(request, user, ("warn", problem), 400)
    settings = console(request)
    try:
        add_account(
            settings.store, username.strip(), _roles(form), password, by=user.username, now=settings.clock()
        )
    except AccountError as refused:
        return _page(request, user, ("warn", f"Not added: {refused}"), 400)
    return _page(request, user, ("ok", f"Added {username.strip()}."), 200)


@router.post("/admin/accounts/roles")
def change_roles(
    request: Request,
    user: Annotated[User, Depends(require("admin"))],
    form: Annotated[FormData | None, Depends(unsafe_form)],
    username: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Give an account exactly the roles ticked."""
    settings = console(request)
    roles = _roles(form)
    if leaves_no_admin(list_accounts(settings.store), username, roles, True):
        return _page(request, user, ("warn", "Not changed: that would leave no active admin."), 400)
    try:
        set_roles(settings.store, username, roles, by=user.username, now=settings.clock())
    except AccountError as refused:
        return _page(request, user, ("warn", f"Not changed: {refused}"), 400)
    return _page(request, user, ("ok", f"Changed {username}'s roles."), 200)


@router.post("/admin/accounts/active")
def change_active(
    request: Request,
    user: Annotated[User, Depends(require("admin"))],
    username: Annotated[str, Form(max_length=64)] = "",
    active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Deactivate (ending their sessions) or reactivate an account."""
    settings = console(request)
    make_active = active == "yes"
    everyone = list_accounts(settings.store)
    roles = next((a.roles for a in everyone if a.username == username), frozenset[str]())
    if not make_active and leaves_no_admin(everyone, username, roles, False):
        return _page(request, user, ("warn", "Not changed: that would leave no active admin."), 400)
    try:
        set_active(settings.store, username, make_active, by=user.username, now=settings.clock())
    except AccountError as refused:
        return _page(request, user, ("warn", f"Not changed: {refused}"), 400)
    return _page(
        request, user, ("ok", f"{username} is now {'active' if make_active else 'deactivated'}."), 200
    )


@router.post("/admin/accounts/password")
def reset_password(
    request: Request,
    user: Annotated[User, Depends(require("admin"))],
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    password_again: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Set a new password for an account (tell its holder by another route)."""
    problem = password_problem(password, password_again)
    if problem:
        return _page(request, user, ("warn", problem), 400)
    settings = console(request)
    try:
        set_password(settings.store, username, password, by=user.username, now=settings.clock())
    except AccountError as refused:
        return _page(request, user, ("warn", f"Not changed: {refused}"), 400)
    return _page(request, user, ("ok", f"Set a new password for {username}."), 200)
