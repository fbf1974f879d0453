"""The records to link, taken from staging, and the registrations they group into.

Every staged row that names a person is a record: ``source`` (the extract) and
``source_record_id`` (its record id), as in the synthetic world's ground truth. An agency
registers a person once and repeats that registration on every row, so records sharing a
valid identifier of one kind (a police PNC id, a unique pupil number or an NHS number)
belong together before any probabilistic matching: they form one *registration*. A record
without an identifier is a registration of its own. Splink compares registrations, not rows.

A placeholder identifier (a dummy such as NHS number 9999999999 that the contracts declare) is
treated as missing: it names nobody, so records never group, block or match on it, even if
one was staged before its contract refused it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import polars as pl

from data_contracts.columns import Placeholders
from data_contracts.contract import Contract, identifier_placeholders, load_contracts
from data_contracts.identifiers import is_placeholder

ROLES = ("person_id", "surname", "forenames", "date_of_birth", "sex", "postcode")
RECORD_SCHEMA = pl.Schema(
    {
        "source": pl.String(),
        "source_record_id": pl.String(),
        "load_id": pl.Int32(),
        "row_number": pl.Int64(),
        "identifier_kind": pl.String(),
        "identifier": pl.String(),
        "surname": pl.String(),
        "forenames": pl.String(),
        "dob": pl.Date(),
        "sex_code": pl.String(),
        "postcode": pl.String(),
    }
)


def records_sql(contract: Contract) -> str:
    """SELECT one contract's staged records in the common record shape (see RECORD_SCHEMA).

    Only rows of loads still current (status 'loaded') are taken.
    """
    by_role = {column.role: column for column in contract.columns if column.role}
    missing = [role for role in ROLES if role != "person_id" and role not in by_role]
    if missing:
        raise ValueError(f"contract {contract.name} declares no column with role {', '.join(missing)}")
    person = by_role.get("person_id")
    record_id = contract.column(contract.record_id).staging_name

    def col(role: str) -> str:
        return f's."{by_role[role].staging_name}"'

    kind = f"'{person.identifier}'" if person and person.identifier else "NULL"
    identifier = f's."{person.staging_name}"' if person else "NULL"
    return (
        f"SELECT '{contract.name}' AS source, s.\"{record_id}\" AS source_record_id, "
        "s.load_id, s.row_number, "
        f"{kind} AS identifier_kind, {identifier} AS identifier, {col('surname')} AS surname, "
        f"{col('forenames')} AS forenames, {col('date_of_birth')} AS dob, {col('sex')} AS sex_code, "
        f"{col('postcode')} AS postcode "
        f"FROM staging.\"{contract.name}\" s JOIN meta.load l USING (load_id) WHERE l.status = 'loaded'"
    )


@cache
def declared_placeholders() -> dict[str, Placeholders]:
    """The placeholder identifiers the shipped contracts declare, by identifier kind."""
    return identifier_placeholders(load_contracts().values())


def without_placeholders(records: pl.DataFrame, placeholders: Mapping[str, Placeholders]) -> pl.DataFrame:
    """Records with every placeholder identifier (and its kind) made null, so nothing joins on it.

    Args:
        records: records in the RECORD_SCHEMA shape.
        placeholders: per identifier kind, the values that name nobody.

    Returns:
        The same records; an identifier that is a placeholder for its kind is null.
    """
    dummy = pl.lit(False)
    for kind, declared in placeholders.items():
        dummy |= (pl.col("identifier_kind") == kind).fill_null(False) & is_placeholder(
            pl.col("identifier"), declared.values, declared.repeated_digits
        )
    return records.with_columns(
        pl.when(dummy).then(None).otherwise(pl.col(c)).alias(c) for c in ("identifier_kind", "identifier")
    )


def registrations(
    records: pl.DataFrame, sex_codes: dict[str, str], placeholders: Mapping[str, Placeholders] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Group records into registrations and describe each registration once.

    Args:
        records: records in the RECORD_SCHEMA shape.
        sex_codes: each agency sex code -> M, F or U (unknown).
        placeholders: identifiers that name nobody, by kind (default: those the contracts
            declare); a record holding one is a registration of its own.

    Returns:
        (records with their ``registration`` key, one row per registration): the key, its
        forename (first given name), middle names, surname, date of birth and sex as most of
        its records give them, its latest postcode and every postcode it has given, the
        number of records and the sources they came from.
    """
    names = pl.col("forenames").str.splitn(" ", 2)
    records = without_placeholders(records, declared_placeholders() if placeholders is None else placeholders)
    keyed = records.with_columns(
        pl.when(pl.col("identifier").is_not_null())
        .then(pl.concat_str(pl.col("identifier_kind"), pl.lit(":"), pl.col("identifier")))
        .otherwise(pl.concat_str(pl.col("source"), pl.lit(":"), pl.col("source_record_id")))
        .alias("registration"),
        pl.col("sex_code").replace_strict(sex_codes, default="U", return_dtype=pl.String).alias("sex"),
        names.struct.field("field_0").alias("forename"),
        names.struct.field("field_1").replace("", None).alias("middle_names"),
    )
    # grouping millions of rows by a small integer is several times faster than by the key text
    coded = keyed.lazy().with_columns(
        pl.col("registration").cast(pl.Categorical).to_physical().alias("_code"),
        (pl.col("load_id").cast(pl.Int64) * 2**40 + pl.col("row_number")).alias("_recorded"),
    )
    latest = (
        coded.filter(pl.col("postcode").is_not_null())
        .group_by("_code")
        .agg(pl.col("postcode", "load_id", "row_number").get(pl.col("_recorded").arg_max()))
        .rename({"load_id": "postcode_load_id", "row_number": "postcode_row_number"})
    )
    others = coded.group_by("_code").agg(
        pl.col("registration").first(),
        pl.col("postcode").drop_nulls().unique().sort().alias("postcodes"),
        pl.len().alias("records"),
        pl.col("source").unique().sort().alias("sources"),
    )
    described = (
        commonest(coded, "_code", IDENTITY)
        .join(latest, on="_code", how="left")
        .join(others, on="_code")
        .select("registration", *IDENTITY, "postcode", "postcode_load_id", "postcode_row_number",
                "postcodes", "records", "sources")
    )  # fmt: skip
    return keyed, described.sort("registration").collect()


IDENTITY = ("forename", "middle_names", "surname", "dob", "sex")
"""The fields a registration or person is described by, as most of their records give them."""


def commonest(
    frame: pl.LazyFrame, group: str, fields: tuple[str, ...], weight: str | None = None
) -> pl.LazyFrame:
    """Per group, each field's value given by most rows (or most ``weight``); ties: the smallest value.

    A field is null only where every row's is. Counting (group, value) pairs is much faster
    than a mode within each group on millions of rows, and lazily the fields run in parallel.
    """
    out = frame.select(group).unique()
    for field in fields:
        tally = (
            frame.filter(pl.col(field).is_not_null())
            .group_by(group, field)
            .agg((pl.col(weight).sum() if weight else pl.len()).alias("_n"))
            .sort([group, "_n", field], descending=[False, True, False])
            .unique(group, keep="first", maintain_order=True)
        )
        out = out.join(tally.select(group, field), on=group, how="left")
    return out
