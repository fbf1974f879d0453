"""`cohort app`: the review console (serve it), its accounts, the demo accounts, and its sync."""

from __future__ import annotations

import logging
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.table import Table

from pipelines.cli.options import ByOption, WarehouseOption, acting_user
from pipelines.errors import EXIT_USAGE, EXIT_WAREHOUSE
from pipelines.progress import console

if TYPE_CHECKING:
    from pipelines.opstore.engine import Store

T = TypeVar("T")

console_app = typer.Typer(
    help="The review console: a web app for analysts, reviewers, the board, data engineers and admins.",
    invoke_without_command=True,
    no_args_is_help=False,
)
users_app = typer.Typer(help="The console's accounts and roles.", no_args_is_help=True)
console_app.add_typer(users_app, name="users")

OpsUrlOption = Annotated[
    str | None,
    typer.Option(
        "--ops-url",
        help="The operational store, a SQLAlchemy URL (postgresql+psycopg://...) "
        "[default: $COHORT_OPS_URL, else <warehouse stem>.ops.sqlite beside the warehouse].",
    ),
]
RoleOption = Annotated[list[str], typer.Option("--role", help="A role (repeat for more): analyst, reviewer, "
                                               "board, data_engineer, admin.")]  # fmt: skip
PasswordFileOption = Annotated[
    Path | None,
    typer.Option("--password-file", help="Read the password from this file's first line (else asked twice)."),
]
DEMO_WARNING = (
    "These accounts are for the SYNTHETIC DEMO only. Never use them with real data: deactivate them "
    "(cohort app users disable NAME) and add named accounts."
)


def _store(warehouse: Path | None, ops_url: str | None) -> Store:
    """Open the operational store (``--ops-url``, else $COHORT_OPS_URL, else beside the warehouse)."""
    from pipelines.files import private_folder
    from pipelines.opstore.engine import StoreError, open_store, store_url
    from pipelines.warehouse.connection import warehouse_path

    if ops_url is None:
        path = warehouse_path(warehouse, create=True)  # the store may come before the first ingest
        ops_url = store_url(path)
        if ops_url.startswith("sqlite"):
            private_folder(path.parent, own=False)
    try:
        return open_store(ops_url)
    except StoreError as error:
        console.print(f"[red]Error:[/red] {error}", markup=True, highlight=False)
        raise typer.Exit(EXIT_WAREHOUSE) from error


@console_app.callback()
def app(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    warehouse: WarehouseOption = None,
    ops_url: OpsUrlOption = None,
    policy: Annotated[
        Path | None, typer.Option(help="The console policy [default: governance/console.yaml].")
    ] = None,
    insecure_cookies: Annotated[
        bool,
        typer.Option(
            "--insecure-cookies",
            help="DEVELOPMENT ONLY: send cookies without the Secure flag (for plain http on another host).",
        ),
    ] = False,
) -> None:
    """Start the review console at http://HOST:PORT/ (Ctrl-C stops it); or run one of the commands below.

    The app reads and writes the operational store only, never the warehouse, so scheduled flows can
    run while people work. Sign-in is by local account (`cohort app users add`, or `cohort app
    demo-accounts` on the synthetic demo); a reverse proxy's authenticated header is honoured when
    $COHORT_APP_TRUSTED_HEADER and $COHORT_APP_TRUSTED_PROXIES are both set.
    """
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from governance.console_settings import load_console_policy
    from pipelines.clock import system_clock
    from pipelines.console.web.app import create_app
    from pipelines.console.web.settings import ConsoleSettings, proxy_settings
    from pipelines.errors import ConfigurationError
    from pipelines.files import load_or_create_key
    from pipelines.paths import console_key_file
    from pipelines.warehouse.connection import warehouse_path

    store = _store(warehouse, ops_url)
    header, proxies = proxy_settings()
    folder = warehouse_path(warehouse, create=True)
    try:
        secret, _ = load_or_create_key(
            console_key_file(folder), "the console's key", if_lost="remove the file to make a new one"
        )
    except ConfigurationError as error:
        console.print(f"[red]Error:[/red] {error}", highlight=False)
        raise typer.Exit(EXIT_USAGE) from error
    settings = ConsoleSettings(
        store=store,
        policy=load_console_policy(policy),
        warehouse=folder,
        clock=system_clock,
        secret=secret,
        secure_cookies=not insecure_cookies,
        trusted_header=header,
        trusted_proxies=proxies,
    )
    if insecure_cookies:
        console.print(
            "[bold red]WARNING: --insecure-cookies: session cookies are sent without the Secure flag. "
            "For development on a private machine only; never with real data.[/bold red]"
        )
    if header:
        console.print(
            f"Reverse-proxy sign-in: header {header} honoured from {', '.join(sorted(proxies))} only."
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    console.print(f"Review console on http://{host}:{port}/ over the store {store.url} (Ctrl-C stops it)")
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        access_log=False,  # our request log names the route template, never the path
        proxy_headers=False,  # the client address is the real peer: the trusted-proxy check relies on it
        server_header=False,
        log_config=None,
    )


def _password(password_file: Path | None) -> str:
    """The password from ``--password-file``, else asked twice at a terminal; refused without either."""
    from pipelines.console.web.account_rules import password_problem

    if password_file is not None:
        lines = password_file.read_text("utf-8").splitlines()
        password = lines[0] if lines else ""
    elif sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        console.print("[red]Refused:[/red] no terminal to ask for the password at: give --password-file FILE")
        raise typer.Exit(EXIT_USAGE)
    problem = password_problem(password)
    if problem:
        console.print(f"[red]Refused:[/red] {problem}")
        raise typer.Exit(EXIT_USAGE)
    return password


def _account_change(action: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run an account change; an AccountError (unknown name, bad role...) ends the command with exit 2."""
    from pipelines.opstore.accounts import AccountError

    try:
        return action(*args, **kwargs)
    except AccountError as error:
        console.print(f"[red]Refused:[/red] {error}", highlight=False)
        raise typer.Exit(EXIT_USAGE) from error


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The username.")],
    role: RoleOption,
    password_file: PasswordFileOption = None,
    warehouse: WarehouseOption = None,
    ops_url: OpsUrlOption = None,
    by: ByOption = None,
) -> None:
    """Add an account with its roles and a password (asked twice at a terminal, or --password-file)."""
    from pipelines.clock import system_clock
    from pipelines.opstore.accounts import add_account

    store = _store(warehouse, ops_url)
    password = _password(password_file)
    account = _account_change(
        add_account, store, name, role, password, by=acting_user(by), now=system_clock()
    )
    console.print(f"Added {account.username} ({', '.join(sorted(account.roles))}).")


@users_app.command("list")
def users_list(warehouse: WarehouseOption = None, ops_url: OpsUrlOption = None) -> None:
    """Every account, its roles, and whether it is active."""
    from pipelines.opstore.accounts import list_accounts

    table = Table(title="Review console accounts")
    for column in ("username", "roles", "active", "password set"):
        table.add_column(column)
    for account in list_accounts(_store(warehouse, ops_url)):
        table.add_row(account.username, ", ".join(sorted(account.roles)), "yes" if account.active else "no",
                      "yes" if account.has_password else "no")  # fmt: skip
    console.print(table)


@users_app.command("roles")
def users_roles(
    name: Annotated[str, typer.Argument(help="The username.")],
    role: RoleOption,
    warehouse: WarehouseOption = None,
    ops_url: OpsUrlOption = None,
    by: ByOption = None,
) -> None:
    """Give an account exactly these roles (the last active admin keeps admin)."""
    from pipelines.clock import system_clock
    from pipelines.console.web.account_rules import leaves_no_admin
    from pipelines.opstore.accounts import list_accounts, set_roles

    store = _store(warehouse, ops_url)
    if leaves_no_admin(list_accounts(store), name, role, True):
        console.print("[red]Refused:[/red] that would leave no active admin")
        raise typer.Exit(EXIT_USAGE)
    account = _account_change(set_roles, store, name, role, by=acting_user(by), now=system_clock())
    console.print(f"{account.username}: {', '.join(sorted(account.roles)) or 'no roles'}.")


@users_app.command("disable")
def users_disable(
    name: Annotated[str, typer.Argument(help="The username.")],
    warehouse: WarehouseOption = None,
    ops_url: OpsUrlOption = None,
    by: ByOption = None,
) -> None:
    """Deactivate an account: its sessions end and it cannot sign in (the last active admin cannot be)."""
    _set_active(name, False, warehouse, ops_url, by)


@users_app.command("enable")
def users_enable(
    name: Annotated[str, typer.Argument(help="The username.")],
    warehouse: WarehouseOption = None,
    ops_url: OpsUrlOption = None,
    by: ByOption = None,
) -> None:
    """Reactivate an account."""
    _set_active(name, True, warehouse, ops_url, by)


def _set_active(name: str, active: bool, warehouse: Path | None, ops_url: str | None, by: str | None) -> None:
    from pipelines.clock import system_clock
    from pipelines.console.web.account_rules import leaves_no_admin
    from pipelines.opstore.accounts import list_accounts, set_active

    store = _store(warehouse, ops_url)
    everyone = list_accounts(store)
    roles = next((a.roles for a in everyone if a.username == name), frozenset[str]())
    if not active and leaves_no_admin(everyone, name, roles, False):
        console.print("[red]Refused:[/red] that would leave no active admin")
        raise typer.Exit(EXIT_USAGE)
    account = _account_change(set_active, store, name, active, by=acting_user(by), now=system_clock())
    console.print(f"{account.username} is {'active' if account.active else 'deactivated'}.")


@users_app.command("passwd")
def users_passwd(
    name: Annotated[str, typer.Argument(help="The username.")],
    password_file: PasswordFileOption = None,
    warehouse: WarehouseOption = None,
    ops_url: OpsUrlOption = None,
    by: ByOption = None,
) -> None:
    """Set an account's password (asked twice at a terminal, or --password-file)."""
    from pipelines.clock import system_clock
    from pipelines.opstore.accounts import set_password

    store = _store(warehouse, ops_url)
    password = _password(password_file)
    _account_change(set_password, store, name, password, by=acting_user(by), now=system_clock())
    console.print(f"Set a new password for {name}.")


@console_app.command("demo-accounts")
def demo_accounts(
    warehouse: WarehouseOption = None, ops_url: OpsUrlOption = None, by: ByOption = None
) -> None:
    """Make one account per role with a random password (for the synthetic demo) and print them."""
    from pipelines.clock import system_clock
    from pipelines.opstore.accounts import (
        ROLES,
        add_account,
        get_account,
        set_active,
        set_password,
        set_roles,
    )

    store = _store(warehouse, ops_url)
    actor, now = acting_user(by), system_clock()
    table = Table(title="Demo accounts (synthetic demo only)")
    for column in ("username", "role", "password"):
        table.add_column(column)
    for role in ROLES:
        name, password = f"demo-{role.replace('_', '-')}", secrets.token_urlsafe(12)
        if get_account(store, name) is None:
            add_account(store, name, [role], password, by=actor, now=now)
        else:  # made by an earlier demo: a fresh password, the one role, active
            set_roles(store, name, [role], by=actor, now=now)
            set_password(store, name, password, by=actor, now=now)
            set_active(store, name, True, by=actor, now=now)
        table.add_row(name, role, password)
    console.print(table)
    where = f" --warehouse {warehouse}" if warehouse else ""
    program = sys.argv[0] if sys.argv[0].endswith("cohort") else "cohort"  # .venv/bin/cohort from make
    console.print(f"Start the console with: {program} app{where}   then open http://127.0.0.1:8000/")
    console.print(f"[bold]{DEMO_WARNING}[/bold]")


@console_app.command("sync")
def sync(warehouse: WarehouseOption = None, ops_url: OpsUrlOption = None, by: ByOption = None) -> None:
    """Take what people recorded in the console into the warehouse, then publish the warehouse to it.

    Needs the warehouse for writing: run it when no flow holds it (flows and the list commands also
    sync at their start and end).
    """
    from pipelines.clock import system_clock
    from pipelines.console.sync.sync import sync as run_sync
    from pipelines.warehouse.connection import warehouse_path

    path = warehouse_path(warehouse)
    synced = run_sync(path, _store(warehouse, ops_url), now=system_clock(), by=f"user:{acting_user(by)}")
    taken, published = synced.taken, synced.published
    console.print(
        f"Took in {taken.journal} journal entries, {taken.decisions} decisions ({taken.refused} refused), "
        f"{taken.pairs} identity pair decisions and {taken.approvals} model approvals."
    )
    console.print(
        f"Published {published.runs} list runs ({published.runs_added} new, "
        f"{published.entries_added} entries added), {published.decisions} decisions, "
        f"{published.pairs} identity pairs awaiting review and {published.models} models."
    )
