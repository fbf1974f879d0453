"""Reading queued pairs for review: one at a time (`cohort link review PAIR`) or many at once (the copy
into the review console), the same tables either way, every read audited before it happens."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from polars.testing import assert_frame_equal

from pipelines.link.pair_review import copy_pairs, side_by_side
from pipelines.warehouse.connection import connect
from pipelines.warehouse.copy import copy_warehouse

AT = datetime(2026, 11, 16, 8, 0)


def test_many_pairs_read_at_once_are_each_as_one_read_alone_with_one_audit_event(
    linked: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    copy_warehouse(linked, warehouse, checkpoint=False)
    with connect(warehouse) as con:
        found = con.execute("SELECT pair_id FROM link.review_pair ORDER BY pair_id").fetchall()
        queued = [pair_id for (pair_id,) in found]
        assert len(queued) >= 3
        events = "SELECT count(*), max(rows) FROM audit.event WHERE action = 'link_review_pair'"
        before = con.execute(events).fetchall()[0][0]
        copied = copy_pairs(con, [*queued[:3], "no-such-pair"], actor="flow:test", purpose="a test", now=AT)
        assert con.execute(events).fetchall()[0] == (before + 1, 8)  # one event for the batch, 2 x 4 rows
        assert sorted(copied) == queued[:3]  # a pair no longer queued is left out
        for pair_id, (probability, table) in copied.items():
            alone_probability, alone = side_by_side(con, pair_id, actor="user:test", purpose="a test", now=AT)
            assert probability == alone_probability
            assert_frame_equal(table, alone)
        assert copy_pairs(con, [], actor="flow:test", purpose="a test", now=AT) == {}
        assert con.execute(events).fetchall()[0][0] == before + 4  # nothing read, nothing recorded
