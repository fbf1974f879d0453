"""Writing outputs owner-only, whatever the umask: folders 0700, files 0600 (reports, lists, artefacts)."""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path
from typing import BinaryIO

from pipelines.errors import ConfigurationError

log = logging.getLogger(__name__)

MIN_KEY_BYTES = 16


class SymlinkRefused(ValueError):
    """An output folder, or a folder on the way to it, is a symbolic link."""


def private_folder(path: Path, *, own: bool = True) -> Path:
    """Make the folder ``path`` and any missing parents, each level made here 0700 whatever the umask.

    Args:
        path: the folder.
        own: the folder itself is ours (an artefact folder, a list run): make it owner-only even if it
            existed. False for a folder a user named, which is left as it is when it exists.

    Returns:
        ``path``.
    """
    missing = [level for level in (path, *path.parents) if not level.exists()]
    for level in reversed(missing):
        try:
            level.mkdir(mode=0o700)
        except FileExistsError:  # made meanwhile by someone else: still made owner-only below
            pass
        os.chmod(level, 0o700)  # mkdir's mode is masked by the umask
    if own and path not in missing:
        os.chmod(path, 0o700)
    return path


def write_private(path: Path, content: str | bytes, *, own_folder: bool = True) -> Path:
    """Write ``content`` to ``path`` readable and writable by the owner alone, making its folder.

    Args:
        own_folder: the folder is ours (an artefact, a list run): make it owner-only even if it existed.
            False for a file a user asked for in a folder of theirs, which is left as it is.
    """
    private_folder(path.parent, own=own_folder)
    data = content.encode("utf-8") if isinstance(content, str) else content
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)
    return path


def open_private(path: Path) -> BinaryIO:
    """A new (or emptied) file, owner-only, open for writing bytes (a log a child process writes to)."""
    private_folder(path.parent)
    handle = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")
    os.chmod(path, 0o600)
    return handle


def refuse_symlinks(out: Path, what: str) -> None:
    """Refuse an output folder that is a symbolic link, or whose nearest existing folder is one.

    Writing through a link puts the output somewhere other than where it is recorded as written,
    possibly somewhere others can read; the levels made here cannot be links.

    Args:
        out: the folder to be written.
        what: what the folder is for, named in the message (e.g. ``--out``).

    Raises:
        SymlinkRefused: ``out`` or the existing folder it would be made in is a symbolic link.
    """
    for level in (out, *out.parents):
        if level.is_symlink():
            raise SymlinkRefused(
                f"{what} {out}: {level} is a symbolic link; give a real folder (not a link), so the "
                "output is written where it is recorded"
            )
        if level.exists():
            return


def load_or_create_key(path: Path, what: str, *, if_lost: str) -> tuple[bytes, bool]:
    """A secret key kept at ``path``, made (32 random bytes, as hex, owner-only) if there is none.

    Args:
        path: the key file.
        what: what the key is, for messages ("the pseudonymisation key").
        if_lost: what to do when the key is too short, for the message.

    Returns:
        (key, created): created is True when the key was made just now.

    Raises:
        ConfigurationError: the key file is open to group or others, or too short to be a key.
    """
    if not path.exists():
        key = secrets.token_hex(32).encode("ascii")
        write_private(path, key)
        log.info("created a new %s", what.removeprefix("the "))
        return key, True
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        raise ConfigurationError(
            f"{what} {path} can be read or changed by others (mode {mode:03o}): "
            f"run `chmod 600 {path}` so only its owner can read it, then try again"
        )
    key = path.read_bytes().strip()
    if len(key) < MIN_KEY_BYTES:
        raise ConfigurationError(
            f"{what} {path} is {len(key)} bytes, shorter than {MIN_KEY_BYTES}: {if_lost}"
        )
    return key, False
