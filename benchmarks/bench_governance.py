"""Benchmark the governance pack on a filled warehouse: the board pack, the audit log's verification
and export, the retention check, a subject access export, and `audit-scores` on a file of scores.

Prints figures, never asserts them. The board pack and the exports are recorded in the warehouse as
real ones would be (use a benchmark warehouse). The subject is the top of the latest published list.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from governance.fairness_settings import load_fairness_settings
from governance.retention import load_schedule
from pipelines.clock import system_clock
from pipelines.govern.audit_scores import audit_file
from pipelines.govern.board_pack import make_board_pack
from pipelines.govern.retention import check_retention
from pipelines.govern.subject_access import export_subject
from pipelines.paths import pseudonym_key_file
from pipelines.warehouse import audit_chain
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.connection import connect

from measure import peak_gb  # benchmarks/measure.py


def timed(figures: dict[str, Any], name: str, function: Any, *args: Any, **kwargs: Any) -> Any:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    figures[name] = {"seconds": round(time.perf_counter() - started, 2)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", type=Path, default=Path("data/warehouse.duckdb"))
    parser.add_argument("--score-rows", type=int, default=3_000_000)
    args = parser.parse_args()
    figures: dict[str, Any] = {}
    scratch = Path(tempfile.mkdtemp(prefix="cohort-bench-governance-"))
    try:
        with connect(args.warehouse) as con:
            pack = timed(
                figures, "board_pack", make_board_pack, con, args.warehouse, run_id=None,
                out=scratch / "packs", by="benchmark", made_at=system_clock().replace(microsecond=0),
            )  # fmt: skip
            figures["board_pack"] |= {"kb": round(pack.path.stat().st_size / 1024), "breaches": pack.breaches}
            checked = timed(figures, "audit_verify", audit_chain.verify, con, None, system_clock())
            figures["audit_verify"] |= {"events": checked.checked, "intact": checked.intact}
            exported = timed(
                figures, "audit_export", audit.export, con, scratch / "audit", now=system_clock()
            )
            figures["audit_export"] |= {"events": exported.count}
            top = con.execute(
                "SELECT e.person_id FROM lists.entry e JOIN lists.run r USING (run_id) "
                "WHERE r.status = 'published' ORDER BY r.as_of DESC, e.rank LIMIT 1"
            ).fetchall()
        due = timed(
            figures,
            "retention_check",
            check_retention,
            args.warehouse,
            load_schedule(),
            system_clock().date(),
        )
        figures["retention_check"] |= {"classes": len(due)}
        if top:
            timed(
                figures, "subject_access", export_subject, args.warehouse, int(top[0][0]), scratch / "sar",
                requester="benchmark", reason="benchmark of subject access", by="benchmark",
                key_file=pseudonym_key_file(args.warehouse), now=system_clock(),
            )  # fmt: skip
        rng = np.random.default_rng(0)
        n = args.score_rows
        p = rng.beta(0.5, 20, n)
        groups, shares = ["Asian", "Black", "Mixed", "White", "Other"], [0.1, 0.05, 0.04, 0.78, 0.03]
        pl.DataFrame({
            "p": p, "y": (rng.random(n) < p).astype(np.int8), "ethnicity": rng.choice(groups, n, p=shares),
            "sex": rng.choice(["F", "M"], n), "decile": rng.integers(1, 11, n),
        }).write_parquet(scratch / "scores.parquet")  # fmt: skip
        document, _ = timed(
            figures, "audit_scores", audit_file, scratch / "scores.parquet", outcome="y", score="p",
            threshold=0.1, groups=["ethnicity", "sex", "decile"], settings=load_fairness_settings(),
        )  # fmt: skip
        figures["audit_scores"] |= {"rows": document["rows"]["used"], "breaches": len(document["breaches"])}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    figures["peak_memory_gb"] = round(peak_gb(), 1)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
