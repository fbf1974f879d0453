"""The linkage review queue over the published test world: the queue journalled before it shows, each
pair opened by a sealed handle after a purpose, its view journalled before it renders, decisions
recorded at once; no pair id, person id or name in a URL or the server log."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from pipelines.console.web import handles, pages
from pipelines.opstore import approvals, journal, reading_governance
from pipelines.opstore.engine import Store
from pipelines.opstore.read_tables import rm_pair_person
from tests.pipelines.console.conftest import ConsoleWorld
from tests.pipelines.console.web_client import (
    SECRET,
    Links,
    client,
    hidden,
    make_app,
    opened_copy,
    sign_in,
    store_with_accounts,
)

QUEUE_PURPOSE = "Reviewing identity matches awaiting a decision"
REQUEST_LOG = "pipelines.console.web.requests"


@pytest.fixture(scope="module")
def store_file(console_world: ConsoleWorld, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published store with two data engineers and one account of each other role (hashed once)."""
    accounts = [("eve", "data_engineer"), ("dan", "data_engineer"), ("ann", "board"),
                ("ali", "analyst"), ("rex", "reviewer"), ("root", "admin")]  # fmt: skip
    return store_with_accounts(
        tmp_path_factory.mktemp("linkage") / "ops.sqlite",
        [(name, [role]) for name, role in accounts],
        published=console_world.folder / "warehouse.ops.sqlite",
    )


@pytest.fixture
def store(store_file: Path, tmp_path: Path) -> Iterator[Store]:
    with opened_copy(store_file, tmp_path) as opened:
        yield opened


def _engineer(store: Store, name: str = "eve", *, raise_faults: bool = True) -> tuple[TestClient, str]:
    browser = client(make_app(store), raise_faults=raise_faults)
    return browser, sign_in(browser, name)


def _links(page: str) -> list[str]:
    return [u for u in Links.of(page) if u.startswith("/linkage/pairs/")]


def _open(browser: TestClient, link: str, token: str, purpose: str = "data_quality", text: str = "") -> str:
    answer = browser.post(link, data={"csrf_token": token, "purpose": purpose, "purpose_text": text})
    assert answer.status_code == 200, answer.text
    page: str = answer.text
    return page


def test_the_queue_shows_the_pairs_most_likely_first_and_is_journalled_before_it_shows(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    pairs = reading_governance.pairs(store)
    assert len(pairs) == 32
    browser, _ = _engineer(store)
    seen_at_render: list[journal.JournalEntry] = []
    render = pages.templates.TemplateResponse

    def noting_journal(*args: object, **kwargs: object) -> object:
        seen_at_render.extend(journal.entries(store))
        return render(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pages.templates, "TemplateResponse", noting_journal)
    page = browser.get("/linkage")
    assert page.status_code == 200
    view = seen_at_render[-1]
    assert (view.action, view.actor, view.purpose, view.rows) == ("view_list", "user:eve", QUEUE_PURPOSE, 32)
    assert "32 pairs awaiting review" in page.text
    shown = re.findall(r'<td class="num">(\d+\.\d)%</td>', page.text)
    assert shown == [f"{p.match_probability:.1%}"[:-1] for p in pairs]  # most likely first
    assert shown[0] == "99.9"
    assert len(_links(page.text)) == 32


def test_a_pair_asks_why_then_journals_the_view_before_showing_both_registrations(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = reading_governance.pairs(store)[0]
    pair = reading_governance.pair(store, first.pair_id)
    assert pair is not None
    browser, token = _engineer(store)
    link = _links(browser.get("/linkage").text)[0]
    asked = browser.get(link)
    assert "Why are you opening this pair of records?" in asked.text
    fields = dict((f, (left, right)) for f, left, right in pair.fields)
    assert fields["surname"][0] not in asked.text
    other = browser.post(link, data={"csrf_token": token, "purpose": "other", "purpose_text": " "})
    assert other.status_code == 400 and fields["surname"][0] not in other.text
    seen_at_render: list[journal.JournalEntry] = []
    render = pages.templates.TemplateResponse

    def noting_journal(*args: object, **kwargs: object) -> object:
        seen_at_render.extend(journal.entries(store))
        return render(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pages.templates, "TemplateResponse", noting_journal)
    shown = _open(browser, link, token, "other", "a duplicate reported by the school")
    view = seen_at_render[-1]
    assert (view.action, view.actor, view.rows) == ("view_pair", "user:eve", 2)
    viewed = [e.person_id for e in seen_at_render if e.action == "view_pair"]
    assert pair.people and viewed == list(pair.people)  # one entry per person the pair shows
    assert view.purpose == "Other (say why): a duplicate reported by the school"
    assert view.detail == f"pair {first.pair_id}: two registrations shown side by side for review"
    assert shown.count("<tr") == len(pair.fields) + 1
    for name in ("forename", "surname", "postcode"):
        left, right = fields[name]
        assert f"<td>{left}</td><td>{right}</td>" in shown
    assert '<tr class="differs"><th scope="row">forename</th>' in shown  # NATHAN / NATE
    assert '<tr><th scope="row">surname</th>' in shown  # the same on both
    assert "date of birth" in shown and "Match probability <strong>99.9%</strong>" in shown


def test_the_journal_keeps_the_view_when_the_page_then_fails(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = reading_governance.pairs(store)[0]
    browser, token = _engineer(store, raise_faults=False)
    link = _links(browser.get("/linkage").text)[0]

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("template missing")

    monkeypatch.setattr(pages.templates, "TemplateResponse", broken)
    answer = browser.post(link, data={"csrf_token": token, "purpose": "consider", "purpose_text": ""})
    assert answer.status_code == 500
    last = journal.entries(store)[-1]
    assert (last.action, last.detail.split(":")[0]) == ("view_pair", f"pair {first.pair_id}")


def test_no_pair_shows_when_its_view_cannot_be_journalled(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    pair = reading_governance.pair(store, reading_governance.pairs(store)[0].pair_id)
    assert pair is not None
    browser, token = _engineer(store, raise_faults=False)
    link = _links(browser.get("/linkage").text)[0]

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("journal unavailable")

    monkeypatch.setattr(journal, "append", refuse)
    answer = browser.post(link, data={"csrf_token": token, "purpose": "consider", "purpose_text": ""})
    assert answer.status_code == 500
    assert all(right not in answer.text for _, _, right in pair.fields if len(right) > 3)


def test_a_decision_is_recorded_at_once_and_shown_on_the_queue(store: Store) -> None:
    first = reading_governance.pairs(store)[0]
    browser, token = _engineer(store)
    link = _links(browser.get("/linkage").text)[0]
    shown = _open(browser, link, token)
    form = {"csrf_token": token, "grant": hidden(shown, "grant"), "decision": "accept", "reason": ""}
    blank = browser.post(f"{link}/decision", data=form)
    assert blank.status_code == 400 and "Not saved: Give a reason for the decision." in blank.text
    assert approvals.untaken_pair_decisions(store) == []
    saved = browser.post(f"{link}/decision", data={**form, "reason": "same school, same date of birth"})
    assert saved.status_code == 200
    assert "Saved: accept by you at" in saved.text and "It applies from the next link run." in saved.text
    (decided,) = approvals.untaken_pair_decisions(store)
    assert (decided.pair_id, decided.decision, decided.made_by) == (first.pair_id, "accept", "eve")
    assert decided.reason == "same school, same date of birth"
    actions = [(e.action, e.actor) for e in journal.entries(store)][-3:]
    assert actions == [("view_pair", "user:eve"), ("pair_decision", "user:eve"), ("view_pair", "user:eve")]
    queue = browser.get("/linkage").text
    assert "1 decided here, waiting for the next link run" in queue
    assert re.search(r"<td>accept by eve, 16/11/2026 09:\d\d <span", queue)


def test_a_handle_opens_only_in_its_own_session_and_an_expired_purpose_asks_again(store: Store) -> None:
    first = reading_governance.pairs(store)[0]
    app = make_app(store)
    eve, dan = client(app), client(app)
    eve_token, dan_token = sign_in(eve, "eve"), sign_in(dan, "dan")
    link = _links(eve.get("/linkage").text)[0]
    assert dan.get(link).status_code == 404
    as_person = handles.seal(SECRET, eve_token, "person", first.pair_id)  # a handle of another kind
    assert eve.get(f"/linkage/pairs/{as_person}").status_code == 404
    stale = eve.post(f"{link}/decision", data={"csrf_token": eve_token, "grant": "x", "decision": "reject",
                                               "reason": "different people"})  # fmt: skip
    assert stale.status_code == 400 and "Your earlier reason has expired" in stale.text
    assert approvals.untaken_pair_decisions(store) == [] and dan_token


def test_no_pair_id_person_id_or_name_in_a_url_or_the_server_log(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    with store.engine.connect() as conn:
        people = {str(p) for (p,) in conn.execute(select(rm_pair_person.c.person_id))}
    pairs = reading_governance.pairs(store)
    secrets = {p.pair_id for p in pairs} | people
    for p in pairs[:3]:
        view = reading_governance.pair(store, p.pair_id)
        assert view is not None
        secrets |= {value for f, left, right in view.fields if f in ("forename", "surname")
                    for value in (left, right) if value}  # fmt: skip
    with caplog.at_level(logging.DEBUG):
        browser, token = _engineer(store)
        queue = browser.get("/linkage")
        visited = [str(queue.url)]
        urls = Links.of(queue.text)
        for link in _links(queue.text)[:3]:
            visited.append(str(browser.get(link).url))
            shown = browser.post(link, data={"csrf_token": token, "purpose": "consider", "purpose_text": ""})
            decided = browser.post(f"{link}/decision", data={
                "csrf_token": token, "grant": hidden(shown.text, "grant"), "decision": "reject",
                "reason": "different dates of birth"})  # fmt: skip
            visited += [str(shown.url), str(decided.url)]
            urls += Links.of(shown.text) + Links.of(decided.text)
    # the server's records (httpx is the test's browser); the request log's status and milliseconds
    # are numbers like the ids, so of its records the route template is what could leak
    logged = [
        str(r.args[1]) if r.name == REQUEST_LOG and isinstance(r.args, tuple) else r.getMessage()
        for r in caplog.records
        if not r.name.startswith("httpx")
    ]
    assert "/linkage/pairs/{handle}" in logged
    for secret in secrets:
        assert not any(_leaks(secret, line) for line in logged), "an identifier in the server log"
        assert not any(_leaks(secret, url) for url in urls + visited), "an identifier in a URL"


def _leaks(secret: str, text: str) -> bool:
    """Whether ``secret`` is in ``text``: short ones (person ids, short names) only as a whole token, as
    a random handle may hold a few of their characters by chance."""
    if len(secret) >= 4 and not secret.isdigit():
        return secret.lower() in text.lower()
    return re.search(rf"(?<![\w-]){re.escape(secret)}(?![\w-])", text, re.IGNORECASE) is not None


@pytest.mark.parametrize("name", ["ann", "ali", "rex", "root"])
def test_only_data_engineers_open_the_queue_or_a_pair(store: Store, name: str) -> None:
    eve, _ = _engineer(store)
    link = _links(eve.get("/linkage").text)[0]
    browser = client(make_app(store))
    token = sign_in(browser, name)
    for answer in (browser.get("/linkage"), browser.get(link),
                   browser.post(link, data={"csrf_token": token, "purpose": "consider"})):  # fmt: skip
        assert answer.status_code == 403
        assert "You cannot open this page" in answer.text and "<table" not in answer.text


def test_a_signed_out_browser_is_sent_to_sign_in(store: Store) -> None:
    answer = client(make_app(store)).get("/linkage")
    assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in")
