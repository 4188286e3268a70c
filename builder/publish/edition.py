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
import hashlib
import json
import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builder.source.dates import parse_date

__all__ = [
    "SAFE_GIT",
    "TRACKED",
    "History",
    "canonical",
    "canonical_model",
    "data_changes",
    "document_date",
    "document_moment",
    "history",
    "run_git",
]


# Never let the repository configure the git we run: a pull request could set
# core.fsmonitor (a command run on every status) or hooks in its .git/config.
SAFE_GIT = ("--no-pager", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null")
TRACKED = ("dossiers", "seeds", "dossier.yaml", "templates", "reviews")


def run_git(root: Path, *args: str, data: bytes | None = None) -> bytes:
    """The one way this project runs git: plumbing only, nothing the repository configures.

    Raises:
        OSError: when git is missing; subprocess.CalledProcessError when it fails.

    """
    return subprocess.run(
        ["git", *SAFE_GIT, "-C", str(root), *args],
        input=data,
        capture_output=True,
        check=True,
        timeout=300,
    ).stdout


def _git(root: Path, *args: str) -> str:
    return run_git(root, *args).decode("utf-8", "surrogateescape")


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
    dates: tuple[str, ...] = ()  # committer date (YYYY-MM-DD) of each of ``commits``
    head_date: str = ""
    root: Path | None = None  # the repository folder git was asked about
    at: str | None = None  # the revision read (build --at), None: HEAD and the work tree

    def stamp(self, paths: Iterable[str]) -> str:
        """The edition of an output made from ``paths``: 'a1b2c3d4e5f6, 2026-11-30'.

        The newest commit that changed one of them and its date, followed by
        ', uncommitted changes' when one of them differs from that commit;
        ``'unversioned'`` outside git.
        """
        if self.head is None:
            return "unversioned"
        chosen = list(paths)
        positions = [self.newest[p] for p in chosen if p in self.newest]
        if positions:
            commit, date = self.commits[min(positions)], self.dates[min(positions)]
        else:
            commit, date = self.head, self.head_date
        dirty = any(p in self.dirty for p in chosen)
        return f"{commit}, {date}" + (", uncommitted changes" if dirty else "")

    def edition(self) -> str:
        """The edition's own commit: HEAD (or the revision built), and whether it is dirty."""
        if self.head is None:
            return "unversioned"
        return f"{self.head}, {self.head_date}" + (", uncommitted changes" if self.dirty else "")


def history(root: Path, at: str | None = None) -> History:
    """Read the log and the status of the repository's dossier files (three git calls).

    With ``at`` (a full commit hash), the history as it was at that commit, with no
    uncommitted changes: what ``build --at`` stamps.
    """
    revision = at or "HEAD"
    try:
        head, head_date = _git(
            root, "log", "-1", "--format=%h %cs", "--abbrev=12", revision, "--"
        ).split()
        log = _git(
            root,
            "log",
            "--format=@%h %cs",
            "--abbrev=12",
            "--name-only",
            revision,
            "--",
            *TRACKED,
        )
        dirty = set() if at else _changed_files(root)
    except (OSError, subprocess.SubprocessError, ValueError):
        return History(None)
    commits: list[str] = []
    dates: list[str] = []
    newest: dict[str, int] = {}
    for line in log.splitlines():
        if line.startswith("@"):
            commit, date = line[1:].split()
            commits.append(commit)
            dates.append(date)
        elif line:
            newest.setdefault(line, len(commits) - 1)
    top = _git(root, "rev-parse", "--show-prefix").strip()
    if top:  # the dossier repository is a folder inside a larger git repository
        newest = {p.removeprefix(top): i for p, i in newest.items() if p.startswith(top)}
    return History(
        head, tuple(commits), newest, frozenset(dirty), tuple(dates), head_date, root, at
    )


def _changed_files(root: Path) -> set[str]:
    """Dossier files whose work-tree bytes differ from HEAD's, untracked ones included.

    Not ``git status``: it runs what the repository configures (a ``filter.*.clean``
    in ``.git/config`` runs even with fsmonitor and hooks off). This hashes the work
    tree itself as git would store it (``blob <size> NUL <bytes>``, no filters) and
    compares with ``git ls-tree``; ``git ls-files --ignored`` only reads .gitignore
    files. A repository whose checkout converts files (``core.autocrlf``, filters)
    therefore shows them as changed: the safe answer.
    """
    listing = _git(root, "ls-tree", "-r", "-z", "HEAD", "--", *TRACKED)
    committed: dict[str, str] = {}
    for record in listing.split("\0"):
        if record:
            meta, _, tracked = record.partition("\t")
            committed[tracked] = meta.split()[2]
    ignored = set(
        _git(
            root, "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--", *TRACKED
        ).split("\0")
    )
    present: dict[str, str] = {}
    for name in TRACKED:
        base = root / name
        paths = [base] if not base.is_dir() or base.is_symlink() else []
        if not paths:
            for folder, dirs, files in os.walk(base):
                dirs.sort()
                paths.extend(Path(folder) / f for f in files)
                paths.extend(Path(folder) / d for d in dirs if (Path(folder) / d).is_symlink())
        for path in paths:
            relative = path.relative_to(root).as_posix()
            if relative in ignored or not (path.is_symlink() or path.is_file()):
                continue
            data = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
            present[relative] = hashlib.sha1(
                b"blob %d\0" % len(data) + data, usedforsecurity=False
            ).hexdigest()
    changed = {p for p, blob in present.items() if committed.get(p) != blob}
    return changed | (committed.keys() - present.keys())


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


def data_changes(git: History, profiles: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """For each profile, the commit that last changed its *data*: 'a1b2c3d4e5f6, 2026-11-30'.

    ``profiles`` maps entity ids to (path, canonical content): the content as loaded,
    so a commit that only reformats a file, reorders keys or adds ids does not count
    (see :func:`canonical`). 'uncommitted changes' when the work tree's data differs
    from the last commit's; nothing for a repository outside git.
    """
    if git.head is None or git.root is None or not profiles:
        return {}
    root, at = git.root, git.at
    from builder.publish.revision import read_blobs

    wanted = {path: entity for entity, (path, _) in profiles.items()}
    try:
        top = _git(root, "rev-parse", "--show-prefix").strip()
        log = _git(
            root,
            "log",
            "--format=@%H %cs",
            "--raw",
            "--no-abbrev",
            "--no-renames",
            at or "HEAD",
            "--",
            *sorted(wanted),
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    versions: dict[str, list[tuple[str, str]]] = {}  # entity -> [(stamp, blob)], newest first
    stamp = ""
    for line in log.splitlines():
        if line.startswith("@"):
            commit, date = line[1:].split()
            stamp = f"{commit[:12]}, {date}"
        elif line.startswith(":"):
            meta, _, path = line.partition("\t")
            entity = wanted.get(path.removeprefix(top))
            if entity is not None:
                versions.setdefault(entity, []).append((stamp, meta.split()[3]))
    found: dict[str, str] = {}
    pending = {e: iter(v) for e, v in versions.items()}
    while pending:  # one version of every profile at a time, newest first
        step = {e: next(it, None) for e, it in pending.items()}
        blobs = read_blobs(root, [v[1] for v in step.values() if v is not None])
        for entity, version in step.items():
            if version is None or canonical(blobs.get(version[1])) != profiles[entity][1]:
                found.setdefault(entity, "uncommitted changes")
                del pending[entity]
            else:
                found[entity] = version[0]
    return {e: found.get(e, "uncommitted changes") for e in profiles}


def canonical(data: bytes | None) -> str | None:
    """A profile's data as JSON, without layout, key order or item ids; None if unreadable."""
    from pydantic import ValidationError

    from builder.source.load import ENTITY_MODEL
    from builder.source.yamlread import YamlError, read_yaml

    if data is None:
        return None
    try:
        raw, _ = read_yaml(data, 16 * 1_048_576)
        model = ENTITY_MODEL[raw.get("kind")].model_validate(raw)
    except (YamlError, ValidationError, KeyError, AttributeError, TypeError):
        return None
    return canonical_model(model)


def canonical_model(model: Any) -> str:
    """The canonical JSON of a loaded profile (see :func:`canonical`)."""
    return json.dumps(_drop_ids(model.model_dump(mode="json"), top=True), sort_keys=True)


def _drop_ids(value: Any, top: bool = False) -> Any:
    if isinstance(value, dict):
        return {k: _drop_ids(v) for k, v in value.items() if top or k != "id"}
    if isinstance(value, list):
        return [_drop_ids(v) for v in value]
    return value
