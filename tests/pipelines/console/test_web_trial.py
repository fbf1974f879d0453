"""The trial in the console: a person's page says they are in the trial and since when; the arm shows
only to users none of whose roles the trial's settings conceal it from, and never reaches the others'
pages at all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
import yaml
from fastapi.testclient import TestClient

from lists.trial_settings import load_trial_settings
from pipelines.console.sync.publish import publish
from pipelines.opstore import reading
from pipelines.opstore.engine import Store, open_store
from pipelines.opstore.read_tables import rm_allocation
from pipelines.opstore.reading_trial import trial_places
from pipelines.trial.allocate import run_allocation
from pipelines.trial.withdraw import record_withdrawal
from pipelines.warehouse.connection import connect
from tests.pipelines.console.conftest import ConsoleWorld, copy_world
from tests.pipelines.console.web_client import add_user, client, make_app, sign_in
from tests.pipelines.trial.test_allocation import decide, listed_people

DRAWN = datetime(2026, 11, 16, 8, 30)


@dataclass(frozen=True)
class Allocated:
    """A published store whose warehouse drew the list's people into the trial (the arm concealed from
    reviewers)."""

    store: Store
    run_id: int
    arms: dict[int, str]  # person id -> arm
    withdrawn: int  # a person whose allocation is withdrawn
    outside: int  # a listed person not in the trial


@pytest.fixture
def allocated(console_world: ConsoleWorld, tmp_path: Path) -> Iterator[Allocated]:
    world = copy_world(console_world, tmp_path / "world")
    people = listed_people(world.warehouse, world.run_id)
    decide(world.warehouse, world.run_id, people[:-1], "accept", datetime(2026, 11, 16, 8), world.as_of)
    settings = tmp_path / "trial.yaml"
    document = {**load_trial_settings().document, "concealed_from": ["reviewer"]}
    settings.write_text(yaml.safe_dump(document), encoding="utf-8")
    result = run_allocation(
        world.warehouse, world.as_of, now=DRAWN, by="tester", seed=bytes(32), settings_file=settings
    )
    assert result.draw_id == 1
    with duckdb.connect(str(world.warehouse), read_only=True) as con:
        arms = dict(con.execute("SELECT person_id, arm FROM trial.allocation").fetchall())
        ((first, withdrawn),) = con.execute(
            "SELECT allocation_id, person_id FROM trial.allocation ORDER BY allocation_id LIMIT 1"
        ).fetchall()
    record_withdrawal(
        world.warehouse,
        first,
        date(2026, 11, 16),
        "moved away",
        now=datetime(2026, 11, 16, 8, 45),
        by="tester",
    )
    store = open_store(world.store_url)
    with connect(world.warehouse) as con:
        published = publish(con, store, now=datetime(2026, 11, 16, 8, 50), by="user:tester")
    assert published.allocations == len(arms)
    for name, roles in (("ana", ["analyst"]), ("max", ["analyst", "reviewer"])):
        add_user(store, name, roles)
    yield Allocated(store, world.run_id, arms, withdrawn, people[-1])
    store.engine.dispose()


def person_page(browser: TestClient, token: str, store: Store, run_id: int, person_id: int) -> str:
    """Open a listed person's page from the list, giving a purpose."""
    view = reading.person(store, run_id, person_id)
    assert view is not None
    listing = browser.post("/list", data={"csrf_token": token, "search": str(person_id)})
    found = re.search(r'<a href="(/people/[^"]+)"', listing.text)
    assert found, "the person is not on the list page"
    page = browser.post(found.group(1), data={"csrf_token": token, "purpose": "consider", "purpose_text": ""})
    assert page.status_code == 200 and view.name in page.text
    return page.text


def test_an_analyst_sees_the_trial_since_when_and_the_arm(allocated: Allocated) -> None:
    browser = client(make_app(allocated.store))
    token = sign_in(browser, "ana")
    person = next(p for p in allocated.arms if p != allocated.withdrawn)
    page = person_page(browser, token, allocated.store, allocated.run_id, person)
    assert "In the trial" in page and "since 16/11/2026" in page
    assert f'Arm: <strong class="arm">{allocated.arms[person]}</strong>' in page
    withdrawn = person_page(browser, token, allocated.store, allocated.run_id, allocated.withdrawn)
    assert "withdrawn from 16/11/2026" in withdrawn and 'class="arm"' in withdrawn
    outside = person_page(browser, token, allocated.store, allocated.run_id, allocated.outside)
    assert "In the trial" not in outside


def test_the_arm_never_reaches_a_user_holding_a_concealed_role(allocated: Allocated) -> None:
    browser = client(make_app(allocated.store))
    token = sign_in(browser, "max")  # an analyst who is also a reviewer: as blind as a reviewer
    for person, arm in allocated.arms.items():
        page = person_page(browser, token, allocated.store, allocated.run_id, person)
        assert "since 16/11/2026" in page and "Which arm is concealed from your role" in page
        assert 'class="arm"' not in page and f"Arm: {arm}" not in page and f">{arm}<" not in page


def test_the_read_model_withholds_the_arm_by_role(tmp_path: Path) -> None:
    # the reading itself, over a hand-made read model: the arm is gone before any template sees it
    store = open_store(f"sqlite:///{tmp_path / 'ops.sqlite'}")

    with store.engine.begin() as conn:
        conn.execute(
            rm_allocation.insert(),
            [
                {
                    "allocation_id": 1,
                    "person_id": 5,
                    "current_person_id": 9,
                    "trial": "t",
                    "allocated_on": date(2026, 11, 16),
                    "arm": "control",
                    "withdrawn_on": None,
                    "concealed_from": '["analyst", "reviewer"]',
                },
            ],  # fmt: skip
        )
    assert [p.arm for p in trial_places(store, 9, ["board"])] == ["control"]  # followed to the id now
    assert [p.arm for p in trial_places(store, 5, ["analyst"])] == [None]
    assert [p.concealed for p in trial_places(store, 5, ["board", "reviewer"])] == [True]
    assert trial_places(store, 6, ["board"]) == []
    store.engine.dispose()
