"""The two sides of a diff: the repository at a git revision, or its work tree."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from builder.errors import DossierError
from builder.publish.revision import Commit, checked_out, resolve
from builder.source.load import load_project
from builder.source.models import Group, Person, Source

__all__ = ["Side", "load_side"]


@dataclass(frozen=True)
class Side:
    """One edition's models, and how to name it."""

    label: str
    commit: Commit | None  # None: the work tree
    entities: dict[str, Person | Group]
    sources: dict[str, Source]


def load_side(root: Path, revision: str | None) -> Side:
    """Load the repository at ``revision`` (None: the work tree) for comparison.

    Raises:
        RevisionError: for an unknown revision.
        DossierError: when a side has files that do not load: a diff of it would
            report their items as removed.

    """
    if revision is None:
        return _side(root, "the work tree", None, root)
    commit = resolve(root, revision)
    with checked_out(root, commit) as folder:
        return _side(folder, commit.describe(), commit, root)


def _side(folder: Path, label: str, commit: Commit | None, root: Path) -> Side:
    project = load_project(folder)
    errors = [d for d in project.diagnostics if d.severity == "error"]
    if errors:
        shown = "\n".join(f"  {d.format()}" for d in errors[:20])
        raise DossierError(
            f"cannot compare {label}: {len(errors)} file problem(s) would hide its items\n{shown}"
        )
    return Side(
        label,
        commit,
        {e.model.id: e.model for e in project.entities},
        {s.model.id: s.model for s in project.sources},
    )
