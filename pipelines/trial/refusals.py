"""What the trial commands refuse, each with a message naming what is wrong and what to do."""

from __future__ import annotations


class TrialRefused(ValueError):
    """An allocation, withdrawal or export that cannot be made as asked; the message says why and what
    to do (the command line exits 1)."""
