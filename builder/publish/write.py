"""The one place that writes files: atomically, so nothing is ever half-written.

Each file is written to a temporary sibling, flushed to disk and renamed over
the target; a crash or Ctrl-C leaves either the old file or the new one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

__all__ = ["write_files"]


def write_files(folder: Path, files: Mapping[str, str | bytes]) -> list[Path]:
    """Write ``name -> content`` under ``folder``; return the paths written, sorted."""
    written = []
    for name in sorted(files):
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        content = files[name]
        data = content.encode("utf-8") if isinstance(content, str) else content
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide outputs from other users
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        written.append(target)
    return written
