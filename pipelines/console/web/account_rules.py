"""Rules the console keeps for accounts beyond the store's: password length, and always one active admin."""

from __future__ import annotations

from collections.abc import Iterable

from pipelines.opstore.accounts import Account

PASSWORD_MIN = 12
"""The shortest password accepted (by the admin pages and by `cohort app users`)."""


def password_problem(password: str, again: str | None = None) -> str | None:
    """Why ``password`` cannot be used, or None: too short, or the two entries differ."""
    if len(password) < PASSWORD_MIN:
        return f"A password needs at least {PASSWORD_MIN} characters."
    if again is not None and password != again:
        return "The two passwords differ."
    return None


def leaves_no_admin(accounts: Iterable[Account], username: str, roles: Iterable[str], active: bool) -> bool:
    """Whether giving ``username`` these roles and this state would leave no active admin.

    Args:
        accounts: every account as it stands.
        username: the account to change.
        roles: its roles after the change.
        active: whether it is active after the change.
    """
    admins = {a.username for a in accounts if a.active and "admin" in a.roles}
    if active and "admin" in set(roles):
        admins.add(username)
    else:
        admins.discard(username)
    return not admins
