"""Opening the operational store: SQLite beside the warehouse by default, PostgreSQL by URL.

The web app never opens DuckDB (one writing process, and a reader blocks a writer); it works on this
store instead. The same SQLAlchemy Core code runs on both databases. On SQLite the file and its
``-wal``/``-shm`` side files are owner-only, the journal is in WAL mode with ``synchronous=FULL``, a
busy writer is waited for (30 s) and every transaction starts with ``BEGIN IMMEDIATE``, so writers
queue for the write lock at the start instead of failing half-way (the recipe in SQLAlchemy's pysqlite
notes: pysqlite's own transaction handling off in a "connect" event, our ``BEGIN`` in a "begin" event).
Connections from :func:`read_connection` begin DEFERRED instead: in WAL mode they read a snapshot and
neither wait for a writer nor hold one up.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from pipelines.files import private_folder
from pipelines.paths import ops_store_file

URL_VARIABLE = "COHORT_OPS_URL"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 30_000
SIDE_FILES = ("-wal", "-shm", "-journal")
READ_ONLY = "cohort_read_only"


class StoreError(RuntimeError):
    """The operational store cannot be used: the message says which (masked) URL and what to do."""


@dataclass(frozen=True)
class Store:
    """An open operational store.

    Attributes:
        engine: the SQLAlchemy engine (a pool of connections; thread-safe).
        url: the store's URL for display, its password masked.
        dialect: "sqlite" or "postgresql".
    """

    engine: sqlalchemy.Engine
    url: str
    dialect: str


def store_url(warehouse: Path) -> str:
    """The store's URL: ``$COHORT_OPS_URL`` when set, else a SQLite file beside the warehouse.

    Args:
        warehouse: the DuckDB warehouse file the store belongs to.

    Returns:
        A SQLAlchemy URL such as ``sqlite:////srv/cohort/warehouse.ops.sqlite``.
    """
    configured = os.environ.get(URL_VARIABLE, "").strip()
    if configured:
        return configured
    return f"sqlite:///{ops_store_file(warehouse).resolve()}"


def masked(url: str) -> str:
    """The URL with any password replaced by ``***`` (safe to show and log)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<not a database URL>"


def read_connection(store: Store) -> sqlalchemy.Connection:
    """A connection for reading only (``with read_connection(store) as connection: ...``).

    On SQLite its transaction begins DEFERRED, so it reads a snapshot without waiting for a writer or
    holding one up; on PostgreSQL it is a READ ONLY transaction (writes refused). Never write through it.
    """
    return store.engine.connect().execution_options(**{READ_ONLY: True, "postgresql_readonly": True})


def naive_utc(moment: datetime) -> datetime:
    """A time as the store keeps it: UTC without a zone (an aware time is converted)."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def open_store(url: str) -> Store:
    """Open the store at ``url``, creating its tables when absent and checking its schema version.

    Args:
        url: a SQLAlchemy URL (``sqlite:///path`` or ``postgresql+psycopg://...``).

    Returns:
        The open store.

    Raises:
        StoreError: the URL is not one we support, the database cannot be reached, or it was made by
            a newer version of cohort.
    """
    shown = masked(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"the operational store URL {shown} is not a database URL: set ${URL_VARIABLE} to "
            "sqlite:///<file> or postgresql+psycopg://user:password@host/database"
        ) from None
    dialect = parsed.get_backend_name()
    if dialect == "sqlite":
        engine = _sqlite_engine(parsed, shown)
    elif dialect == "postgresql":
        engine = sqlalchemy.create_engine(parsed, pool_pre_ping=True)
    else:
        raise StoreError(
            f"the operational store URL {shown} names a {dialect} database: use SQLite "
            "(sqlite:///<file>) or PostgreSQL (postgresql+psycopg://...)"
        )
    store = Store(engine=engine, url=shown, dialect=dialect)
    try:
        _create_tables(store)
    except SQLAlchemyError as error:
        engine.dispose()
        reason = _first_line(error)
        raise StoreError(
            f"cannot open the operational store at {shown} ({reason}): check that the database exists "
            f"and is reachable with those credentials, or set ${URL_VARIABLE}"
        ) from None
    except StoreError:
        engine.dispose()
        raise
    if dialect == "sqlite" and parsed.database:
        _own_side_files(Path(parsed.database))
    return store


def _sqlite_engine(parsed: sqlalchemy.URL, shown: str) -> sqlalchemy.Engine:
    database = parsed.database
    if not database or database == ":memory:":
        raise StoreError(f"the operational store {shown} must be a file (sqlite:///<file>), not in memory")
    path = Path(database)
    if not path.parent.exists():
        private_folder(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
    engine = sqlalchemy.create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=FULL",
            f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
            "PRAGMA foreign_keys=ON",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sqlalchemy.Connection) -> None:
        reader = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reader else "BEGIN IMMEDIATE")

    return engine


def _first_line(error: SQLAlchemyError) -> str:
    """The driver's own message, first line only (SQLAlchemy appends the statement and a link)."""
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _own_side_files(path: Path) -> None:
    """SQLite gives the side files the database file's mode; make sure of it (owner-only)."""
    for suffix in SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.chmod(side, 0o600)


def _create_tables(store: Store) -> None:
    import pipelines.opstore.read_tables  # noqa: F401  (the rm_* tables join the same metadata)
    from pipelines.opstore.schema import journal_head, metadata, schema_version

    metadata.create_all(store.engine, checkfirst=True)
    with store.engine.begin() as connection:
        found = connection.execute(sqlalchemy.select(schema_version.c.version)).scalars().all()
        if not found:
            connection.execute(sqlalchemy.insert(schema_version).values(id=1, version=SCHEMA_VERSION))
        elif max(found) > SCHEMA_VERSION:
            raise StoreError(
                f"the operational store at {store.url} has schema version {max(found)}, newer than this "
                f"cohort ({SCHEMA_VERSION}): upgrade cohort, or point ${URL_VARIABLE} at another store"
            )
        if connection.execute(sqlalchemy.select(journal_head.c.id)).first() is None:
            # made once here, so concurrent first appends lock one row instead of racing to insert it
            connection.execute(sqlalchemy.insert(journal_head).values(id=1, seq=0, entry_hash=""))


def mark_taken(
    store: Store, key: sqlalchemy.Column[Any], outcomes: list[tuple[Any, str]], *, now: datetime
) -> None:
    """Record what the warehouse did with rows the sync took: ``(key value, outcome text)`` pairs set
    ``taken_at`` and ``outcome`` on the rows of ``key``'s table (decisions, pair decisions, approvals)."""
    if not outcomes:
        return
    table = key.table
    statement = (
        sqlalchemy.update(table)
        .where(key == sqlalchemy.bindparam("b_key"))
        .values(taken_at=naive_utc(now), outcome=sqlalchemy.bindparam("b_outcome"))
    )
    with store.engine.begin() as connection:
        connection.execute(statement, [{"b_key": k, "b_outcome": text} for k, text in outcomes])
