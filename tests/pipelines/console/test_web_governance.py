"""The board's governance pages over the published test world: board packs and model cards served
sandboxed and unstored (no path out of their folders), fairness over time as the store holds it, and
model approval by two different board members with the checks shown and confirmed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, update

from pipelines.console.web.middleware import DOCUMENT_SECURITY_POLICY
from pipelines.console.web.model_approval import refusal
from pipelines.opstore import approvals, journal, reading_governance
from pipelines.opstore.engine import Store
from pipelines.opstore.read_tables import rm_model, rm_run
from pipelines.warehouse.connection import connect
from pipelines.warehouse.model_registry import AlreadyInStatus, RegistryError, set_status
from tests.pipelines.console.conftest import ConsoleWorld, copy_world
from tests.pipelines.console.web_client import (
    client,
    hidden,
    make_app,
    opened_copy,
    sign_in,
    store_with_accounts,
)

BREACH = "Black people are 2.1 times as likely to be selected as White people (limit 1.25)"
UNMET = "precision at 45: wanted 0.3; measured 0.210"


@pytest.fixture(scope="module")
def store_file(console_world: ConsoleWorld, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published store with two board members and one account of each other role (hashed once)."""
    accounts = [("ann", "board"), ("ben", "board"), ("eve", "data_engineer"), ("ali", "analyst"),
                ("rex", "reviewer"), ("root", "admin")]  # fmt: skip
    return store_with_accounts(
        tmp_path_factory.mktemp("governance") / "ops.sqlite",
        [(name, [role]) for name, role in accounts],
        published=console_world.folder / "warehouse.ops.sqlite",
    )


@dataclass(frozen=True)
class Console:
    store: Store
    warehouse: Path  # beside it: governance/board-packs/


@pytest.fixture
def world(store_file: Path, tmp_path: Path) -> Iterator[Console]:
    """A copy of the store for one test, with an (empty) warehouse folder for board packs."""
    with opened_copy(store_file, tmp_path) as opened:
        yield Console(opened, tmp_path / "warehouse.duckdb")


def _board(world: Console, name: str = "ann") -> tuple[TestClient, str]:
    browser = client(make_app(world.store, warehouse=world.warehouse))
    return browser, sign_in(browser, name)


def _add_model(store: Store, version: str, status: str, breaches: list[str], unmet: list[str]) -> None:
    with store.engine.begin() as conn:
        conn.execute(insert(rm_model).values(
            version=version, status=status, trained_at=datetime(2026, 11, 16, 8),
            test_date=date(2025, 11, 16), auc=0.812, ece=0.0123, breaches=json.dumps(breaches),
            unmet_targets=json.dumps(unmet), card_folder=None,
        ))  # fmt: skip


def _packs(world: Console, outside: Path) -> Path:
    folder = world.warehouse.parent / "governance" / "board-packs"
    folder.mkdir(parents=True)
    (folder / "board-pack-1-2026-11-02.html").write_text("<h1>Pack one</h1>", "utf-8")
    (folder / "board-pack-2-2026-11-16.html").write_text("<h1>Pack two</h1>", "utf-8")
    (folder / "notes.txt").write_text("not a pack", "utf-8")
    outside.write_text("secret outside the folder", "utf-8")
    (folder / "board-pack-3-2026-11-17.html").symlink_to(outside)
    return folder


def test_board_packs_are_listed_newest_first_and_served_sandboxed_and_unstored(
    world: Console, tmp_path: Path
) -> None:
    folder = _packs(world, tmp_path / "outside.html")
    browser, _ = _board(world)
    page = browser.get("/governance")
    assert page.status_code == 200
    two, one = page.text.index("Board pack 2"), page.text.index("Board pack 1")
    assert two < one
    assert "Board pack 3" not in page.text and "notes.txt" not in page.text  # a link out, and not a pack
    pack = browser.get("/governance/packs/board-pack-2-2026-11-16.html")
    assert pack.status_code == 200
    assert pack.content == (folder / "board-pack-2-2026-11-16.html").read_bytes()
    assert pack.headers["content-security-policy"] == DOCUMENT_SECURITY_POLICY
    assert pack.headers["cache-control"] == "no-store"
    assert pack.headers["content-type"] == "text/html; charset=utf-8"


OUT_OF_BOUNDS = [
    "/governance/packs/board-pack-3-2026-11-17.html",  # a symlink out of the folder
    "/governance/packs/notes.txt",  # in the folder, but not a pack
    "/governance/packs/..%2F..%2Fops.sqlite",
    "/governance/packs/%2E%2E%2Fboard-packs%2Fboard-pack-1-2026-11-02.html",
    "/governance/packs/board-pack-1-2026-11-02.html%00",
    "/governance/models/risk-x/card",
    "/governance/models/{version}/..%2F..%2F..%2Fsecrets%2Fpseudonym.key",
    "/governance/models/{version}/model-card.html",  # by a listed name only, not a file name
]


def test_no_path_leaves_the_packs_or_a_card_folder(
    world: Console, tmp_path: Path, console_world: ConsoleWorld
) -> None:
    _packs(world, tmp_path / "outside.html")
    browser, _ = _board(world)
    assert browser.get("/governance/packs/board-pack-1-2026-11-02.html").status_code == 200
    for path in OUT_OF_BOUNDS:
        answer = browser.get(path.format(version=console_world.model_version))
        assert answer.status_code == 404, path
        assert "secret outside" not in answer.text and "Page not found" in answer.text


def test_each_models_card_and_transparency_record_open_from_its_card_folder(
    world: Console, console_world: ConsoleWorld
) -> None:
    (model,) = reading_governance.models(world.store)
    assert model.card_folder is not None
    browser, _ = _board(world)
    page = browser.get("/governance")
    version = console_world.model_version
    assert f'href="/governance/models/{version}/card"' in page.text
    assert f'href="/governance/models/{version}/atrs"' in page.text
    card = browser.get(f"/governance/models/{version}/card")
    assert card.content == (Path(model.card_folder) / "model-card.html").read_bytes()
    assert card.headers["content-security-policy"] == DOCUMENT_SECURITY_POLICY
    assert card.headers["cache-control"] == "no-store"
    atrs = browser.get(f"/governance/models/{version}/atrs")
    assert atrs.headers["content-type"] == "text/plain; charset=utf-8"
    assert atrs.text.startswith("# Algorithmic Transparency Record")


def test_fairness_over_time_shows_each_published_lists_shares_breaches_and_watch_items(
    world: Console,
) -> None:
    with world.store.engine.begin() as conn:
        first = conn.execute(select(rm_run)).one()._mapping
        shares = json.loads(first["fairness_shares"])
        shares["sex"] = {"female": 0.25, "male": 0.75, "not recorded": 0.0}
        conn.execute(insert(rm_run).values({
            **first, "run_id": first["run_id"] + 1, "as_of": date(2026, 11, 23), "entries": 20,
            "fairness_shares": json.dumps(shares), "fairness_breaches": json.dumps([BREACH]),
            "fairness_watch": json.dumps(["Few people aged 14-15 on the list: too few to judge"]),
        }))  # fmt: skip
    points = reading_governance.fairness_over_time(world.store)
    assert [p.as_of for p in points] == [date(2026, 11, 16), date(2026, 11, 23)]
    browser, _ = _board(world)
    page = browser.get("/governance/fairness").text
    for dimension, groups in points[0].shares.items():
        assert f"By {dimension}" in page
        for group in groups:
            cells = "".join(f'<td class="num">{p.shares[dimension][group]:.0%}</td>' for p in points)
            assert f'<th scope="row">{group}</th>{cells}' in page, (dimension, group)
    # the small world's own share of women on the first list, then the 25% planted on the second
    first_female = f"{points[0].shares['sex']['female']:.0%}"
    assert f'<th scope="row">female</th><td class="num">{first_female}</td><td class="num">25%</td>' in page
    assert BREACH in page and "too few to judge" in page
    assert re.search(r"23/11/2026 <span[^>]*>\(run 2\)</span></td>\s*<td class=\"num\">20</td>", page)


def test_a_model_is_approved_by_one_board_member_then_a_second_different_one(world: Console) -> None:
    _add_model(world.store, "risk-new", "candidate", [], [])
    ann, ann_token = _board(world, "ann")
    page = ann.get("/governance/models").text
    assert "AUC 0.812" in page and "ECE) 0.0123" in page and "tested as of 16/11/2025" in page
    assert "takes effect at the next sync (<code>cohort app sync</code>" in page
    first = ann.post("/governance/models/approve", data={
        "csrf_token": ann_token, "version": "risk-new", "reason": "validated on the spring data",
        "checks": hidden(page, "checks")})  # fmt: skip
    assert first.status_code == 200
    assert "awaits a second, different board member" in first.text
    assert "Approved first by ann" in first.text and "It awaits a second, different approver" in first.text
    (approval,) = approvals.model_approvals(world.store)
    assert (approval.version, approval.state, approval.first_by) == (
        "risk-new",
        "awaiting second approver",
        "ann",
    )
    # the first approver is not offered the form again, and is refused if they send it anyway
    assert "you gave the first approval" in first.text
    again = ann.post("/governance/models/approve", data={
        "csrf_token": ann_token, "version": "risk-new", "reason": "still fine"})  # fmt: skip
    assert again.status_code == 400
    assert (
        "Not approved: you gave the first approval: the second must come from a different board member."
        in again.text
    )
    assert approvals.model_approvals(world.store)[0].state == "awaiting second approver"
    ben, ben_token = _board(world, "ben")
    second = ben.post("/governance/models/approve", data={
        "csrf_token": ben_token, "version": "risk-new", "reason": "agree: a clear gain"})  # fmt: skip
    assert second.status_code == 200
    assert "Model risk-new is approved by ann and ben. It takes effect at the next sync" in second.text
    (done,) = approvals.model_approvals(world.store)
    assert (done.state, done.second_by, done.taken_at) == ("approved", "ben", None)
    entries = [e for e in journal.entries(world.store) if e.action == "model_approval"]
    assert [(e.actor, e.detail) for e in entries] == [
        ("user:ann", "model risk-new: first approval; awaiting a second approver"),
        ("user:ben", "model risk-new: approved"),
    ]


def test_a_model_with_breaches_or_unmet_targets_says_so_and_asks_the_approver_to_confirm(
    world: Console,
) -> None:
    _add_model(world.store, "risk-odd", "candidate", [BREACH], [UNMET])
    browser, token = _board(world)
    page = browser.get("/governance/models").text
    assert BREACH in page and UNMET in page
    assert "This model has 1 fairness breach and 1 unmet target" in page
    assert 'name="checks_read" value="yes" required' in page
    form = {
        "csrf_token": token,
        "version": "risk-odd",
        "reason": "needed now",
        "checks": hidden(page, "checks"),
    }
    unconfirmed = browser.post("/governance/models/approve", data=form)
    assert unconfirmed.status_code == 400
    assert "Confirm that you have read the fairness breaches and unmet targets" in unconfirmed.text
    stale = browser.post(
        "/governance/models/approve", data={**form, "checks_read": "yes", "checks": "0" * 16}
    )
    assert stale.status_code == 400 and "The checks have changed" in stale.text
    assert approvals.model_approvals(world.store) == []
    confirmed = browser.post("/governance/models/approve", data={**form, "checks_read": "yes"})
    assert confirmed.status_code == 200 and "Your approval of model risk-odd is recorded" in confirmed.text


def test_the_console_refuses_to_approve_what_cohort_model_approve_refuses(
    world: Console, console_world: ConsoleWorld, tmp_path: Path
) -> None:
    _add_model(world.store, "risk-old", "retired", [], [])
    browser, token = _board(world)
    current = console_world.model_version
    for version, words in [
        (current, f"model {current} is already approved: nothing to change."),
        ("risk-old", "model risk-old is retired and stays retired: train or approve another."),
    ]:  # fmt: skip
        answer = browser.post("/governance/models/approve", data={
            "csrf_token": token, "version": version, "reason": "try"})  # fmt: skip
        assert answer.status_code == 400 and f"Not approved: {words}" in answer.text
    blank = browser.post("/governance/models/approve", data={"csrf_token": token, "version": "risk-old",
                                                              "reason": " "})  # fmt: skip
    assert blank.status_code == 400
    unknown = browser.post("/governance/models/approve", data={"csrf_token": token, "version": "nope",
                                                                "reason": "x"})  # fmt: skip
    assert unknown.status_code == 404
    assert approvals.model_approvals(world.store) == []
    # the same statuses, at the command line's own registry: refused there exactly when refused here
    warehouse = copy_world(console_world, tmp_path / "copy").warehouse
    approved = next(
        m for m in reading_governance.models(world.store) if m.version == console_world.model_version
    )
    with connect(warehouse) as con:
        with pytest.raises(AlreadyInStatus):
            set_status(con, approved.version, "approved", "ann", "again", datetime(2026, 11, 16, 10))
        set_status(con, approved.version, "retired", "ann", "replaced", datetime(2026, 11, 16, 10))
        with pytest.raises(RegistryError, match="retired and stays retired"):
            set_status(con, approved.version, "approved", "ann", "back", datetime(2026, 11, 16, 11))
    with world.store.engine.begin() as conn:
        conn.execute(update(rm_model).values(status="retired").where(rm_model.c.version == approved.version))
    retired = next(m for m in reading_governance.models(world.store) if m.version == approved.version)
    assert (
        refusal(retired, "ann")
        == f"model {approved.version} is retired and stays retired: train or approve another."
    )


@pytest.mark.parametrize("role", ["ali", "rex", "root", "eve"])
def test_only_the_board_opens_the_governance_pages(
    world: Console, role: str, console_world: ConsoleWorld
) -> None:
    browser = client(make_app(world.store, warehouse=world.warehouse))
    token = sign_in(browser, role)
    for path in ["/governance", "/governance/fairness", "/governance/models",
                 f"/governance/models/{console_world.model_version}/card"]:  # fmt: skip
        answer = browser.get(path)
        assert answer.status_code == 403, path
        assert "You cannot open this page" in answer.text and "<table" not in answer.text
    refused = browser.post("/governance/models/approve", data={
        "csrf_token": token, "version": console_world.model_version, "reason": "x"})  # fmt: skip
    assert refused.status_code == 403


def test_a_signed_out_browser_is_sent_to_sign_in(world: Console) -> None:
    browser = client(make_app(world.store, warehouse=world.warehouse))
    for path in ["/governance", "/governance/fairness", "/governance/models", "/governance/packs/x.html"]:
        answer = browser.get(path)
        assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in")
