"""The landing folder: which files are there, what they are, and which contract each must meet."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from data_contracts.contract import Contract
from pipelines.steps import retried

KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)
"""What a landing entry may be besides a regular file (tested on lstat: links are not followed)."""


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


def _kind(mode: int) -> str | None:
    """What a directory entry is, when it is not a regular file."""
    return next((name for test, name in KINDS if test(mode)), None if stat.S_ISREG(mode) else "not a file")


def _regular_sha256(path: Path) -> tuple[os.stat_result, str] | str:
    """The file's status and SHA-256, or what it is instead of a regular file.

    It is opened without following a symbolic link and without blocking (a FIFO put in its place
    after it was listed would otherwise hang the run), and checked again once open.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except PermissionError:
        return "a file the ingest cannot read (permission denied)"
    except OSError:  # O_NOFOLLOW on a link, or it went away
        return _kind(path.lstat().st_mode) or "not a file"
    with os.fdopen(descriptor, "rb") as handle:
        status = os.fstat(handle.fileno())
        kind = _kind(status.st_mode)
        return kind if kind else (status, hashlib.file_digest(handle, "sha256").hexdigest())


def _refused(path: Path, status: os.stat_result, kind: str) -> LandingFile:
    """A landing entry that is not a regular file: recorded as rejected, never opened."""
    what = (
        "ask whoever manages the landing folder to let the ingest account read it"
        if "permission" in kind
        else "the landing folder takes only files delivered into it: move it out, and put the file "
        "itself in its place if it is an extract"
    )
    return LandingFile(
        path=path,
        size_bytes=status.st_size,
        sha256=hashlib.sha256(f"cohort: {kind}".encode()).hexdigest(),  # stands for content never read
        received_at=datetime.fromtimestamp(status.st_mtime, UTC).replace(tzinfo=None),
        contract=None,
        extract_date=None,
        problem=f"it is {kind}, not a regular file, so it was not opened; {what}",
    )


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

    Symbolic links, pipes, sockets, devices and unreadable files are listed with a problem (so
    they are rejected) and never opened; so are folders named like an extract. Other folders
    are not deliveries and are passed over.

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
        if path.name.startswith("."):
            continue
        status = path.lstat()
        contract, extract_date, problem = match_contract(path.name, contracts)
        kind = _kind(status.st_mode)
        named_like_extract = contract is not None or any(path.name.startswith(c + "_") for c in contracts)
        if kind == "a folder" and not named_like_extract:
            continue  # a folder such as archive/ is not a delivery
        read = _regular_sha256(path) if kind is None else kind
        if isinstance(read, str):
            found.append(_refused(path, status, read))
            continue
        status, sha256 = read
        found.append(
            LandingFile(
                path=path,
                size_bytes=status.st_size,
                sha256=sha256,
                received_at=datetime.fromtimestamp(status.st_mtime, UTC).replace(tzinfo=None),
                contract=contract,
                extract_date=extract_date,
                problem=problem,
            )
        )
    return sorted(found, key=lambda f: (f.extract_date is None, f.extract_date or date.min, f.name))
