"""Versioned schema migrations: the numbered SQL files in sql/migrations/, each applied once, in order.

An applied migration's hash is recorded in ``meta.schema_migration``; editing the file afterwards is
refused, so a warehouse's schema is always the one its recorded files describe.
"""

from __future__ import annotations

import hashlib
import re
from importlib import resources

import duckdb

from pipelines.clock import system_clock
from pipelines.warehouse.queries import sql, transaction

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    """The warehouse's recorded migrations disagree with the SQL files shipped with the code."""


def migrations() -> list[tuple[int, str, str]]:
    """The shipped migrations in order: (version, file name, SQL)."""
    folder = resources.files("pipelines.warehouse").joinpath("sql", "migrations")
    found = []
    for entry in folder.iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise MigrationError(f"migrations must be numbered 0001, 0002, ... without gaps; found {versions}")
    return found


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply, in order and each in its own transaction, the migrations not yet applied.

    Returns:
        The names of the migrations applied now.

    Raises:
        MigrationError: if an applied migration's file has since been edited (write a new one instead).
    """
    con.execute(sql("meta/migration_table"))
    applied = {v: (n, h) for v, n, h in con.execute(sql("meta/applied_migrations")).fetchall()}
    done = []
    for version, name, statements in migrations():
        digest = hashlib.sha256(statements.encode("utf-8")).hexdigest()
        if version in applied:
            if applied[version] != (name, digest):
                raise MigrationError(
                    f"migration {name} differs from the one applied to this warehouse; "
                    "never edit an applied migration: add a new numbered file"
                )
            continue
        with transaction(con):
            con.execute(statements)
            con.execute(
                sql("meta/record_migration"),
                [version, name, digest, system_clock()],  # when the code changed the file: not data
            )
        done.append(name)
    return done
