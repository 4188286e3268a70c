"""The edition stamp and the document date, never from the clock.

An output's edition is the newest git commit that changed one of the files it is
made from (with a mark when one of them has uncommitted changes), so a commit
that edits one profile re-stamps only what shows that profile; the document date
comes from
``SOURCE_DATE_EPOCH`` when set, else from the publication's as-of date, so the
same commit always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from builder.source.dates import parse_date

__all__ = ["History", "document_date", "document_moment", "history"]


# Never let the repository configure the git we run: a pull request could set
# core.fsmonitor (a command run on every status) or hooks in its .git/config.
_SAFE_GIT = ("-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null")
_TRACKED = ("dossiers", "seeds", "dossier.yaml", "templates")


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *_SAFE_GIT, "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


@dataclass(frozen=True)
class History:
    """What git says about the repository's files, read once per build.

    ``newest`` maps each tracked path to the position (0: HEAD) in ``commits`` of
    the newest commit that changed it; ``dirty`` holds paths whose work-tree content
    differs from HEAD (untracked ones included).
    """

    head: str | None
    commits: tuple[str, ...] = ()
    newest: Mapping[str, int] = field(default_factory=dict)
    dirty: frozenset[str] = frozenset()

    def stamp(self, paths: Iterable[str]) -> str:
        """The edition of an output made from ``paths``.

        The newest commit that changed one of them, marked when one of them has
        uncommitted changes; ``'unversioned'`` outside git.
        """
        if self.head is None:
            return "unversioned"
        chosen = list(paths)
        positions = [self.newest[p] for p in chosen if p in self.newest]
        commit = self.commits[min(positions)] if positions else self.head
        dirty = any(p in self.dirty for p in chosen)
        return f"{commit} (uncommitted changes)" if dirty else commit


def history(root: Path) -> History:
    """Read the log and the status of the repository's dossier files (two git calls)."""
    try:
        head = _git(root, "rev-parse", "--short=12", "HEAD").strip()
        log = _git(
            root, "log", "--format=@%h", "--abbrev=12", "--name-only", "HEAD", "--", *_TRACKED
        )
        status = _git(
            root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *_TRACKED
        )
    except (OSError, subprocess.SubprocessError):
        return History(None)
    commits: list[str] = []
    newest: dict[str, int] = {}
    for line in log.splitlines():
        if line.startswith("@"):
            commits.append(line[1:])
        elif line:
            newest.setdefault(line, len(commits) - 1)
    dirty: set[str] = set()
    entries = iter(status.split("\0"))
    for entry in entries:
        if len(entry) > 3:
            dirty.add(entry[3:])
            if entry[0] in "RC":  # a rename or copy: its origin follows as a bare path
                dirty.add(next(entries, ""))
    top = _git(root, "rev-parse", "--show-prefix").strip()
    if top:  # the dossier repository is a folder inside a larger git repository
        newest = {p.removeprefix(top): i for p, i in newest.items() if p.startswith(top)}
        dirty = {p.removeprefix(top) for p in dirty if p.startswith(top)}
    return History(head, tuple(commits), newest, frozenset(dirty))


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
