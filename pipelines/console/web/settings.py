"""What the console's web app is started with: its store, its policy, the clock, cookies and proxy mode."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from governance.console_settings import ConsolePolicy
from pipelines.clock import Clock
from pipelines.opstore.engine import Store

TRUSTED_HEADER = "COHORT_APP_TRUSTED_HEADER"
"""The environment variable naming a reverse proxy's authenticated-user header (e.g. X-Remote-User)."""
TRUSTED_PROXIES = "COHORT_APP_TRUSTED_PROXIES"
"""The environment variable listing the proxy addresses (comma-separated) that header is honoured from."""


@dataclass(frozen=True)
class ConsoleSettings:
    """Everything :func:`pipelines.console.web.app.create_app` needs.

    Attributes:
        store: the operational store (the app never opens the warehouse).
        policy: governance/console.yaml, checked.
        clock: the time; the command line passes the system clock, tests a fixed one.
        warehouse: the warehouse file, to find the board packs and model cards beside it (read-only files).
        secure_cookies: mark cookies Secure (off only with `cohort app --insecure-cookies`, for development).
        trusted_header: a reverse proxy's header naming the signed-in user, or None.
        trusted_proxies: the addresses that header is honoured from (from nowhere else).
        secret: the key that seals per-session handles (`cohort app` reads secrets/console.key; random
            per process unless given).
    """

    store: Store
    policy: ConsolePolicy
    clock: Clock
    warehouse: Path | None = None
    secure_cookies: bool = True
    trusted_header: str | None = None
    trusted_proxies: frozenset[str] = frozenset()
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)


def proxy_settings(environ: Mapping[str, str] | None = None) -> tuple[str | None, frozenset[str]]:
    """The reverse-proxy header mode from $COHORT_APP_TRUSTED_HEADER and $COHORT_APP_TRUSTED_PROXIES.

    Args:
        environ: the environment to read (the process's when None).

    Returns:
        ``(header, proxies)``: no header when either is unset (the mode is then off).
    """
    env = os.environ if environ is None else environ
    header = env.get(TRUSTED_HEADER, "").strip() or None
    proxies = frozenset(p.strip() for p in env.get(TRUSTED_PROXIES, "").split(",") if p.strip())
    return (header, proxies) if header and proxies else (None, frozenset())
