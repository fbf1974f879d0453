"""The landing folder: which files are there, what they are, and which contract each must meet."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from data_contracts.contract import Contract
from pipelines.steps import retried


@dataclass(frozen=True)
class LandingFile:
    """One file found in the landing folder."""

    path: Path
    size_bytes: int
    sha256: str
    received_at: datetime  # modification time, UTC, naive
    contract: Contract | None
    extract_date: date | None
    problem: str | None  # why no contract matches, if none does

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def source(self) -> str | None:
        return self.contract.name if self.contract else None


def file_sha256(path: Path) -> str:
    """The file's SHA-256, read in chunks."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def match_contract(
    file_name: str, contracts: dict[str, Contract]
) -> tuple[Contract | None, date | None, str | None]:
    """The contract a file name belongs to, its extract date, or why there is none."""
    for contract in contracts.values():
        extract_date = contract.extract_date_of(file_name)
        if extract_date is not None:
            return contract, extract_date, None
    prefix = next((c for c in contracts.values() if file_name.startswith(c.name + "_")), None)
    if prefix is not None:
        expected = prefix.file_pattern.replace("{extract_date}", "YYYY-MM-DD")
        return (
            None,
            None,
            (
                f"the name looks like a {prefix.name} extract but is not {expected} "
                "(a real date, and the extension the contract declares); "
                "rename it or ask the sender to re-send it"
            ),
        )
    known = ", ".join(sorted(contracts))
    return (
        None,
        None,
        (
            f"no contract matches this file name; extract files are named <source>_YYYY-MM-DD.<ext> "
            f"for a source in data_contracts/ ({known}); "
            "move the file out of the landing folder or add a contract"
        ),
    )


@retried
def discover(landing: Path, contracts: dict[str, Contract]) -> list[LandingFile]:
    """Every visible file directly in the landing folder, oldest extract first.

    Args:
        landing: the folder agencies deliver into.
        contracts: the contracts by source name.

    Returns:
        The files, ordered by extract date then name (files no contract matches come last).

    Raises:
        FileNotFoundError: if the landing folder does not exist.
    """
    if not landing.is_dir():
        raise FileNotFoundError(f"landing folder {landing} does not exist; pass --landing DIR")
    found = []
    for path in landing.iterdir():
        if path.name.startswith(".") or not path.is_file():
            continue
        stat = path.stat()
        contract, extract_date, problem = match_contract(path.name, contracts)
        found.append(
            LandingFile(
                path=path,
                size_bytes=stat.st_size,
                sha256=file_sha256(path),
                received_at=datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None),
                contract=contract,
                extract_date=extract_date,
                problem=problem,
            )
        )
    return sorted(found, key=lambda f: (f.extract_date is None, f.extract_date or date.min, f.name))
