"""`cohort app users` and `cohort app demo-accounts`: accounts made at the command line, always an admin."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipelines.cli.main import app
from pipelines.opstore.accounts import check_password, get_account
from pipelines.opstore.engine import open_store

runner = CliRunner()
PASSWORD = "a long enough secret"


def _run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["app", *args], input=stdin, env={"COHORT_NOW": "2026-11-16T09:00:00"})
    return result.exit_code, result.output


def test_accounts_are_added_listed_and_never_leave_no_admin(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    secret = tmp_path / "password"
    secret.write_text(f"{PASSWORD}\n", "utf-8")
    assert _run("users", "add", "root", "--role", "admin", "--password-file", str(secret), "--ops-url", url,
                "--by", "tester")[0] == 0  # fmt: skip
    code, said = _run("users", "add", "ann", "--role", "analyst", "--role", "reviewer", "--password-file",
                      str(secret), "--ops-url", url, "--by", "tester")  # fmt: skip
    assert code == 0 and "Added ann (analyst, reviewer)." in said
    code, said = _run("users", "list", "--ops-url", url)
    assert code == 0 and "ann" in said and "root" in said
    assert _run("users", "roles", "root", "--role", "analyst", "--ops-url", url)[0] == 2
    assert _run("users", "disable", "root", "--ops-url", url)[0] == 2
    assert _run("users", "disable", "ann", "--ops-url", url, "--by", "tester")[0] == 0
    store = open_store(url)
    try:
        root, ann = get_account(store, "root"), get_account(store, "ann")
        assert root is not None and root.active and root.roles == frozenset({"admin"})
        assert ann is not None and not ann.active
        assert check_password(store, "root", PASSWORD) is not None
    finally:
        store.engine.dispose()


def test_a_password_is_never_taken_without_a_terminal_or_a_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    code, said = _run("users", "add", "bob", "--role", "analyst", "--ops-url", url, stdin="")
    assert code == 2 and "--password-file" in said
    short = tmp_path / "short"
    short.write_text("short\n", "utf-8")
    code, said = _run(
        "users", "add", "bob", "--role", "analyst", "--password-file", str(short), "--ops-url", url
    )
    assert code == 2 and "at least 12 characters" in said


def test_demo_accounts_make_one_account_per_role_and_say_they_are_for_the_demo(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    code, said = _run("demo-accounts", "--ops-url", url, "--by", "tester")
    assert code == 0
    assert "SYNTHETIC DEMO only" in said and "cohort app" in said
    for name in ("demo-analyst", "demo-reviewer", "demo-board", "demo-data-engineer", "demo-admin"):
        line = next(line for line in said.splitlines() if f" {name} " in line)
        password = line.split("│")[3].strip()
        store = open_store(url)
        try:
            assert check_password(store, name, password) is not None
        finally:
            store.engine.dispose()


def test_the_app_seals_handles_with_a_kept_owner_only_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cohort app` reads secrets/console.key beside the warehouse (made 0600 the first time), so a
    restarted app opens the handles on pages people already have open; a key open to others is refused."""
    import uvicorn

    served: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: served.append(app))
    warehouse = tmp_path / "warehouse.duckdb"
    for _ in range(2):
        assert _run("--warehouse", str(warehouse))[0] == 0
    key_file = tmp_path / "secrets" / "console.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first, second = (app.state.console.secret for app in served)
    assert first == second == key_file.read_bytes().strip()
    key_file.chmod(0o644)
    code, said = _run("--warehouse", str(warehouse))
    assert code == 2 and "chmod 600" in said and len(served) == 2
