"""A past revision of the repository, read from git without touching the work tree.

``dossier build --at REV`` and ``dossier diff REV`` need the dossier files as they
were at a commit. This module copies them out of git's object store into a
folder of the caller's (``git ls-tree`` and ``git cat-file --batch``): the work
tree, the index, HEAD and the current output stay as they are, and no checkout
attribute (``export-ignore``, ``export-subst``, filters) can alter the bytes, which
``git archive`` would let a repository do.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from builder.publish.edition import TRACKED, run_git
from builder.source.yamlread import YamlError, read_yaml

__all__ = [
    "Commit",
    "RevisionError",
    "checked_out",
    "default_base",
    "read_blobs",
    "resolve",
    "snapshot",
]


class RevisionError(Exception):
    """A revision git does not know, or a repository that is not in git."""


@dataclass(frozen=True)
class Commit:
    """A resolved revision: as the user named it, its hashes and its commit date."""

    name: str
    full: str
    short: str
    date: str  # committer date, YYYY-MM-DD as recorded in the commit

    def describe(self) -> str:
        """'v1.0 (a1b2c3d4e5f6, 2026-11-30)', or without the name when it is the hash."""
        if self.name in (self.full, self.short):
            return f"{self.short} ({self.date})"
        return f"{self.name} ({self.short}, {self.date})"


def resolve(root: Path, revision: str) -> Commit:
    """The commit ``revision`` names (tag, branch, hash, ``HEAD~3``).

    Raises:
        RevisionError: when git does not know it or ``root`` is not in a repository.

    """
    if revision.startswith("-"):
        raise RevisionError(f"'{revision}' is not a revision")
    try:
        out = run_git(
            root, "log", "-1", "--format=%H %h %cs", "--abbrev=12", f"{revision}^{{commit}}", "--"
        )
    except FileNotFoundError:
        raise RevisionError("git is not installed") from None
    except subprocess.CalledProcessError as error:
        why = error.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = why[0] if why else "unknown revision"
        if "not a git repository" in detail:
            raise RevisionError(f"{root} is not in a git repository") from None
        raise RevisionError(f"unknown revision '{revision}' ({detail})") from None
    full, short, date = out.decode().split()
    return Commit(revision, full, short, date)


def default_base(root: Path) -> str:
    """What ``dossier diff`` compares with by default: the last tag, else ``HEAD~1``."""
    try:
        tag = run_git(root, "describe", "--tags", "--abbrev=0", "HEAD").decode().strip()
    except (OSError, subprocess.CalledProcessError):
        tag = ""
    return tag or "HEAD~1"


def snapshot(root: Path, commit: Commit, dest: Path) -> int:
    """Write the dossier files of ``root`` as they were at ``commit`` into ``dest``.

    Copies dossier.yaml, dossiers/, seeds/, templates/ and the template folder the
    settings of that commit name; returns how many files were written.
    """
    listing = run_git(root, "ls-tree", "-r", "-z", commit.full, "--", ".")
    entries: list[tuple[str, str, str]] = []  # (mode, object, path relative to root)
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.decode("utf-8", "surrogateescape").partition("\t")
        mode, kind, obj = meta.split()
        if kind == "blob":
            entries.append((mode, obj, path))
    wanted = set(TRACKED)
    settings = next((e for e in entries if e[2] == "dossier.yaml"), None)
    if settings is not None:
        folder = _template_setting(read_blobs(root, [settings[1]])[settings[1]])
        if folder:
            wanted.add(folder.strip("/"))
    chosen = [e for e in entries if _under(e[2], wanted)]
    blobs = read_blobs(root, [obj for _, obj, _ in chosen])
    for mode, obj, path in chosen:
        target = dest / path
        if not target.resolve().is_relative_to(dest.resolve()):
            continue  # never write outside dest, whatever a tree holds
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode == "120000":
            os.symlink(blobs[obj].decode("utf-8", "surrogateescape"), target)
            continue
        target.write_bytes(blobs[obj])
        target.chmod(0o755 if mode == "100755" else 0o644)
    return len(chosen)


@contextmanager
def checked_out(root: Path, commit: Commit) -> Iterator[Path]:
    """A temporary folder holding the dossier files of ``commit``; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="dossier-at-") as folder:
        snapshot(root, commit, Path(folder))
        yield Path(folder)


def _under(path: str, wanted: set[str]) -> bool:
    parts = PurePosixPath(path).parts
    return any(
        PurePosixPath(*parts[: len(PurePosixPath(w).parts)]) == PurePosixPath(w) for w in wanted
    )


def _template_setting(data: bytes) -> str | None:
    try:
        settings, _ = read_yaml(data, 1_048_576)
    except YamlError:
        return None  # the loader reports the broken file
    folder = settings.get("templates") if isinstance(settings, dict) else None
    return folder if isinstance(folder, str) and ".." not in folder.split("/") else None


def read_blobs(root: Path, objects: list[str]) -> dict[str, bytes]:
    """The content of each object, from one ``git cat-file --batch`` (missing: left out)."""
    unique = sorted(set(objects))
    if not unique:
        return {}
    out = run_git(root, "cat-file", "--batch", data="".join(f"{o}\n" for o in unique).encode())
    blobs: dict[str, bytes] = {}
    at = 0
    for obj in unique:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        if len(header) < 3:  # "<object> missing"
            at = end + 1
            continue
        size = int(header[2])
        blobs[obj] = out[end + 1 : end + 1 + size]
        at = end + 1 + size + 1
    return blobs
