"""The allocation file (`cohort trial export-allocation`): who is in which arm since when, by the source
records each person held when allocated, which the synthetic world reads (`cohort synth advance
--allocation FILE`) to apply the programme's planted effect.

CSV, UTF-8, header ``allocation_id,arm,allocated_on,withdrawn_on,source,source_record_id``: one row
per record in trial.allocation_record, ordered by allocation_id, source and record id; ``arm`` is
``programme`` or ``control``; dates are ISO (YYYY-MM-DD), ``withdrawn_on`` empty when the person is
not withdrawn. Record ids are written exactly as the agencies sent them (a reader matches on them),
and the file is owner-only.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import polars as pl

from pipelines.files import write_private
from pipelines.trial.allocate_store import PURPOSE
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.connection import connect
from pipelines.warehouse.queries import read_frame, sql, transaction

EXPORT_SCHEMA = pl.Schema(
    {
        "allocation_id": pl.Int64(),
        "arm": pl.String(),
        "allocated_on": pl.Date(),
        "withdrawn_on": pl.Date(),
        "source": pl.String(),
        "source_record_id": pl.String(),
    }
)
RECIPIENTS = "the synthetic world's advance (cohort synth advance --allocation)"


def export_allocation(
    warehouse: Path, out: Path, *, now: datetime | None = None, by: str | None = None,
    recipients: str = RECIPIENTS,
) -> Path:  # fmt: skip
    """Write the allocation file (see the module docstring) to ``out``, owner-only.

    Args:
        now, by: when and by whom: with both, the export is recorded in the audit log as a
            disclosure to ``recipients`` (the command line always records it; the rehearsal, which
            hands the file to its own synthetic world, may leave them out).

    Returns:
        ``out``.
    """
    with connect(warehouse) as con:
        rows = read_frame(con, sql("trial/export_rows"), EXPORT_SCHEMA)
        text = rows.write_csv(date_format="%Y-%m-%d", null_value="")
        write_private(out, text, own_folder=False)
        if now is not None and by is not None:
            people = rows["allocation_id"].n_unique()
            with transaction(con):
                audit.record(
                    con, f"user:{by}", "trial_export",
                    f"trial allocations written to {out.name}: {people} allocations, {rows.height} records",
                    at=now, purpose=PURPOSE, recipients=recipients, file_name=out.name, rows=rows.height,
                    sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                )  # fmt: skip
    return out
