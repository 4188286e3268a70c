"""Who last changed each item, and what an item held before, from git.

A sign-off by the person who last changed an item is a self-review, not a second
reading. That person is the author of the newest commit in which the item's content
(:func:`~builder.review.fingerprint.content_hash`, its profile fields without source
grades) changed: every version of the profile in git is read as
:func:`builder.publish.edition.data_changes` reads them (plumbing only, one ``git
log`` and one ``git cat-file --batch``), its items identified by their ids. An item
that differs in the work tree from its last commit was last changed by whoever
works there now (``git config user.name``), or ``uncommitted``.

The same versions tell what a vanished item held: a sign-off whose item id is gone
(an edit of a claim's value changes its derived id) is matched with its old item
here, and then with the current item most like it (:mod:`builder.review.state`).
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from builder.publish.edition import History, run_git
from builder.publish.revision import read_blobs
from builder.review.fingerprint import content_hash
from builder.source import ids
from builder.source.load import ENTITY_MODEL
from builder.source.yamlread import YamlError, read_yaml

__all__ = ["UNCOMMITTED", "Version", "current_user", "last_authors", "versions"]

UNCOMMITTED = "uncommitted"
_SEP = "\x1f"  # between the fields of a commit line: names may hold spaces
_LIMIT = 16 * 1_048_576


@dataclass(frozen=True)
class Version:
    """A profile as one commit left it: its author, date and items by id."""

    author: str
    date: str
    items: Mapping[str, ids.Item]
    hashes: Mapping[str, str]


def current_user(git: History) -> str:
    """``git config user.name`` where the repository is, or '' when none is set."""
    if git.root is None:
        return ""
    try:
        return run_git(git.root, "config", "user.name").decode("utf-8", "replace").strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def versions(git: History, paths: Mapping[str, str]) -> dict[str, list[Version]]:
    """Every committed version of each profile (entity id -> path), newest first.

    Empty outside git; a version that does not read as a profile has no items.
    """
    if git.head is None or git.root is None or not paths:
        return {}
    root = git.root
    wanted = {path: entity for entity, path in paths.items()}
    try:
        top = run_git(root, "rev-parse", "--show-prefix").decode().strip()
        log = run_git(
            root,
            "log",
            f"--format=@%H{_SEP}%an{_SEP}%cs",
            "--raw",
            "--no-abbrev",
            "--no-renames",
            git.at or "HEAD",
            "--",
            *sorted(wanted),
        ).decode("utf-8", "surrogateescape")
    except (OSError, subprocess.SubprocessError):
        return {}
    found: dict[str, list[tuple[str, str, str]]] = {}  # entity -> [(author, date, blob)]
    author = date = ""
    for line in log.splitlines():
        if line.startswith("@"):
            _, author, date = line[1:].split(_SEP)
        elif line.startswith(":"):
            meta, _, path = line.partition("\t")
            entity = wanted.get(path.removeprefix(top))
            if entity is not None:
                found.setdefault(entity, []).append((author, date, meta.split()[3]))
    blobs = read_blobs(root, [blob for listed in found.values() for _, _, blob in listed])
    parsed: dict[str, tuple[dict[str, ids.Item], dict[str, str]]] = {}
    result: dict[str, list[Version]] = {}
    for entity, listed in found.items():
        for author, date, blob in listed:
            if blob not in parsed:
                parsed[blob] = _items(blobs.get(blob))
            items, hashes = parsed[blob]
            result.setdefault(entity, []).append(Version(author, date, items, hashes))
    return result


def _items(data: bytes | None) -> tuple[dict[str, ids.Item], dict[str, str]]:
    if data is None:
        return {}, {}
    try:
        raw, _ = read_yaml(data, _LIMIT)
        model = ENTITY_MODEL[raw.get("kind")].model_validate(raw)
    except (YamlError, ValidationError, KeyError, AttributeError, TypeError):
        return {}, {}
    items = {item.id: item for item in ids.items(model)}
    return items, {key: content_hash(item.model) for key, item in items.items()}


def last_authors(history: list[Version], current: Mapping[str, str], here: str) -> dict[str, str]:
    """Item id -> the author of the newest change of its content.

    ``history`` is the profile's versions, newest first; ``current`` the content hash
    of each item as it is now; ``here`` who changed what differs from the last
    commit (see :func:`current_user`).
    """
    found: dict[str, str] = {}
    pending = dict(current)
    newer = here or UNCOMMITTED
    for version in history:
        for item, digest in list(pending.items()):
            if version.hashes.get(item) != digest:
                found[item] = newer
                del pending[item]
        if not pending:
            break
        newer = version.author
    for item in pending:  # unchanged since the oldest version: its author added it
        found[item] = newer
    return found
