"""The edition stamp and the document date, never from the clock.

An edition is the git commit the repository is at (with a mark when the work
tree has uncommitted changes); the document date comes from
``SOURCE_DATE_EPOCH`` when set, else from the publication's as-of date, so the
same commit always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

from builder.source.dates import parse_date

__all__ = ["document_date", "document_moment", "edition"]


def edition(root: Path) -> str:
    """``'a1b2c3d'``, ``'a1b2c3d (uncommitted changes)'`` or ``'unversioned'``."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "status",
                "--porcelain",
                "--",
                "dossiers",
                "seeds",
                "dossier.yaml",
                "templates",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unversioned"
    return f"{commit} (uncommitted changes)" if dirty else commit


def document_moment(as_of: str) -> dt.datetime:
    """The document's timestamp: SOURCE_DATE_EPOCH, else the as-of date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        moment = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    else:
        first = parse_date(as_of).first
        moment = dt.datetime(first.year, first.month, first.day, tzinfo=dt.UTC)
    return moment


def document_date(as_of: str) -> str:
    """W3C date-time for PDF metadata."""
    return document_moment(as_of).strftime("%Y-%m-%dT%H:%M:%SZ")
