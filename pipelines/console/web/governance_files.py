"""The governance documents the board opens in the browser: board packs and each model's card files.

Files are found by listing a known folder (the board packs beside the warehouse, a model's card
folder from the read model) and looked up by a name from that listing: a request's text is never
joined to a path. Each is served as its own bytes under the document CSP (sandboxed, no script),
never stored by the browser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from starlette.responses import Response

from pipelines.console.web.middleware import DOCUMENT_SECURITY_POLICY
from pipelines.paths import board_packs_folder

PACK_NAME = re.compile(r"board-pack-(\d+)-(\d{4}-\d{2}-\d{2})\.html")
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".json": "application/json",
}
CARD_FILES = {
    "card": ("model-card.html", "Model card"),
    "atrs": ("atrs.md", "Transparency record (ATRS)"),
    "atrs-json": ("atrs.json", "Transparency record (ATRS, JSON)"),
    "card-json": ("model-card.json", "Model card (JSON)"),
}
"""A model's documents: the name in its URL -> (file in its card folder, label)."""


@dataclass(frozen=True)
class Document:
    """A file the board may open: its name in the listing, its label and where it is."""

    name: str
    label: str
    path: Path


@dataclass(frozen=True)
class BoardPack:
    """A board pack in the board-packs folder."""

    number: int
    made_on: date
    document: Document


def _inside(folder: Path, name: str) -> Path | None:
    """``folder / name`` if it is a regular file directly inside ``folder`` (no link out of it), else None."""
    candidate = folder / name
    try:
        if candidate.is_symlink() or not candidate.is_file():
            return None
        if candidate.resolve().parent != folder.resolve():
            return None
    except OSError:
        return None
    return candidate


def board_packs(warehouse: Path | None) -> list[BoardPack]:
    """The board packs beside ``warehouse``, newest (highest number) first; none without a warehouse."""
    if warehouse is None:
        return []
    folder = board_packs_folder(warehouse)
    try:
        names = [entry.name for entry in folder.iterdir()]
    except OSError:
        return []
    packs = []
    for name in names:
        matched = PACK_NAME.fullmatch(name)
        path = _inside(folder, name) if matched else None
        if matched is None or path is None:
            continue
        number, made_on = int(matched.group(1)), date.fromisoformat(matched.group(2))
        packs.append(BoardPack(number, made_on, Document(name, f"Board pack {number}", path)))
    return sorted(packs, key=lambda p: (p.number, p.made_on), reverse=True)


def board_pack(warehouse: Path | None, name: str) -> Document | None:
    """The pack listed under ``name``, or None."""
    return next((p.document for p in board_packs(warehouse) if p.document.name == name), None)


def card_documents(card_folder: str | None) -> list[Document]:
    """A model's card and transparency record files present in its card folder (in CARD_FILES order)."""
    if not card_folder:
        return []
    folder = Path(card_folder)
    found = []
    for key, (file_name, label) in CARD_FILES.items():
        path = _inside(folder, file_name)
        if path is not None:
            found.append(Document(key, label, path))
    return found


def document_response(document: Document) -> Response:
    """The file's bytes, sandboxed by the document CSP and never stored.

    Raises:
        OSError: the file went between the listing and the read.
    """
    media_type = MEDIA_TYPES.get(document.path.suffix.lower(), "application/octet-stream")
    headers = {
        "content-security-policy": DOCUMENT_SECURITY_POLICY,
        "cache-control": "no-store",
        "content-disposition": f'inline; filename="{document.path.name}"',
    }
    return Response(document.path.read_bytes(), media_type=media_type, headers=headers)
