"""A link run's spill folder for Splink's working tables is removed when the run ends, however it ends."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipelines.link.run import SPILL_PREFIX, run_link
from tests.clock import test_clock
from tests.warehouses import query


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty system temporary folder for the test (other runs on the machine use the real one)."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setenv("TMPDIR", str(root))
    monkeypatch.setattr(tempfile, "tempdir", str(root))  # gettempdir() caches its first answer
    return root


def spill_folders(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith(SPILL_PREFIX))


def watching(root: Path, seen: set[str], fail_at: str | None = None) -> Callable[..., Any]:
    """A step that notes the spill folders present as each step starts, and fails at ``fail_at``."""

    def step(name: str, function: Callable[..., Any], *args: Any) -> Any:
        seen.update(spill_folders(root))
        if name == fail_at:
            raise RuntimeError(f"{name} failed")
        return function(*args)

    return step


def test_a_run_removes_its_spill_folder_when_it_succeeds(warehouse: Path, temp_root: Path) -> None:
    seen: set[str] = set()
    result = run_link(warehouse, clock=test_clock(), step=watching(temp_root, seen))
    assert len(seen) == 1, "the run should make one spill folder in the temporary folder"
    assert spill_folders(temp_root) == []
    assert result.artefacts.is_dir() and not result.artefacts.is_relative_to(temp_root)


def test_a_run_removes_its_spill_folder_when_a_step_fails(warehouse: Path, temp_root: Path) -> None:
    seen: set[str] = set()
    step = watching(temp_root, seen, fail_at="train the Splink model")
    with pytest.raises(RuntimeError, match="train the Splink model failed"):
        run_link(warehouse, clock=test_clock(), step=step)
    assert len(seen) == 1
    assert spill_folders(temp_root) == []
    assert query(warehouse, "SELECT status FROM link.run") == [("failed",)]
