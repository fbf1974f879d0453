"""Ctrl-C and SIGTERM: turned into :class:`Interrupted` while serving, ignored while stopping."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM: stop cleanly (a BaseException so nothing on the way swallows it)."""


def ignore_interrupts() -> None:
    """Ignore SIGINT and SIGTERM from now on (until :func:`interruptible` restores them)."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)


@contextmanager
def interruptible() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into :class:`Interrupted` (once: later ones are ignored while stopping).

    Installing handlers also means the children start with default signal handling, even when
    `cohort serve` itself was started with SIGINT ignored (a background job of a script).
    """
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def interrupted(signum: int, frame: FrameType | None) -> None:
        ignore_interrupts()
        raise Interrupted(signal.Signals(signum).name)

    for s in previous:
        signal.signal(s, interrupted)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
