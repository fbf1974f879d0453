"""A stored model's card on disk: read the artefact, its fairness audit and its status history, and
write the card and ATRS record (governance/model_card.py) owner-only beside the model store."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from governance.model_card import History, card_documents, drafted_card
from governance.model_card_sections import FIGURES
from pipelines.files import write_private
from pipelines.paths import model_card_folder
from pipelines.warehouse.model_registry import history as status_history
from pipelines.warehouse.model_store import Artefact, read_artefact

FAIRNESS_FILE = "fairness.json"


@dataclass(frozen=True)
class CardWritten:
    """What write_model_card wrote: file name -> path, and the ATRS fields still to complete."""

    paths: dict[str, Path]
    to_complete: int


def artefact_card(
    artefact: Artefact,
    fairness: Mapping[str, Any] | None,
    *,
    history: History = (),
    generated_at: datetime | None = None,
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The card of a stored model and the figures it shows (file name -> PNG bytes). The card also
    lists the ATRS fields still to complete (``atrs_to_complete``). Writes nothing."""
    gains = artefact.model.booster.feature_importance(importance_type="gain")
    importance = {name: float(g) for name, g in zip(artefact.model.features, gains, strict=True)}
    card = drafted_card(
        artefact.manifest, fairness, importance=importance, history=history, generated_at=generated_at
    )
    figures = {f: (artefact.path / f).read_bytes() for f in FIGURES if (artefact.path / f).is_file()}
    return card, figures


def card_files(
    artefact: Artefact,
    fairness: Mapping[str, Any] | None,
    *,
    history: History = (),
    generated_at: datetime | None = None,
) -> dict[str, str]:
    """The card and ATRS record for an artefact, by file name (model-card.html, model-card.json,
    atrs.json, atrs.md). Reads the artefact's figures; writes nothing."""
    card, figures = artefact_card(artefact, fairness, history=history, generated_at=generated_at)
    return card_documents(card, figures)


def read_fairness(artefact: Artefact) -> dict[str, Any] | None:
    """The artefact's test-window fairness audit (``fairness.json``), or None when it has none.

    Raises:
        ValueError: fairness.json is not valid JSON.
    """
    path = artefact.path / FAIRNESS_FILE
    if not path.is_file():
        return None
    try:
        fairness: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not valid JSON ({error}); retrain the model") from error
    return fairness


def write_model_card(
    artefact_path: Path,
    out_folder: Path | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    *,
    generated_at: datetime,
) -> CardWritten:
    """Read an artefact (its fairness.json if present, its status history if ``con`` is given) and
    write its card and ATRS record owner-only into ``out_folder`` [default: model_card_folder].

    Raises:
        pipelines.warehouse.model_store.ArtefactError: the artefact is missing or has changed.
        ValueError: fairness.json is not valid JSON.
    """
    artefact = read_artefact(artefact_path)
    fairness = read_fairness(artefact)
    changes = status_history(con, artefact.version) if con is not None else []
    made = generated_at.replace(microsecond=0)
    files = card_files(artefact, fairness, history=changes, generated_at=made)
    folder = out_folder if out_folder is not None else model_card_folder(artefact.path)
    paths = {name: write_private(folder / name, text) for name, text in files.items()}
    os.chmod(folder, 0o700)
    record = json.loads(files["atrs.json"])
    return CardWritten(paths, len(record["to_complete"]))
