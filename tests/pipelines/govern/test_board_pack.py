"""`cohort board-pack` on the small world: every section, offline, breaches, changes since the last pack."""

from __future__ import annotations

import re
import stat
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from governance.board_pack import SECTIONS, PackBasis, changes_since
from governance.fairness_settings import fairness_settings_text
from pipelines.cli import app
from pipelines.train.run import run_training
from pipelines.warehouse.connection import connect
from pipelines.warehouse.copy import copy_warehouse
from pipelines.warehouse.model_registry import set_status
from pipelines.weekly.run import run_weekly
from tests.clock import test_clock
from tests.pipelines.cli.test_cli_model import small_settings

runner = CliRunner(env={"COLUMNS": "200"})
AS_OF, NEXT = date(2026, 11, 16), date(2026, 11, 23)


class Resources(HTMLParser):
    """Every URL the document would fetch (src, href other than in-page anchors, CSS url())."""

    def __init__(self) -> None:
        super().__init__()
        self.fetched: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("src", "href") and value and not value.startswith(("#", "data:")):
                self.fetched.append(value)


@pytest.fixture(scope="module")
def world(linked: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("board")
    copy_warehouse(linked, folder / "warehouse.duckdb")
    return folder


@pytest.mark.slow
def test_board_pack_has_every_section_works_offline_and_tracks_changes(
    world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COHORT_PSEUDONYM_KEY_FILE", str(world / "secrets" / "key"))
    warehouse = world / "warehouse.duckdb"
    w = ("--warehouse", str(warehouse))
    trained = run_training(
        warehouse, world / "models", clock=test_clock(), settings_file=small_settings(world), by="test"
    )
    with connect(warehouse) as con:
        set_status(
            con,
            trained.version,
            "approved",
            "demo",
            "synthetic world: approved to test the pack",
            datetime(2026, 11, 16, 6),
        )
    first_run = run_weekly(warehouse, AS_OF, now=test_clock()(), by="tester")

    result = runner.invoke(app, ["board-pack", *w, "--by", "Board Secretary"])
    assert result.exit_code == 0, result.output
    assert "Board pack 1 for list run 1: the first pack" in result.output
    (pack,) = (world / "governance" / "board-packs").glob("board-pack-1-*.html")
    assert stat.S_IMODE(pack.stat().st_mode) == 0o600
    html = pack.read_text()
    parsed = Resources()
    parsed.feed(html)
    assert parsed.fetched == []  # nothing from the network: no scripts, styles, fonts or images fetched
    assert not re.search(r"url\(\s*['\"]?https?:", html) and "<script" not in html
    assert set(SECTIONS) <= parsed.ids  # every section is there
    for title in SECTIONS.values():
        assert title in html
    assert "knife_arrest_12_months" in html  # the rulebook
    assert trained.version in html and "This is the first board pack" in html
    assert "Who is on the list, by group (run 1)" in html and "By deprivation decile" in html
    assert "The model on its test window" in html and "hash chain is intact" in html
    breaches = len(first_run.fairness["breaches"]) + len(trained.fairness["breaches"])
    assert f"Fairness: {len(first_run.fairness['breaches'])} breach" in html
    assert ("fairness breach(es) for the board" in result.output) == bool(breaches)

    # the next week's list runs with a tighter fairness limit: the next pack shows the change
    fairness_file = world / "fairness.yaml"
    document = yaml.safe_load(fairness_settings_text())
    document["limits"]["listed_to_population_ratio"] = {"min": 0.9, "max": 1.1}
    fairness_file.write_text(yaml.safe_dump(document), encoding="utf-8")
    run_weekly(warehouse, NEXT, now=datetime(2026, 11, 23, 7), by="tester", fairness_file=fairness_file)
    result = runner.invoke(app, ["board-pack", *w, "--by", "Board Secretary"])
    assert result.exit_code == 0, result.output
    assert "0 rule files, 1 settings files changed since pack 1" in result.output
    second = next((world / "governance" / "board-packs").glob("board-pack-2-*.html")).read_text()
    assert "listed_to_population_ratio" in second and "Since pack 1" in second
    with duckdb.connect(str(warehouse), read_only=True) as con:
        packs = con.execute("SELECT pack_id, run_id, made_by FROM audit.board_pack ORDER BY 1").fetchall()
        events = con.execute(
            "SELECT category, purpose FROM audit.event WHERE action = 'board_pack' ORDER BY event_id"
        ).fetchall()
    assert packs == [(1, 1, "Board Secretary"), (2, 2, "Board Secretary")]
    assert [c for c, _ in events] == ["consultation", "consultation"] and all(p for _, p in events)

    # an unknown run is refused by name
    missing = runner.invoke(app, ["board-pack", *w, "--run", "99"])
    assert missing.exit_code == 1 and "there is no list run 99" in missing.output


def test_changes_since_the_previous_pack() -> None:
    before = PackBasis(
        1, "v1", {"a.yaml": "x: 1\n", "b.yaml": "y\n"}, "model-1", {"lists/settings.yaml": "capacity: 45\n"}
    )
    after = PackBasis(
        2, "v2", {"a.yaml": "x: 2\n", "c.yaml": "z\n"}, "model-2", {"lists/settings.yaml": "capacity: 45\n"}
    )
    changes = changes_since(before, after)
    assert [(c["file"], c["change"]) for c in changes["rules"]] == [
        ("a.yaml", "changed"),
        ("b.yaml", "removed"),
        ("c.yaml", "added"),
    ]
    assert "-x: 1" in changes["rules"][0]["diff"] and "+x: 2" in changes["rules"][0]["diff"]
    assert changes["model"] == {"before": "model-1", "after": "model-2"}
    assert changes["settings"] == [] and not changes["none"] and not changes["first"]
    assert changes_since(after, after)["none"]
    assert changes_since(None, after)["first"]
