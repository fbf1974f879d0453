"""`cohort model card`: write a model's card and its ATRS transparency record."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipelines.cli.options import WarehouseOption
from pipelines.clock import system_clock
from pipelines.progress import console


def card(
    version: Annotated[
        str, typer.Argument(help="A model version, 'latest', 'approved', or the path of an artefact folder.")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            help="Folder for the card [default: governance/model-cards/VERSION beside the model store, "
            "e.g. data/governance/model-cards/VERSION for data/models/VERSION]."
        ),
    ] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Write a model's card (HTML, JSON) and its ATRS transparency record (JSON, Markdown), owner-only."""
    from governance.legal_basis import LegalBasisError
    from pipelines.train.model_cards import write_model_card
    from pipelines.warehouse.connection import connect, warehouse_path
    from pipelines.warehouse.model_registry import LATEST, models
    from pipelines.warehouse.model_store import ArtefactError

    # an artefact folder needs no warehouse (none is made: it is opened only if it exists)
    found, folder = warehouse_path(warehouse, create=True), Path(version)
    given = (folder / "manifest.json").is_file()
    path: Path | None
    if not found.is_file() and not given:
        raise typer.BadParameter(f"no warehouse at {found}: give --warehouse, or an artefact folder")
    try:
        if not found.is_file():
            written = write_model_card(
                folder, out, generated_at=system_clock()
            )  # no registry: the card says the status is not known
        else:
            with connect(found) as con:
                trained = models(con)
                if given:
                    path = folder
                elif version == "approved":
                    path = next((m.path for m in trained if m.status == "approved"), None)
                elif version == LATEST:
                    path = trained[0].path if trained else None
                else:
                    path = next((m.path for m in trained if m.version == version), None)
                if path is None and version == "approved":
                    raise typer.BadParameter(
                        f"no model is approved in {found}: `cohort model approve VERSION`"
                    )
                if path is None:
                    raise typer.BadParameter(
                        f"no {version!r} model in {found}: `cohort model list` shows the versions trained"
                    )
                written = write_model_card(path, out, con, generated_at=system_clock())
    except (ArtefactError, LegalBasisError, ValueError) as error:
        console.print(f"[red]{error}[/red]", soft_wrap=True)
        raise typer.Exit(1) from error
    for name, file in written.paths.items():
        console.print(f"{name}: {file}", soft_wrap=True)
    console.print(
        f"{written.to_complete} ATRS fields still to complete by a person (atrs.md says who answers each)."
    )
