"""What every benchmark measures besides time: the process's peak memory."""

from __future__ import annotations

import resource


def peak_gb() -> float:
    """The peak resident memory of this process so far, in GB (Linux reports ru_maxrss in KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
