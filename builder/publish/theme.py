"""The theme a build uses: its folders (the repository's overrides first), files and paths.

The files handed to PDF layouts are read here, and never through a symlink: a
theme is data from the repository, and a link could reach any file of the machine.
"""

from __future__ import annotations

from pathlib import Path

from builder.render.html import DEFAULT_TEMPLATES
from builder.source.load import Project
from builder.source.yamlread import YamlError, read_yaml

__all__ = ["theme_assets", "theme_folders", "theme_paths", "theme_setting"]


def theme_setting(root: Path) -> str | None:
    """The ``templates:`` folder named in dossier.yaml, read without loading the project."""
    try:
        data, _ = read_yaml((root / "dossier.yaml").read_bytes(), 1 << 20)
    except (OSError, YamlError):
        return None
    value = data.get("templates") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def theme_folders(project: Project) -> list[Path]:
    """The repository's template folder (if set), then the default theme."""
    folders = [DEFAULT_TEMPLATES]
    if project.settings.model.templates:
        folders.insert(0, project.root / project.settings.model.templates)
    return folders


def theme_paths(project: Project) -> list[str]:
    """Repository paths of the theme files inside the repository (for edition stamps)."""
    root = project.root.resolve()
    return [
        path.resolve().relative_to(root).as_posix()
        for folder in theme_folders(project)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.resolve().is_relative_to(root)
    ]


def theme_assets(project: Project) -> tuple[tuple[str, bytes], ...]:
    """The theme files a PDF may load, by path relative to the theme (overrides first)."""
    found: dict[str, bytes] = {}
    for folder in theme_folders(project):
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder).as_posix()
            # Symlinks could reach any file of the machine; the theme is what is in it.
            if path.is_file() and not path.is_symlink() and relative not in found:
                found[relative] = path.read_bytes()
    return tuple(sorted(found.items()))
