"""Writing outputs owner-only: folders 0700, files 0600 (reports, lists and model artefacts)."""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path, content: str | bytes, *, own_folder: bool = True) -> Path:
    """Write ``content`` to ``path`` readable and writable by the owner alone, making its folder.

    Args:
        own_folder: the folder is ours (an artefact, a list run): make it owner-only even if it existed.
            False for a file a user asked for in a folder of theirs, which is left as it is.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if own_folder:
        os.chmod(path.parent, 0o700)
    data = content.encode("utf-8") if isinstance(content, str) else content
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)
    return path
