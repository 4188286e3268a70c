"""Changes since a past edition, for the site's changes page and a book's section."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from builder.diff.compare import Diff, compare
from builder.diff.sides import load_side
from builder.source.load import Project

__all__ = ["Changes", "changes_since"]


@dataclass(frozen=True)
class Changes:
    """What changed from a past revision to the edition being built."""

    revision: str  # as the user wrote it
    label: str  # 'v1.0 (a1b2c3d4e5f6, 2026-11-30)'
    commit: str  # the full hash it resolved to
    diff: Diff


def changes_since(
    repository: Path, revisions: Iterable[str], project: Project
) -> dict[str, Changes]:
    """The changes from each revision (read from ``repository``'s git) to ``project``.

    Raises:
        RevisionError: for a revision git does not know.
        DossierError: when a revision's files do not load.

    """
    entities = {e.model.id: e.model for e in project.entities}
    sources = {s.model.id: s.model for s in project.sources}
    found: dict[str, Changes] = {}
    for revision in sorted(set(revisions)):
        side = load_side(repository, revision)
        assert side.commit is not None
        diff = compare(side.entities, entities, side.sources, sources)
        found[revision] = Changes(revision, side.label, side.commit.full, diff)
    return found
