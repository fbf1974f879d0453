"""The sync between the warehouse and the review console's operational store: take in, then publish;
and the hooks commands and flows run around their own work.

The hooks act only when the console is in use: ``$COHORT_OPS_URL`` is set, or the SQLite store beside
the warehouse exists (``cohort app sync`` or the app made it). Taking in before a weekly list is
required: decisions made in the console would otherwise be missing from it, so an unreachable store
refuses the run. Elsewhere an unreachable store is a warning naming the store (its password masked);
the warehouse's own work is never lost for it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import OperationalError

from pipelines.console.sync.publish import Published, publish
from pipelines.console.sync.take_in import TakenIn, take_in
from pipelines.opstore.engine import URL_VARIABLE, Store, StoreError, open_store, store_url
from pipelines.paths import ops_store_file
from pipelines.warehouse.connection import connect

log = logging.getLogger(__name__)


class ConsoleUnreachable(RuntimeError):
    """The console's store is in use but cannot be reached before a weekly list: the message says
    which store (password masked) and what to do."""


@dataclass(frozen=True)
class Synced:
    """What one sync took in and published."""

    taken: TakenIn
    published: Published


def sync(warehouse: Path, store: Store, *, now: datetime, by: str) -> Synced:
    """Take in what the console recorded, then publish the read model, in one warehouse connection.

    Args:
        warehouse: the warehouse file (opened for writing).
        store: the operational store.
        now: when.
        by: who or what syncs (``user:NAME``, ``flow:NAME``).
    """
    with connect(warehouse) as con:
        taken = take_in(con, store, now=now)
        published = publish(con, store, now=now, by=by)
    return Synced(taken, published)


def console_in_use(warehouse: Path) -> bool:
    """True when a store URL is configured or the SQLite store beside the warehouse exists."""
    return bool(os.environ.get(URL_VARIABLE)) or ops_store_file(warehouse).exists()


def take_in_first(warehouse: Path, *, now: datetime, required: bool = False) -> TakenIn | None:
    """Take in what the console recorded before a command or flow works on the warehouse.

    Args:
        required: refuse (ConsoleUnreachable) rather than warn when the store cannot be reached
            (a weekly list must not miss decisions made in the console).

    Returns:
        What was taken in; None when the console is not in use or (not required) unreachable.

    Raises:
        ConsoleUnreachable: required, and the store in use cannot be reached.
    """
    if not console_in_use(warehouse):
        return None
    try:
        store = open_store(store_url(warehouse))
    except StoreError as error:
        _unreachable(str(error), required, error)
        return None
    try:
        with connect(warehouse) as con:
            return take_in(con, store, now=now)
    except OperationalError as error:  # its text may hold SQL and values: only its kind is shown
        failed = f"the review console's store {store.url} failed ({type(error.orig).__name__})"
        _unreachable(failed, required, error)
        return None
    finally:
        store.engine.dispose()


def _unreachable(problem: str, required: bool, error: Exception) -> None:
    """Refuse (required) or warn that nothing was taken in."""
    if required:
        raise ConsoleUnreachable(
            f"{problem}. Decisions made in the review console would be missing from this list, so it "
            f"was not drawn up: make the store reachable (or correct ${URL_VARIABLE}) and run it again"
        ) from error
    log.warning("nothing taken in from the review console: %s", problem)


def publish_after(warehouse: Path, *, now: datetime, by: str) -> Published | None:
    """Publish the read model after a command or flow; a store that cannot be reached is a warning.

    Returns:
        What was published; None when the console is not in use or the store is unreachable.
    """
    if not console_in_use(warehouse):
        return None
    try:
        store = open_store(store_url(warehouse))
    except StoreError as error:
        log.warning("the review console's store cannot be reached; its read model is not updated: %s", error)
        return None
    try:
        with connect(warehouse) as con:
            return publish(con, store, now=now, by=by)
    except OperationalError as error:  # its text may hold SQL and values: only its kind is shown
        log.warning(
            "the review console's store %s failed (%s); its read model is not updated",
            store.url, type(error.orig).__name__,
        )  # fmt: skip
        return None
    finally:
        store.engine.dispose()
