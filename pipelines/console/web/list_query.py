"""The weekly list's state (run, filters, sort, page) read from a query string or a form, and written back.

Filters, sort and page go in URLs: they name no one. A search never does: it is only ever POSTed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from pipelines.opstore.reading import SORTS, ListFilter

FILTERS = ("route", "band", "rule", "change", "pathway", "decided", "identity")
"""The filter fields, as the form and the query string name them."""
YES_NO = {"yes": True, "no": False}


@dataclass(frozen=True)
class ListQuery:
    """What the list shows: a run (None: the latest), the filters, a sort, a page and a search."""

    run: int | None = None
    filters: tuple[tuple[str, str], ...] = ()  # (field, value) for the filters set, in FILTERS order
    sort: str = "rank"
    descending: bool = False
    page: int = 1
    search: str = ""

    def value(self, name: str) -> str:
        """The filter ``name``'s value, or "" when it is not set."""
        return dict(self.filters).get(name, "")

    def list_filter(self) -> ListFilter:
        """The read model's filter."""
        chosen = dict(self.filters)
        return ListFilter(
            route=chosen.get("route"),
            band=chosen.get("band"),
            rule=chosen.get("rule"),
            change=chosen.get("change"),
            pathway=chosen.get("pathway"),
            decided=YES_NO.get(chosen.get("decided", "")),
            identity_review=YES_NO.get(chosen.get("identity", "")),
            search=self.search or None,
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """The query-string form of this state with ``changes`` (never the search)."""
        state = replace(self, **changes)
        out: dict[str, str] = {}
        if state.run is not None:
            out["run"] = str(state.run)
        out.update(state.filters)
        if state.sort != "rank":
            out["sort"] = state.sort
        if state.descending:
            out["desc"] = "1"
        if state.page != 1:
            out["page"] = str(state.page)
        return out

    def url(self, **changes: Any) -> str:
        """``/list`` with this state's query string (and ``changes``)."""
        query = urlencode(self.params(**changes))
        return f"/list?{query}" if query else "/list"

    def nav(self, **changes: Any) -> str:
        """The sort and page a search-form button sends (while a search is shown no link may carry it)."""
        state = replace(self, **changes)
        return urlencode(
            {"sort": state.sort, "desc": "1" if state.descending else "0", "page": str(state.page)}
        )


def read_query(values: Mapping[str, str]) -> ListQuery:
    """The list state in ``values`` (a query string or a form); unknown or malformed values are dropped.

    Args:
        values: ``run``, the FILTERS, ``sort``, ``desc``, ``page``, ``search``, and ``nav`` (a search
            form button's overrides of sort and page).
    """
    merged = dict(values)
    if merged.get("nav"):
        merged.update(dict(parse_qsl(str(merged["nav"]))))
    run = merged.get("run", "")
    sort = merged.get("sort", "rank")
    page = merged.get("page", "1")
    filters = tuple(
        (name, str(merged[name]).strip()[:100]) for name in FILTERS if str(merged.get(name, "")).strip()
    )
    return ListQuery(
        run=int(run) if str(run).isdigit() else None,
        filters=tuple((n, v) for n, v in filters if n not in ("decided", "identity") or v in YES_NO),
        sort=sort if sort in SORTS else "rank",
        descending=merged.get("desc", "0") == "1",
        page=max(1, int(page)) if str(page).isdigit() and len(str(page)) < 7 else 1,
        search=" ".join(str(merged.get("search", "")).split())[:100],
    )
