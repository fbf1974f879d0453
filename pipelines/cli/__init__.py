"""The command line, one module per command group; ``pipelines.cli:app`` is the ``cohort`` command.

``app`` is imported on first use, so ``python -m pipelines.cli.serve`` loads only the serve command.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "app":
        from pipelines.cli.main import app

        return app
    raise AttributeError(f"module 'pipelines.cli' has no attribute {name!r}")
