"""The one seam that makes a draw's seed: 32 bytes from the operating system's secure source.

Tests, the rehearsal and anyone replaying a draw pass their own seed instead (``seed=`` or
``--seed HEX``); nothing else in the trial reads randomness.
"""

from __future__ import annotations

import secrets

from lists.trial_pool import SEED_BYTES, check_seed


def new_seed() -> bytes:
    """A fresh seed: :data:`lists.trial_pool.SEED_BYTES` bytes from :func:`secrets.token_bytes`."""
    return secrets.token_bytes(SEED_BYTES)


def seed_from_hex(text: str) -> bytes:
    """A seed written as 64 hex digits (``--seed``), or ValueError saying what is wanted."""
    try:
        return check_seed(bytes.fromhex(text.strip()))
    except ValueError:
        raise ValueError(
            f"--seed: give {SEED_BYTES} bytes as {2 * SEED_BYTES} hex digits (0-9, a-f), "
            f"not {len(text.strip())} characters"
        ) from None
