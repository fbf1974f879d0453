"""The code version a model or list records: the git commit of the checkout, else the package version."""

from __future__ import annotations

import subprocess

from pipelines.paths import PROJECT


def code_version() -> str:
    """The git commit of the code (with -dirty if it has uncommitted changes), else the package version."""
    from importlib.metadata import version

    root = PROJECT
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        return f"{commit}-dirty" if dirty else commit
    except (OSError, subprocess.CalledProcessError):
        return f"cohort {version('cohort')}"
