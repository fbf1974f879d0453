"""The list and a person's page over the published test world: no identifier in a URL, a purpose
before a person, every view journalled before it shows, decisions with optimistic concurrency."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pipelines.console.web import handles, pages
from pipelines.opstore import decisions, journal, reading
from pipelines.opstore.engine import Store, open_store
from tests.pipelines.console.conftest import ConsoleWorld, copy_world
from tests.pipelines.console.web_client import NOW, SECRET, Links, add_user, client, hidden, make_app, sign_in


@pytest.fixture
def store(console_world: ConsoleWorld, tmp_path: Path) -> Iterator[Store]:
    """A copy of the published world's store, with two analysts and two reviewers (one also an analyst)."""
    world = copy_world(console_world, tmp_path / "world")
    opened = open_store(world.store_url)
    add_user(opened, "ana", ["analyst"])
    add_user(opened, "bob", ["analyst"])
    add_user(opened, "rita", ["reviewer"])
    add_user(opened, "max", ["analyst", "reviewer"])
    yield opened
    opened.engine.dispose()


def _first_row(store: Store) -> reading.ListRow:
    run = reading.latest_run(store)
    assert run is not None
    return reading.list_page(store, run.run_id, reading.ListFilter(), per_page=5).rows[0]


def _person_link(browser: TestClient, name: str) -> str:
    page = browser.get("/list")
    found = re.search(rf'<a href="(/people/[^"]+)"[^>]*>{re.escape(name)}</a>', page.text)
    assert found, "the person's row has no link"
    return found.group(1)


def _open(browser: TestClient, link: str, token: str, purpose: str = "consider", text: str = "") -> str:
    answer = browser.post(link, data={"csrf_token": token, "purpose": purpose, "purpose_text": text})
    assert answer.status_code == 200, answer.text
    return answer.text


def test_no_person_id_or_name_appears_in_any_url(store: Store) -> None:
    row = _first_row(store)
    browser = client(make_app(store))
    sign_in(browser, "ana")
    listing = browser.get("/list")
    assert row.name in listing.text
    urls = Links.of(listing.text)
    assert any(u.startswith("/people/") for u in urls)
    link = _person_link(browser, row.name)
    token = hidden(listing.text)
    urls += Links.of(browser.get(link).text) + Links.of(_open(browser, link, token))
    for url in urls:
        assert str(row.person_id) not in url
        for part in row.name.split():
            assert part.lower() not in url.lower()


def test_a_handle_from_another_session_opens_nothing(store: Store) -> None:
    row = _first_row(store)
    app = make_app(store)
    ana, bob = client(app), client(app)
    sign_in(ana, "ana")
    sign_in(bob, "bob")
    link = _person_link(ana, row.name)
    assert bob.get(link).status_code == 404


def test_a_person_page_asks_why_first_and_journals_the_view_before_showing_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = _first_row(store)
    browser = client(make_app(store))
    token = sign_in(browser, "ana")
    link = _person_link(browser, row.name)
    asked = browser.get(link)
    assert "Why are you opening this record?" in asked.text
    assert row.name not in asked.text
    assert asked.headers["cache-control"] == "no-store"
    other = browser.post(link, data={"csrf_token": token, "purpose": "other", "purpose_text": " "})
    assert other.status_code == 400 and row.name not in other.text  # "other" needs words
    seen_at_render: list[journal.JournalEntry] = []
    render = pages.templates.TemplateResponse

    def noting_journal(*args: object, **kwargs: object) -> object:
        seen_at_render.extend(journal.entries(store))
        return render(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pages.templates, "TemplateResponse", noting_journal)
    shown = browser.post(
        link, data={"csrf_token": token, "purpose": "safeguarding", "purpose_text": "school raised a worry"}
    )
    assert shown.status_code == 200 and row.name in shown.text
    assert shown.headers["cache-control"] == "no-store"
    view = seen_at_render[-1]
    assert (view.action, view.actor, view.person_id) == ("view_person", "user:ana", row.person_id)
    assert view.purpose == "A safeguarding concern: school raised a worry"


def test_no_page_shows_when_the_view_cannot_be_journalled(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = _first_row(store)
    browser = client(make_app(store), raise_faults=False)
    token = sign_in(browser, "ana")
    link = _person_link(browser, row.name)

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("journal unavailable")

    monkeypatch.setattr(journal, "append", refuse)
    answer = browser.post(link, data={"csrf_token": token, "purpose": "consider", "purpose_text": ""})
    assert answer.status_code == 500
    assert row.name not in answer.text


def test_the_list_and_a_search_are_journalled_and_the_search_stays_out_of_the_url(store: Store) -> None:
    row = _first_row(store)
    browser = client(make_app(store))
    token = sign_in(browser, "ana")
    surname = row.name.split()[-1]
    found = browser.post("/list", data={"csrf_token": token, "search": surname})
    assert found.status_code == 200 and row.name in found.text
    assert surname.lower() not in str(found.url).lower()
    for url in Links.of(found.text):
        assert surname.lower() not in url.lower()
    views = [e for e in journal.entries(store) if e.action == "view_list"]
    assert views[-1].purpose == "Reviewing the weekly list" and "searched" in views[-1].detail
    assert surname not in views[-1].detail
    filtered = browser.post("/list", data={"csrf_token": token, "change": "new", "search": ""})
    assert filtered.status_code == 303 and filtered.headers["location"] == "/list?change=new"


def test_a_decision_is_saved_at_once(store: Store) -> None:
    row = _first_row(store)
    browser = client(make_app(store))
    token = sign_in(browser, "ana")
    link = _person_link(browser, row.name)
    shown = _open(browser, link, token)
    saved = browser.post(
        f"{link}/decision",
        data={"csrf_token": token, "grant": hidden(shown, "grant"), "version": hidden(shown, "version"),
              "decision": "defer", "reason": "look again after the school meeting", "pathway": ""},
    )  # fmt: skip
    assert saved.status_code == 200 and "Saved: defer" in saved.text
    (record,) = decisions.for_person(store, row.person_id)
    assert (record.decision, record.made_by, record.state) == ("defer", "ana", "final")


def test_two_analysts_deciding_from_the_same_version_one_is_saved_the_other_told(store: Store) -> None:
    row = _first_row(store)
    app = make_app(store)
    ana, bob = client(app), client(app)
    ana_token, bob_token = sign_in(ana, "ana"), sign_in(bob, "bob")
    ana_page = _open(ana, ana_link := _person_link(ana, row.name), ana_token)
    bob_page = _open(bob, bob_link := _person_link(bob, row.name), bob_token)
    assert hidden(ana_page, "version") == hidden(bob_page, "version")
    first = ana.post(f"{ana_link}/decision", data={
        "csrf_token": ana_token, "grant": hidden(ana_page, "grant"), "version": hidden(ana_page, "version"),
        "decision": "decline", "reason": "already supported by the youth team"})  # fmt: skip
    second = bob.post(f"{bob_link}/decision", data={
        "csrf_token": bob_token, "grant": hidden(bob_page, "grant"), "version": hidden(bob_page, "version"),
        "decision": "defer", "reason": "wait a week"})  # fmt: skip
    assert first.status_code == 200
    assert second.status_code == 409
    assert (
        "someone else decided first" in second.text and "ana recorded <strong>decline</strong>" in second.text
    )
    assert "Nothing was overwritten" in second.text
    assert [d.decision for d in decisions.for_person(store, row.person_id)] == ["decline"]


def test_an_accept_awaits_a_second_person_and_its_maker_cannot_review_it(store: Store) -> None:
    row = _first_row(store)
    app = make_app(store)
    max_, rita = client(app), client(app)
    max_token, rita_token = sign_in(max_, "max"), sign_in(rita, "rita")
    page = _open(max_, link := _person_link(max_, row.name), max_token)
    saved = max_.post(f"{link}/decision", data={
        "csrf_token": max_token, "grant": hidden(page, "grant"), "version": hidden(page, "version"),
        "decision": "accept", "reason": "meets the criteria; family agrees to contact"})  # fmt: skip
    assert "awaiting second review" in saved.text
    queue = max_.get("/review").text
    assert "Yours: another reviewer must review it." in queue
    assert f'>{row.name}</a> <span class="muted">(rank {row.rank})</span>' in queue  # named and ranked
    (waiting,) = decisions.awaiting_review(store)
    # max cannot get a form for his own decision; even a handle sealed for his session is refused
    own = handles.seal(SECRET, max_token, "decision", str(waiting.decision_id))
    refused = max_.post(
        f"/review/{own}", data={"csrf_token": max_token, "verdict": "approve", "reason": "ok"}
    )
    assert refused.status_code == 400 and "Not recorded" in refused.text
    assert decisions.awaiting_review(store) == [waiting]
    form = re.search(r'action="(/review/[^"]+)"', rita.get("/review").text)
    assert form
    approved = rita.post(form.group(1), data={"csrf_token": rita_token, "verdict": "approve",
                                              "reason": "checked the facts"})  # fmt: skip
    assert approved.status_code == 200 and "You approved max&#39;s accept." in approved.text
    assert decisions.for_person(store, row.person_id)[0].state == "approved"


def test_a_reviewer_opens_only_people_whose_decisions_await_them(store: Store) -> None:
    row = _first_row(store)
    rita = client(make_app(store))
    token = sign_in(rita, "rita")
    assert "Nothing awaits a second review." in rita.get("/review").text
    decisions.record(store, run_id=reading.latest_run(store).run_id, person_id=row.person_id,  # type: ignore[union-attr]
                     decision="accept", reason="meets the criteria", pathway=None, by="ana", seen_version=0,
                     needs_second_review=True, now=NOW)  # fmt: skip
    queue = rita.get("/review")
    link = re.search(r'<a href="(/people/[^"]+)">', queue.text)
    assert link and row.name in queue.text
    assert "Why are you opening this record?" in rita.get(link.group(1)).text
    shown = _open(rita, link.group(1), token)
    assert row.name in shown and "Record a decision" not in shown
