"""Benchmark the review console's pages over HTTP on a published operational store: the weekly list
(first page, sorted, filtered, searched, last page), person pages and the second-review queue.

Prints figures, never asserts them. Target (issue 20) at force scale, 3,000,000 residents and a list
of about 10,000 people: the list page and a person page each under 300 ms at the median. The real app
(``create_app`` over ``ConsoleSettings``, the system clock) runs under uvicorn in its own process on a
free port; a real client (httpx) signs in with a throwaway account (analyst and reviewer, a random
password) that is deactivated at the end. Every view is journalled as any user's would be. The store
must hold a published run: ``cohort weekly`` publishes when the store exists, else ``cohort app sync``.
The read model's publish is timed too, into a scratch SQLite store (the warehouse opened read-only).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import re
import secrets
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from pipelines.clock import system_clock
from pipelines.opstore import reading
from pipelines.opstore.accounts import add_account, set_active
from pipelines.opstore.engine import Store, open_store, read_connection, store_url
from pipelines.opstore.read_tables import rm_entry, rm_entry_tag, rm_pair, rm_pair_person
from pipelines.opstore.schema import journal

from measure import peak_gb  # benchmarks/measure.py

TARGET_MS = 300
BY = "benchmark"
RESULTS = Path("benchmarks/results")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(url: str, warehouse: str, port: int) -> None:
    """The console as `cohort app` runs it (plain http here, so cookies without Secure)."""
    import uvicorn

    from governance.console_settings import load_console_policy
    from pipelines.console.web.app import create_app
    from pipelines.console.web.settings import ConsoleSettings

    settings = ConsoleSettings(
        store=open_store(url), policy=load_console_policy(), clock=system_clock,
        warehouse=Path(warehouse), secure_cookies=False,
    )  # fmt: skip
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, access_log=False, log_level="warning",
                server_header=False, log_config=None)  # fmt: skip


def wait_for(base: str, seconds: float = 120) -> float:
    """Seconds until the app answers."""
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        try:
            httpx.get(f"{base}/sign-in", timeout=5)
            return time.perf_counter() - started
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit(f"the app did not answer at {base} within {seconds:.0f} s")


def hidden(html: str, name: str = "csrf_token") -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    if not found:
        raise SystemExit(f"no {name} field on the page")
    return found.group(1)


def sign_in(client: httpx.Client, username: str, password: str) -> str:
    """Sign in through the form; the session's CSRF token."""
    form = client.get("/sign-in")
    data = {"username": username, "password": password, "csrf_token": hidden(form.text)}
    answer = client.post("/sign-in", data=data)
    if answer.status_code != 303:
        raise SystemExit(f"sign-in refused ({answer.status_code})")
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/").text)
    if not found:
        raise SystemExit("no CSRF token on the start page")
    return found.group(1)


def timed(call: Callable[[], httpx.Response]) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = call()
    return (time.perf_counter() - started) * 1000, response


def summary(times: list[float], sizes: list[int], first: float | None = None) -> dict[str, Any]:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    out = {"n": len(times), "median_ms": round(statistics.median(times), 1), "p90_ms": round(p90, 1),
           "max_ms": round(ordered[-1], 1), "kb": round(statistics.median(sizes) / 1024, 1)}  # fmt: skip
    return out | ({"first_ms": round(first, 1)} if first is not None else {})


def measure(call: Callable[[], httpx.Response], repeats: int) -> dict[str, Any]:
    """One untimed-for-the-median first call (reported as first_ms), then ``repeats`` timed ones."""
    first, response = timed(call)
    check(response)
    times, sizes = [], []
    for _ in range(repeats):
        ms, response = timed(call)
        check(response)
        times.append(ms)
        sizes.append(len(response.content))
    return summary(times, sizes, first)


def check(response: httpx.Response) -> None:
    if response.status_code != 200:
        raise SystemExit(f"{response.request.method} {response.request.url.path}: {response.status_code}")


def read_model(store: Store, run_id: int) -> dict[str, Any]:
    """The latest run's people, its commonest band and rule, and the store's size."""
    e, t = rm_entry.c, rm_entry_tag.c
    with read_connection(store) as conn:
        people = sorted(conn.execute(select(e.person_id).where(e.run_id == run_id)).scalars())
        band = conn.execute(
            select(e.band).where(e.run_id == run_id, e.band.is_not(None))
            .group_by(e.band).order_by(func.count().desc()).limit(1)
        ).scalar()  # fmt: skip
        rule = conn.execute(
            select(t.value).where(t.run_id == run_id, t.kind == "rule")
            .group_by(t.value).order_by(func.count().desc()).limit(1)
        ).scalar()  # fmt: skip
        found = conn.execute(select(e.person_id, e.name_folded).where(e.run_id == run_id))
        names: dict[int, str] = {int(p): str(n) for p, n in found}
        entries = conn.execute(select(func.count()).select_from(rm_entry)).scalar_one()
        journalled = conn.execute(select(func.count()).select_from(journal)).scalar_one()
        size = store_bytes(store, conn)
    return {"people": people, "band": band, "rule": rule, "names": names, "entries_all_runs": entries,
            "journal_entries": journalled, "store_mb": round(size / 1024**2, 1)}  # fmt: skip


def store_bytes(store: Store, conn: Any) -> int:
    if store.dialect == "postgresql":
        return int(conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one())
    path = Path(store.engine.url.database or "")
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())


def bench_pages(client: httpx.Client, csrf: str, run: reading.RunSummary, model: dict[str, Any],
                args: argparse.Namespace, page_size: int) -> dict[str, Any]:  # fmt: skip
    """Each page's figures: the list six ways, the people, the second-review queue."""
    rng = random.Random(args.seed)
    chosen = rng.sample(model["people"], min(args.people, len(model["people"])))
    term = model["names"][rng.choice(chosen)].split()[-1]  # a surname, as an analyst would search
    last = max(1, -(-len(model["people"]) // page_size))
    search = {"csrf_token": csrf, "run": str(run.run_id), "search": term}
    pages: dict[str, Callable[[], httpx.Response]] = {
        "list: first page (rank)": lambda: client.get("/list"),
        "list: by probability": lambda: client.get("/list", params={"sort": "probability", "desc": "1"}),
        f"list: band {model['band']}": lambda: client.get("/list", params={"band": model["band"]}),
        "list: a rule (commonest)": lambda: client.get("/list", params={"rule": model["rule"]}),
        "list: searched (surname)": lambda: client.post("/list", data=search),
        f"list: last page ({last})": lambda: client.get("/list", params={"page": str(last)}),
        "list: by decision": lambda: client.get("/list", params={"sort": "decision"}),
        "second-review queue": lambda: client.get("/review"),
    }
    figures = {name: measure(call, args.repeats) for name, call in pages.items()}
    return figures | bench_people(client, csrf, run.run_id, chosen)


def bench_people(client: httpx.Client, csrf: str, run_id: int, chosen: list[int]) -> dict[str, Any]:
    """Each person found by id (untimed), then the purpose form and the page it opens, timed."""
    forms, opened, both, form_sizes, page_sizes = [], [], [], [], []
    for person_id in chosen:
        found = client.post("/list", data={"csrf_token": csrf, "run": str(run_id), "search": str(person_id)})
        link = re.search(r'href="(/people/[^"]+)"', found.text)
        if link is None:
            raise SystemExit("a sampled person is not found by their id on the list")
        ms_form, form = timed(partial(client.get, link.group(1)))
        ms_page, page = timed(
            partial(client.post, link.group(1), data={"csrf_token": csrf, "purpose": "consider"})
        )
        for response in (form, page):
            check(response)
        forms.append(ms_form)
        opened.append(ms_page)
        both.append(ms_form + ms_page)
        form_sizes.append(len(form.content))
        page_sizes.append(len(page.content))
    return {
        "person: purpose form (GET)": summary(forms, form_sizes),
        "person: page (POST purpose)": summary(opened, page_sizes),
        "person: form + page": summary(both, page_sizes),
    }


def bench_publish(warehouse: Path, store: Store, scratch: Path) -> dict[str, Any]:
    """The read model's publish into a scratch SQLite store: in full (every run), then again (nothing
    new). Pending pairs are copied first, so none is read (reading one is audited in the warehouse)."""
    import duckdb

    from pipelines.console.sync.publish import publish

    target = open_store(f"sqlite:///{scratch / 'publish.ops.sqlite'}")
    with read_connection(store) as source, target.engine.begin() as sink:
        for table in (rm_pair, rm_pair_person):
            rows = [dict(r._mapping) for r in source.execute(select(table))]
            if rows:
                sink.execute(table.insert(), rows)
    figures: dict[str, Any] = {}
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            for name in ("full", "again"):
                started = time.perf_counter()
                done = publish(con, target, now=system_clock(), by=f"flow:{BY}")
                figures[name] = {"seconds": round(time.perf_counter() - started, 2),
                                 "entries_added": done.entries_added,
                                 "laps": {k: round(v, 2) for k, v in done.seconds.items()}}  # fmt: skip
    except duckdb.Error as error:  # held by a writer, or a pair queued since the last publish
        figures["skipped"] = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
    finally:
        target.engine.dispose()
    return figures


def print_table(figures: dict[str, Any]) -> None:
    print(f"\n{'page':42} {'median':>8} {'p90':>8} {'max':>8} {'first':>8} {'KB':>7}  n")
    for name, f in figures["pages"].items():
        first = f"{f['first_ms']:8.0f}" if "first_ms" in f else f"{'':8}"
        print(f"{name:42} {f['median_ms']:8.0f} {f['p90_ms']:8.0f} {f['max_ms']:8.0f} {first} "
              f"{f['kb']:7.1f}  {f['n']}")  # fmt: skip
    for name, ms in figures["verdict"].items():
        verdict = "under" if ms < TARGET_MS else "OVER"
        print(f"{name}: median {ms:.0f} ms, {verdict} the {TARGET_MS} ms target")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--warehouse", type=Path, default=Path("data/warehouse.duckdb"))
    parser.add_argument("--ops-url", help="the operational store [default: $COHORT_OPS_URL, else beside "
                        "the warehouse]")  # fmt: skip
    parser.add_argument("--people", type=int, default=30, help="people opened, drawn from the latest run")
    parser.add_argument("--repeats", type=int, default=20, help="timed requests per list page")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--no-publish", action="store_true", help="do not time the read model's publish")
    args = parser.parse_args()
    url = args.ops_url or store_url(args.warehouse)
    if url.startswith("sqlite") and not Path(url.split("///", 1)[1]).exists():
        sys.exit(f"no operational store at {url}: run `cohort app sync --warehouse {args.warehouse}` first")
    store = open_store(url)
    run = reading.latest_run(store)
    if run is None:
        sys.exit(f"the store {store.url} holds no published run: run `cohort app sync` (or `cohort weekly`)")
    from governance.console_settings import load_console_policy

    page_size = load_console_policy().page_size
    model = read_model(store, run.run_id)
    figures: dict[str, Any] = {
        "warehouse": str(args.warehouse), "store": store.url, "run": run.run_id, "as_of": str(run.as_of),
        "entries": len(model["people"]), "entries_all_runs": model["entries_all_runs"],
        "journal_entries_before": model["journal_entries"], "store_mb": model["store_mb"],
        "page_size": page_size,
    }  # fmt: skip
    username, password = f"bench-{secrets.token_hex(4)}", secrets.token_urlsafe(24)
    add_account(store, username, ["analyst", "reviewer"], password, by=BY, now=system_clock())
    port = free_port()
    server = multiprocessing.get_context("spawn").Process(
        target=serve, args=(url, str(args.warehouse), port), daemon=True
    )
    try:
        server.start()
        base = f"http://127.0.0.1:{port}"
        figures["app_start_seconds"] = round(wait_for(base), 1)
        with httpx.Client(base_url=base, follow_redirects=False, timeout=120) as client:
            csrf = sign_in(client, username, password)
            figures["pages"] = bench_pages(client, csrf, run, model, args, page_size)
            client.post("/sign-out", data={"csrf_token": csrf})
    finally:
        server.terminate()
        server.join(30)
        set_active(store, username, False, by=BY, now=system_clock())
    pages = figures["pages"]
    figures["verdict"] = {
        "list page (first page, default sort)": pages["list: first page (rank)"]["median_ms"],
        "person page (POST purpose)": pages["person: page (POST purpose)"]["median_ms"],
    }
    if not args.no_publish:
        scratch = Path(tempfile.mkdtemp(prefix="cohort-bench-console-"))
        try:
            figures["publish"] = bench_publish(args.warehouse, store, scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    store.engine.dispose()
    figures["peak_memory_gb"] = round(peak_gb(), 2)
    print(json.dumps({k: v for k, v in figures.items() if k != "pages"}, indent=1))
    print_table(figures)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"console-{system_clock().date().isoformat()}.json"
    out.write_text(json.dumps(figures, indent=1) + "\n", "utf-8")
    print(f"\nWritten to {out}")


if __name__ == "__main__":
    main()
