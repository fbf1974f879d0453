"""Where cohort writes unless told otherwise: every output folder sits beside the warehouse file.

With the default warehouse ``data/warehouse.duckdb`` the tree is ``data/lists/``, ``data/reports/``,
``data/linkage/``, ``data/governance/board-packs/``, ``data/secrets/`` (keys), the audit checkpoint
``data/warehouse.audit-checkpoint.json`` and the review console's operational store
``data/warehouse.ops.sqlite``; model cards sit beside the model store
(``data/models/`` → ``data/governance/model-cards/``).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
"""The source checkout: it holds prefect.yaml and the git history a run's code version comes from."""


def lists_folder(warehouse: Path) -> Path:
    """Published weekly lists: ``lists/``."""
    return warehouse.parent / "lists"


def reports_folder(warehouse: Path) -> Path:
    """Ingest reports: ``reports/``."""
    return warehouse.parent / "reports"


def linkage_folder(warehouse: Path) -> Path:
    """Linkage runs' diagnostics: ``linkage/``."""
    return warehouse.parent / "linkage"


def board_packs_folder(warehouse: Path) -> Path:
    """Board packs: ``governance/board-packs/``."""
    return warehouse.parent / "governance" / "board-packs"


def pseudonym_key_file(warehouse: Path) -> Path:
    """The pseudonymisation key: ``$COHORT_PSEUDONYM_KEY_FILE``, else ``secrets/pseudonym.key``."""
    configured = os.environ.get("COHORT_PSEUDONYM_KEY_FILE")
    return Path(configured) if configured else warehouse.parent / "secrets" / "pseudonym.key"


def console_key_file(warehouse: Path) -> Path:
    """The key the review console seals its per-session page handles with: ``$COHORT_APP_KEY_FILE``,
    else ``secrets/console.key`` (kept across restarts, so open pages still work after one)."""
    configured = os.environ.get("COHORT_APP_KEY_FILE")
    return Path(configured) if configured else warehouse.parent / "secrets" / "console.key"


def audit_checkpoint_file(warehouse: Path) -> Path:
    """The audit checkpoint: ``<stem>.audit-checkpoint.json``."""
    return warehouse.with_name(f"{warehouse.stem}.audit-checkpoint.json")


def model_card_folder(artefact: Path) -> Path:
    """A model version's card: ``governance/model-cards/<version>/`` beside the model store."""
    return artefact.resolve().parent.parent / "governance" / "model-cards" / artefact.name


def ops_store_file(warehouse: Path) -> Path:
    """The review console's operational store when no URL is configured: ``<stem>.ops.sqlite``."""
    return warehouse.with_name(f"{warehouse.stem}.ops.sqlite")


def raw_folder(warehouse: Path) -> Path:
    """The raw layer's Parquet files (pipelines.warehouse.raw_files): ``<warehouse stem>.raw/``."""
    return warehouse.parent / f"{warehouse.stem}.raw"
