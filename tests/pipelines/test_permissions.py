"""Every output is owner-only whatever the umask: folders 0700, files 0600."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from pipelines.files import open_private, private_folder, write_private
from pipelines.train.plots import save_figure as _save
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.connection import connect

pytestmark = pytest.mark.bad_input  # the bad-input corpus: `pytest -m bad_input`

ROOT = Path(__file__).resolve().parents[2]
WRITERS = ("pipelines", "linkage", "models", "governance", "lists", "features", "rules")
RAW_WRITE = re.compile(r"\.(write_text|write_bytes|mkdir|touch)\(|\bopen\([^)]*[\"'][wax]b?[\"']|savefig\(")
ALLOWED = {"pipelines/files.py", "models/plots.py"}  # the helper; plots render with savefig into memory


@pytest.fixture
def umask_0() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def modes(root: Path) -> dict[str, int]:
    """The mode of everything under root (and root), by path relative to root's parent."""
    return {str(p.relative_to(root.parent)): stat.S_IMODE(p.stat().st_mode) for p in [root, *root.rglob("*")]}


def test_a_nested_folder_is_made_0700_at_every_level(tmp_path: Path, umask_0: None) -> None:
    private_folder(tmp_path / "governance" / "model-cards" / "v1")
    assert modes(tmp_path / "governance") == {
        "governance": 0o700, "governance/model-cards": 0o700, "governance/model-cards/v1": 0o700
    }  # fmt: skip


def test_written_files_and_the_folders_made_for_them_are_owner_only(tmp_path: Path, umask_0: None) -> None:
    write_private(tmp_path / "linkage" / "run1" / "model.json", "{}")
    write_private(tmp_path / "linkage" / "run1" / "chart.html", b"<p>")
    assert modes(tmp_path / "linkage") == {
        "linkage": 0o700, "linkage/run1": 0o700,
        "linkage/run1/model.json": 0o600, "linkage/run1/chart.html": 0o600,
    }  # fmt: skip


def test_a_users_existing_folder_is_left_as_it_is_but_what_is_made_in_it_is_private(
    tmp_path: Path, umask_0: None
) -> None:
    theirs = tmp_path / "reports"
    theirs.mkdir(mode=0o755)
    os.chmod(theirs, 0o755)
    write_private(theirs / "metrics.json", "{}", own_folder=False)
    write_private(theirs / "new" / "rulebook.md", "# rules", own_folder=False)
    assert modes(theirs) == {
        "reports": 0o755, "reports/metrics.json": 0o600,
        "reports/new": 0o700, "reports/new/rulebook.md": 0o600,
    }  # fmt: skip


def test_a_chart_matplotlib_writes_is_made_owner_only(tmp_path: Path, umask_0: None) -> None:
    figure = Figure()
    figure.add_subplot().plot([0, 1], [1, 0])
    path = _save(figure, tmp_path / "plots" / "chart.png")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_new_warehouse_its_folder_and_audit_checkpoint_are_owner_only(
    tmp_path: Path, umask_0: None
) -> None:
    path = tmp_path / "data" / "w.duckdb"
    with connect(path) as con:
        audit.record(con, "flow:test", "collect", "file loaded", at=audit.datetime(2026, 11, 16))
    assert {name: mode for name, mode in modes(tmp_path / "data").items() if not name.endswith(".wal")} == {
        "data": 0o700, "data/w.duckdb": 0o600, "data/w.audit-checkpoint.json": 0o600
    }  # fmt: skip


def test_a_log_file_opened_for_a_child_process_is_owner_only(tmp_path: Path, umask_0: None) -> None:
    with open_private(tmp_path / "logs" / "server.log") as out:
        out.write(b"started\n")
    assert modes(tmp_path / "logs") == {"logs": 0o700, "logs/server.log": 0o600}


def test_no_module_writes_a_file_or_folder_except_through_the_owner_only_helpers() -> None:
    found = []
    for package in WRITERS:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = str(path.relative_to(ROOT))
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if name not in ALLOWED and RAW_WRITE.search(line.split("#")[0]):
                    found.append(f"{name}:{number}: {line.strip()}")
    assert found == [], "write through pipelines.files (write_private, private_folder):\n" + "\n".join(found)
