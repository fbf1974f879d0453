"""Read the events and people features are built from, out of the warehouse (staging joined to linkage).

Each kind of event is one SQL file in ``pipelines/warehouse/sql/events/`` selecting from ``linked``: its
extract's staged records of current loads, each record once (from its latest load), with the
``person_id`` linkage gave it. Every such query also ends with the record's ``postcode`` and
``ethnicity`` (NULL where the extract has none): together they are the ``addresses`` events.

Read with a :class:`Pinned`, the same queries see the warehouse as a past run saw it: only the loads
it read, the identities as its linkage run left them (``link.*_history`` keeps replaced rows) and the
review decisions entered by then. That is how a weekly list is rebuilt byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from data_contracts.contract import Contract, load_contracts
from features.events import PEOPLE_SCHEMA, SCHEMAS, Events
from pipelines.warehouse.queries import quote, read_frame, sql

EXTRACTS = {
    "occurrences": "police_occurrences", "custody": "police_custody", "searches": "police_stop_search",
    "intelligence": "police_intelligence", "attendance": "education_attendance",
    "exclusions": "education_exclusions", "activity": "education_activity",
    "ed_attendances": "health_ed_attendances", "health_referrals": "health_referrals",
    "partner_referrals": "partner_referrals",
}  # fmt: skip
"""The extract each kind of event comes from."""


@dataclass(frozen=True)
class Pinned:
    """What a past run read: its data loads, its linkage run and the review decisions up to an id."""

    load_ids: tuple[int, ...]
    link_run: str | None
    decisions_until: int


def current_pins(con: duckdb.DuckDBPyConnection) -> Pinned:
    """The warehouse as it stands: current loads, the latest linkage run, every decision so far."""
    loads = con.execute(sql("events/pinned_loads")).fetchall()
    link = con.execute(sql("events/pinned_link_run")).fetchall()
    decided = con.execute(sql("events/pinned_decisions")).fetchall()
    return Pinned(tuple(row[0] for row in loads), link[0][0] if link else None, int(decided[0][0]))


def link_params(pinned: Pinned | None) -> dict[str, object]:
    """The parameters :func:`merged_ids_sql` and the linkage tables as at a pinned run need."""
    return {} if pinned is None else {"link_run": pinned.link_run}


def _runs_sql() -> str:
    """SELECT the linkage runs up to and including the pinned one (``$link_run``)."""
    return (
        "SELECT run_id FROM link.run WHERE status = 'succeeded' AND finished_at <= "
        "(SELECT finished_at FROM link.run WHERE run_id = $link_run)"
    )


def _as_at(table: str, pinned: Pinned | None, columns: str) -> str:
    """A linkage table as it stood after the pinned linkage run (every row written by that run or
    before it and not replaced by then)."""
    if pinned is None:
        return f"SELECT {columns} FROM link.{table}"
    runs = _runs_sql()
    return (
        f"SELECT {columns} FROM link.{table} WHERE run_id IN ({runs}) UNION ALL "
        f"SELECT {columns} FROM link.{table}_history WHERE run_id IN ({runs}) AND replaced_by NOT IN ({runs})"
    )


def merged_ids_sql(pinned: Pinned | None) -> str:
    """A CTE ``merged(person_id, now_id)``: every person id linkage has merged into another, with the
    id its records belong to now (following merge after merge), as at the pinned linkage run
    (bind :func:`link_params`).

    Decisions were made about a person id; when linkage merges that person into another, the
    decision follows the records. A split leaves the decision with the id that keeps it.
    """
    runs = "" if pinned is None else f" AND run_id IN ({_runs_sql()})"
    merges = f"SELECT person_id, into_person_id FROM link.id_change WHERE kind = 'merge'{runs}"
    return (
        f"RECURSIVE chain(person_id, now_id) AS (SELECT person_id, into_person_id FROM ({merges}) "
        f"UNION SELECT c.person_id, m.into_person_id FROM chain c JOIN ({merges}) m "
        "ON m.person_id = c.now_id), "
        "merged AS (SELECT person_id, now_id FROM chain WHERE now_id NOT IN (SELECT person_id FROM chain))"
    )


def linked_records_sql(contract: Contract, pinned: Pinned | None = None) -> str:
    """SELECT one extract's staged records, each once (from its latest load), with the person linkage
    gave them: current loads and identities, or the pinned ones (bind :func:`records_params`)."""
    record_id = quote(contract.column(contract.record_id).staging_name)
    loads = (
        "l.status = 'loaded'" if pinned is None else "list_contains(CAST($load_ids AS INTEGER[]), l.load_id)"
    )
    xref = _as_at("xref", pinned, "source, source_record_id, person_id")
    return (
        f"SELECT x.person_id, s.* FROM staging.{quote(contract.name)} s JOIN meta.load l USING (load_id) "
        f"JOIN ({xref}) x ON x.source = $source AND x.source_record_id = s.{record_id} "
        f"WHERE {loads} "
        f"QUALIFY row_number() OVER (PARTITION BY s.{record_id} ORDER BY s.load_id DESC) = 1"
    )


def records_params(source: str, pinned: Pinned | None) -> dict[str, object]:
    """The parameters :func:`linked_records_sql` needs for one extract."""
    if pinned is None:
        return {"source": source}
    return {"source": source, "load_ids": list(pinned.load_ids), **link_params(pinned)}


def read_events(con: duckdb.DuckDBPyConnection, pinned: Pinned | None = None) -> Events:
    """Every kind of event, each record once, with its linked person: from current loads, or as a
    past run saw them.

    The ``addresses`` events are every record's postcode and ethnicity, where it has either; the
    ``decisions`` are analysts' review decisions (review.decision).
    """
    contracts = load_contracts()
    address = SCHEMAS["addresses"]
    frames, addresses = {}, []
    for kind, source in EXTRACTS.items():
        linked = linked_records_sql(contracts[source], pinned)
        query = f"WITH linked AS ({linked}) {sql(f'events/{kind}')}"
        params = records_params(source, pinned)
        frames[kind] = read_frame(con, query, pl.Schema({**SCHEMAS[kind], **address}), params)
        addresses.append(
            frames[kind]
            .select(address.names())
            .filter(pl.col("postcode").is_not_null() | pl.col("ethnicity").is_not_null())
        )
    until, params = "", link_params(pinned)
    if pinned is not None:
        until, params = (
            " WHERE decision_id <= $decisions_until",
            {**params, "decisions_until": pinned.decisions_until},
        )
    decisions = read_frame(
        con, f"WITH {merged_ids_sql(pinned)} {sql('events/decisions')}{until}", SCHEMAS["decisions"], params
    )
    return Events.of(**frames, addresses=pl.concat(addresses), decisions=decisions)


def read_people(con: duckdb.DuckDBPyConnection, pinned: Pinned | None = None) -> pl.DataFrame:
    """Every linked person's date of birth and sex: now, or as the pinned linkage run left them."""
    return read_frame(
        con, _as_at("person", pinned, "person_id, dob, sex"), PEOPLE_SCHEMA, link_params(pinned)
    )


def read_names(
    con: duckdb.DuckDBPyConnection, person_ids: list[int], pinned: Pinned | None = None
) -> pl.DataFrame:
    """person_id, name (forename and surname as linkage settled them) and dob, for the people given."""
    people = _as_at("person", pinned, "person_id, forename, surname, dob")
    con.register(
        "_wanted", pl.DataFrame({"person_id": person_ids}, schema={"person_id": pl.Int64}).to_arrow()
    )
    try:
        return read_frame(
            con,
            f"SELECT p.person_id, concat_ws(' ', p.forename, p.surname) AS name, p.dob FROM ({people}) p "
            "JOIN _wanted USING (person_id) ORDER BY person_id",
            pl.Schema({"person_id": pl.Int64(), "name": pl.String(), "dob": pl.Date()}),
            link_params(pinned),
        )
    finally:
        con.unregister("_wanted")
