"""The test servers themselves: PostgreSQL round trips, Chromium on a live app, a killable app process."""

from __future__ import annotations

import os
import socket
import struct
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from tests.servers import (
    PostgresServer,
    live_server,
    live_server_process,
    save_screenshot,
    start_postgres,
    unavailable,
)
from tests.servers import postgres as postgres_module
from tests.servers.postgres import postgres_bindir

PAGE = """<!doctype html><html><head><title>tiny</title></head>
<body><h1 id="greeting">Hello from the live server</h1><p class="note">{note}</p></body></html>"""


def tiny_app() -> Starlette:
    """A minimal app: a page, and a text route echoing $COHORT_TEST_GREETING (for the process server)."""

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE.format(note=request.query_params.get("note", "")))

    async def greeting(request: Request) -> PlainTextResponse:
        return PlainTextResponse(os.environ.get("COHORT_TEST_GREETING", "unset"))

    return Starlette(routes=[Route("/", page), Route("/greeting", greeting)])


def fetch_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode())


def refuses_connections(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


ITEMS = sa.Table(
    "items",
    sa.MetaData(),
    sa.Column("item_id", sa.Integer, primary_key=True),
    sa.Column("label", sa.Text, nullable=False),
)


def test_postgres_round_trip_through_sqlalchemy_core(fresh_postgres_url: str) -> None:
    assert fresh_postgres_url.startswith("postgresql+psycopg://postgres@127.0.0.1:")
    engine = sa.create_engine(fresh_postgres_url)
    try:
        ITEMS.metadata.create_all(engine)
        with engine.begin() as con:
            con.execute(sa.insert(ITEMS), [{"item_id": 2, "label": "b"}, {"item_id": 1, "label": "a"}])
        with engine.connect() as con:
            rows = con.execute(sa.select(ITEMS.c.item_id, ITEMS.c.label).order_by(ITEMS.c.item_id)).all()
            assert con.dialect.name == "postgresql"
        assert [tuple(r) for r in rows] == [(1, "a"), (2, "b")]
    finally:
        engine.dispose()


def test_two_databases_do_not_see_each_others_tables(postgres_server: PostgresServer) -> None:
    first, second = postgres_server.create_database(), postgres_server.create_database()
    engines = [sa.create_engine(first), sa.create_engine(second)]
    try:
        ITEMS.metadata.create_all(engines[0])
        with engines[0].begin() as con:
            con.execute(sa.insert(ITEMS), [{"item_id": 1, "label": "only in the first"}])
        assert sa.inspect(engines[1]).has_table("items") is False
        ITEMS.metadata.create_all(engines[1])
        with engines[1].connect() as con:
            assert con.execute(sa.select(sa.func.count()).select_from(ITEMS)).scalar_one() == 0
    finally:
        for engine in engines:
            engine.dispose()
        for url in (first, second):
            postgres_server.drop_database(url.rsplit("/", 1)[1])


def test_dropped_database_is_gone_even_with_a_connection_left_open(postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database()
    name = url.rsplit("/", 1)[1]
    engine = sa.create_engine(url)
    left_open = engine.connect()  # a test that forgets to close must not block the drop
    try:
        postgres_server.drop_database(name)
    finally:
        left_open.invalidate()
        engine.dispose()
    admin = sa.create_engine(postgres_server.url("postgres"))
    try:
        with admin.connect() as con:
            names = con.execute(sa.text("SELECT datname FROM pg_database")).scalars().all()
    finally:
        admin.dispose()
    assert name not in names and "postgres" in names


def test_session_database_url_is_shared(postgres_url: str, postgres_server: PostgresServer) -> None:
    assert postgres_url.startswith(postgres_server.url(""))
    engine = sa.create_engine(postgres_url)
    try:
        with engine.connect() as con:
            assert con.execute(sa.select(sa.literal(1))).scalar_one() == 1
    finally:
        engine.dispose()


def test_a_stopped_cluster_leaves_no_process_port_or_files(postgres_server: PostgresServer) -> None:
    # the session cluster proves the binaries are there; this one is started and stopped on its own
    server = start_postgres(postgres_server.bindir)
    root, port = server.root, server.port
    assert not refuses_connections(port)
    server.stop()
    assert refuses_connections(port)
    assert not root.exists()


def test_newest_postgres_version_is_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for version in ("13", "15", "9"):
        (tmp_path / version / "bin").mkdir(parents=True)
        (tmp_path / version / "bin" / "initdb").touch()
    monkeypatch.setattr(postgres_module, "POSTGRES_LIBDIR", tmp_path)
    assert postgres_bindir() == tmp_path / "15" / "bin"
    monkeypatch.setattr(postgres_module, "POSTGRES_LIBDIR", tmp_path / "absent")
    assert postgres_bindir() is None


def test_a_missing_server_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install postgresql"):
        unavailable("PostgreSQL server binaries", "apt-get install postgresql")


def test_a_missing_server_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        unavailable("PostgreSQL server binaries", "apt-get install postgresql")


def test_chromium_reads_an_element_from_a_live_server(chromium: WebDriver) -> None:
    driver = chromium
    with live_server(tiny_app) as url:
        driver.get(f"{url}/?note=rendered")
        assert driver.find_element(By.ID, "greeting").text == "Hello from the live server"
        assert driver.find_element(By.CSS_SELECTOR, "p.note").text == "rendered"
        assert driver.get_window_size() == {"width": 1280, "height": 900}
    assert refuses_connections(int(url.rsplit(":", 1)[1]))  # stopped cleanly on leaving the block


def test_screenshot_is_a_png_of_the_window(chromium: WebDriver, tmp_path: Path) -> None:
    with live_server(tiny_app) as url:
        chromium.get(url)
        path = save_screenshot(chromium, tmp_path / "shots" / "tiny.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert width == 1280 and 0 < height <= 900


def test_server_process_can_be_killed_and_started_again(tmp_path: Path) -> None:
    env = {"COHORT_TEST_GREETING": "from the environment"}
    with live_server_process("tests.test_servers:tiny_app", env, log=tmp_path / "app.log") as server:
        assert fetch_text(f"{server.url}/greeting") == "from the environment"
        first = server.process
        server.kill()
        assert first is not None and first.returncode == -9
        with pytest.raises(urllib.error.URLError):
            fetch_text(f"{server.url}/greeting")
        server.start()
        assert fetch_text(f"{server.url}/greeting") == "from the environment"
    assert server.process is not None and server.process.returncode is not None
    assert refuses_connections(server.port)
