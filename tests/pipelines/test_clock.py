"""The clock has one seam: only pipelines/clock.py reads it, and only entry points pass it down."""

from __future__ import annotations

import ast
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from pipelines.clock import PINNED, ClockSettingError, fixed_clock, system_clock, today

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("pipelines", "features", "models", "rules", "lists", "linkage", "governance", "synth",
           "data_contracts", "benchmarks", "tests")  # fmt: skip
SEAM = Path("pipelines/clock.py")
CLOCK_READS = {
    ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
    ("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime"), ("time", "ctime"),
}  # fmt: skip
ENTRY_POINTS = {
    # the command line and the flows read the wall clock once per command and pass it down
    *(p.relative_to(ROOT) for p in (ROOT / "pipelines" / "cli").glob("*.py")),
    Path("pipelines/flows.py"),
    # a schema migration's applied_at records when the code changed the file, not data; every stage
    # opens the warehouse, so it is stamped where the migration runs
    Path("pipelines/warehouse/migrations.py"),
}
SQL_CLOCK = ("now()", "current_date", "current_timestamp", "get_current_time", "today()")


def python_files() -> list[Path]:
    return sorted(path.relative_to(ROOT) for folder in SCANNED for path in (ROOT / folder).rglob("*.py"))


def clock_reads(path: Path) -> list[str]:
    """Calls like ``datetime.now()``, ``date.today()``, ``time.time()`` (also ``datetime.datetime.now()``),
    and ``from time import time``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
            if (name, node.func.attr) in CLOCK_READS:
                found.append(f"{path.name}:{node.lineno} {name}.{node.func.attr}()")
        if isinstance(node, ast.ImportFrom) and node.module in ("time", "datetime"):
            for alias in node.names:
                if (node.module, alias.name) in CLOCK_READS:
                    found.append(f"{path.name}:{node.lineno} from {node.module} import {alias.name}")
    return found


def system_clock_users(path: Path) -> list[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return [
        f"{path}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id == "system_clock"
    ]


def test_no_module_but_the_seam_reads_the_clock() -> None:
    reads = [read for path in python_files() if path != SEAM for read in clock_reads(ROOT / path)]
    assert reads == [], "read the time from a clock passed in (pipelines.clock), not the wall clock"


def test_only_entry_points_and_benchmarks_pass_the_system_clock_down() -> None:
    allowed = ENTRY_POINTS | {SEAM, Path("tests/pipelines/test_clock.py")}
    users = [
        use
        for path in python_files()
        if path not in allowed and path.parts[0] != "benchmarks"
        for use in system_clock_users(path)
    ]
    assert users == [], "take a clock (or now) as a parameter; only the CLI and the flows pass system_clock"


def test_no_sql_reads_the_database_clock() -> None:
    statements = [*(ROOT / "pipelines" / "warehouse" / "sql").rglob("*.sql")]
    found = [
        f"{path.relative_to(ROOT)}: {word}"
        for path in statements
        for word in SQL_CLOCK
        if word in path.read_text(encoding="utf-8").lower()
    ]
    assert found == []


def test_the_scan_finds_a_planted_clock_read(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(
        "import datetime\nfrom datetime import date\nfrom time import time\n"
        "a = date.today()\nb = datetime.datetime.now()\nc = datetime.date.today()\n",
        encoding="utf-8",
    )
    reads = [r.split(" ", 1)[1] for r in clock_reads(planted)]
    assert sorted(reads) == sorted(
        ["from time import time", "date.today()", "datetime.now()", "date.today()"]
    )


def test_a_fixed_clock_stands_still_or_steps() -> None:
    at = datetime(2026, 11, 16, 7)
    still, ticking = fixed_clock(at), fixed_clock(at, step=timedelta(seconds=1))
    assert [still(), still()] == [at, at]
    assert [ticking(), ticking()] == [at, at + timedelta(seconds=1)]
    assert today(still).isoformat() == "2026-11-16"


def test_cohort_now_pins_the_system_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PINNED, "2027-12-04T09:30:00")
    assert system_clock() == datetime(2027, 12, 4, 9, 30)
    monkeypatch.setenv(PINNED, "2027-12-04T09:30:00+01:00")
    assert system_clock() == datetime(2027, 12, 4, 8, 30)  # UTC, naive
    monkeypatch.setenv(PINNED, "next tuesday")
    with pytest.raises(ClockSettingError, match="COHORT_NOW"):
        system_clock()


def test_without_cohort_now_the_system_clock_is_utc_and_naive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PINNED, raising=False)
    assert system_clock().tzinfo is None
