"""Read the events and people features are built from, out of the warehouse (staging joined to linkage).

Each kind of event is one SQL file in ``pipelines/sql/events/`` selecting from ``linked``: its
extract's staged records of current loads, each record once (from its latest load), with the
``person_id`` linkage gave it. Every such query also ends with the record's ``postcode`` and
``ethnicity`` (NULL where the extract has none): together they are the ``addresses`` events.
"""

from __future__ import annotations

import duckdb
import polars as pl

from data_contracts.contract import Contract, load_contracts
from features.events import PEOPLE_SCHEMA, SCHEMAS, Events
from pipelines.warehouse import quote, read_frame, sql

EXTRACTS = {
    "occurrences": "police_occurrences", "custody": "police_custody", "searches": "police_stop_search",
    "intelligence": "police_intelligence", "attendance": "education_attendance",
    "exclusions": "education_exclusions", "activity": "education_activity",
    "ed_attendances": "health_ed_attendances", "health_referrals": "health_referrals",
    "partner_referrals": "partner_referrals",
}  # fmt: skip
"""The extract each kind of event comes from."""


def linked_records_sql(contract: Contract) -> str:
    """SELECT one extract's current staged records, each once, with the person linkage gave them."""
    record_id = quote(contract.column(contract.record_id).staging_name)
    return (
        f"SELECT x.person_id, s.* FROM staging.{quote(contract.name)} s JOIN meta.load l USING (load_id) "
        f"JOIN link.xref x ON x.source = '{contract.name}' AND x.source_record_id = s.{record_id} "
        "WHERE l.status = 'loaded' "
        f"QUALIFY row_number() OVER (PARTITION BY s.{record_id} ORDER BY s.load_id DESC) = 1"
    )


def read_events(con: duckdb.DuckDBPyConnection) -> Events:
    """Every kind of event from current loads, each record once, with its linked person.

    The ``addresses`` events are every record's postcode and ethnicity, where it has either; the
    ``decisions`` are analysts' review decisions (review.decision).
    """
    contracts = load_contracts()
    address = SCHEMAS["addresses"]
    frames, addresses = {}, []
    for kind, source in EXTRACTS.items():
        linked = linked_records_sql(contracts[source])
        query = f"WITH linked AS ({linked}) {sql(f'events/{kind}')}"
        frames[kind] = read_frame(con, query, pl.Schema({**SCHEMAS[kind], **address}))
        addresses.append(
            frames[kind]
            .select(address.names())
            .filter(pl.col("postcode").is_not_null() | pl.col("ethnicity").is_not_null())
        )
    decisions = read_frame(con, sql("events/decisions"), SCHEMAS["decisions"])
    return Events.of(**frames, addresses=pl.concat(addresses), decisions=decisions)


def read_people(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every linked person's date of birth and sex."""
    return read_frame(con, "SELECT person_id, dob, sex FROM link.person", PEOPLE_SCHEMA)
