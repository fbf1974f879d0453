"""A throwaway PostgreSQL cluster for the tests (session-scoped), with a fresh database per test."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from uuid import uuid4

import pytest

from tests.servers.support import STARTUP_SECONDS, free_port, log_tail, unavailable

POSTGRES_LIBDIR = Path("/usr/lib/postgresql")


def postgres_bindir() -> Path | None:
    """The newest installed PostgreSQL server's bin folder (Debian layout), or None."""
    found = [p.parent for p in POSTGRES_LIBDIR.glob("*/bin/initdb") if p.parent.parent.name.isdigit()]
    return max(found, key=lambda p: int(p.parent.name)) if found else None


@dataclass
class PostgresServer:
    """A throwaway PostgreSQL cluster in a temporary folder, listening on 127.0.0.1 only."""

    bindir: Path
    root: Path
    port: int = 0
    as_owner: list[str] = field(default_factory=list)  # runuser prefix when we are root

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of ``database`` on this cluster (user postgres, trust auth)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self, statement: str, name: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as con:
            con.execute(sql.SQL(statement).format(sql.Identifier(name)))

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database and return its URL.

        Args:
            name: The database name; a unique ``cohort_<hex>`` when None.

        Returns:
            The SQLAlchemy URL of the new database.
        """
        name = name or f"cohort_{uuid4().hex[:12]}"
        self._admin("CREATE DATABASE {}", name)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, closing any connections a test left open."""
        self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)", name)

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [*self.as_owner, str(self.bindir / "pg_ctl"), "-D", str(self.data), *args]
        return subprocess.run(command, cwd=self.root, capture_output=True, text=True, check=False)

    def start(self) -> None:
        """Initialise the cluster and start it on a free port (tries three ports)."""
        initdb = [*self.as_owner, str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust"]
        initdb += ["-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"]
        done = subprocess.run(initdb, cwd=self.root, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{done.stdout}{done.stderr}")
        for _ in range(3):
            self.port = free_port()
            # a test cluster: durability off (nothing here must survive a crash), unix socket in our folder
            options = (
                f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            started = self._pg_ctl(
                "-l", str(self.log), "-w", "-t", str(int(STARTUP_SECONDS)), "-o", options, "start"
            )
            if started.returncode == 0:
                return
        raise RuntimeError(f"PostgreSQL did not start:\n{started.stderr}\n{log_tail(self.log)}")

    def stop(self) -> None:
        """Stop the cluster (fast shutdown; SIGKILL if that fails) and delete its folder."""
        if self._pg_ctl("-m", "fast", "-w", "-t", "20", "stop").returncode != 0:
            pid_file = self.data / "postmaster.pid"
            with contextlib.suppress(OSError, ValueError, IndexError):
                os.kill(int(pid_file.read_text().splitlines()[0]), signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres(bindir: Path) -> PostgresServer:
    """Start a throwaway cluster with ``bindir``'s initdb and pg_ctl (as the postgres user when root).

    Args:
        bindir: A PostgreSQL bin folder, e.g. /usr/lib/postgresql/15/bin.

    Returns:
        The running server; call ``stop()`` to end it and delete its files.
    """
    root = Path(tempfile.mkdtemp(prefix="cohort-pg-"))
    as_owner: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to the postgres user
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_owner = ["runuser", "-u", "postgres", "--"]
    server = PostgresServer(bindir=bindir, root=root, as_owner=as_owner)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL cluster for the session, stopped and deleted at the end."""
    bindir = postgres_bindir()
    if bindir is None:
        unavailable(f"PostgreSQL server binaries ({POSTGRES_LIBDIR}/*/bin)", "apt-get install postgresql")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            unavailable("the postgres user", "apt-get install postgresql")
    server = start_postgres(bindir)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://``) of one database shared by the session."""
    return postgres_server.create_database()


@pytest.fixture
def fresh_postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A SQLAlchemy URL of a new, empty database for this test only (dropped afterwards)."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url.rsplit("/", 1)[1])
