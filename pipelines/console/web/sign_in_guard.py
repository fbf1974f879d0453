"""Repeated failed sign-ins: after too many for one account or from one address, a short lockout.

Kept in the server's memory (a restart clears it); each failure is also in the audit journal.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import datetime, timedelta

from governance.console_settings import ConsolePolicy


class SignInGuard:
    """Counts failures per key (``account:<name>``, ``address:<ip>``) within the policy's window."""

    def __init__(self, policy: ConsolePolicy) -> None:
        self.max_failures = policy.max_failures
        self.window = timedelta(minutes=policy.window_minutes)
        self.lockout = timedelta(minutes=policy.lockout_minutes)
        self._failures: dict[str, list[datetime]] = defaultdict(list)
        self._lock = threading.Lock()

    def locked(self, keys: list[str], now: datetime) -> bool:
        """Whether a key has ``max_failures`` failures within the window, the last within the lockout."""
        with self._lock:
            for key in keys:
                recent = [at for at in self._failures.get(key, []) if at > now - self.window]
                self._failures[key] = recent
                if len(recent) >= self.max_failures and recent[-1] > now - self.lockout:
                    return True
        return False

    def failed(self, keys: list[str], now: datetime) -> None:
        """Note a failed attempt under each key."""
        with self._lock:
            for key in keys:
                self._failures[key].append(now)

    def succeeded(self, keys: list[str]) -> None:
        """Forget the failures of a successful sign-in's keys."""
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
