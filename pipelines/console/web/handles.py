"""Opaque per-session handles: a person or pair in a URL without its id, readable only in that session.

A handle is the value (e.g. ``"12:3456"``, a run and a person) sealed with AES-GCM under a key made
from the app's secret and the session's own secret, with its kind as associated data. Another
session, another kind, or an edited handle opens to nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


def _key(secret: bytes, session_secret: str) -> bytes:
    return hmac.new(secret, b"handle\0" + session_secret.encode("utf-8"), hashlib.sha256).digest()


def seal(secret: bytes, session_secret: str, kind: str, value: str) -> str:
    """A URL-safe handle for ``value``, valid only under this session's secret.

    Args:
        secret: the app's secret (``ConsoleSettings.secret``).
        session_secret: a secret of the session (its CSRF token).
        kind: what the value is ("person", "pair", "grant"...): a handle of one kind never opens as another.
        value: the text to hide.
    """
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(secret, session_secret)).encrypt(nonce, value.encode("utf-8"), kind.encode("utf-8"))
    return base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")


def unseal(secret: bytes, session_secret: str, kind: str, handle: str) -> str | None:
    """The value sealed in ``handle``, or None when it is not a handle of this kind from this session."""
    try:
        raw = base64.urlsafe_b64decode(handle + "=" * (-len(handle) % 4))
    except (ValueError, TypeError):
        return None
    if len(raw) <= NONCE_BYTES + 16:
        return None
    try:
        value = AESGCM(_key(secret, session_secret)).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], kind.encode("utf-8")
        )
    except InvalidTag:
        return None
    return value.decode("utf-8")
