"""How the authoring commands write into a repository: atomically, never over an editor's work.

Two ways, both through a temporary file in the target's folder, synced, then put in
place in one step, so a crash leaves the old file or the new one, never half of one:

- :func:`create_new` for ``dossier init`` and ``dossier new``: the file must not exist,
  and a file that appears meanwhile is not replaced either (the temporary file is
  hard-linked into place, which fails if the name is taken);
- :func:`replace_unchanged` for ``dossier fmt``: the file is replaced only if it
  still holds the bytes that were read, and keeps its permissions.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from builder.errors import DossierError

__all__ = ["Exists", "create_new", "replace_unchanged"]


class Exists(DossierError):
    """A file the command would create is already there; nothing was overwritten."""


def create_new(path: Path, data: bytes) -> None:
    """Write a new file atomically; refuse if ``path`` exists, even if it appears meanwhile.

    Raises:
        Exists: when something is already at ``path``.
        DossierError: when the file cannot be written.

    """
    if path.exists() or path.is_symlink():
        raise Exists(f"{path}: already exists; left as it is")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = _staged(path, data, 0o644)
    except OSError as error:
        raise DossierError(f"{path}: cannot write: {error.strerror}") from None
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise Exists(f"{path}: already exists; left as it is") from None
    except OSError as error:
        raise DossierError(f"{path}: cannot write: {error.strerror}") from None
    finally:
        temporary.unlink(missing_ok=True)


def replace_unchanged(path: Path, old: bytes, new: bytes) -> None:
    """Replace ``path`` with ``new`` atomically, if it still holds ``old``; keep its mode.

    Raises:
        DossierError: when the file changed since it was read, or cannot be written.

    """
    try:
        if path.read_bytes() != old:
            raise DossierError(f"{path}: changed while it was being formatted; run again")
        temporary = _staged(path, new, path.stat().st_mode & 0o7777)
        try:
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    except OSError as error:
        raise DossierError(f"{path}: cannot write: {error.strerror}") from None


def _staged(path: Path, data: bytes, mode: int) -> Path:
    """``data`` in a synced temporary file beside ``path``, with ``mode``."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, mode)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)
