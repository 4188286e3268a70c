"""The theme a build uses: its folders (the repository's overrides first), files and paths.

A theme is data from the repository, and a symbolic link in it could reach any
file of the machine. So the files handed to PDF layouts are read here, never
through a symlink; a template folder that leads out of the repository is no
theme folder at all (check reports it at dossier.yaml's ``templates:`` line);
and dossier.yaml itself is read only if it is a regular file of the repository.

The default theme is found through the package (:func:`~builder.render.templates.default_theme`),
so a wheel installed anywhere builds any repository. Its font files are
copied into the site as they are (:func:`site_files`) and served to PDF layouts
with the other theme files, so that no output depends on the machine's fonts.
"""

from __future__ import annotations

import os
from pathlib import Path

from builder.render.templates import DEFAULT_TEMPLATES, FONTS
from builder.source.load import SETTINGS_FILE, Project, read_inside
from builder.source.yamlread import YamlError, read_yaml

__all__ = ["site_files", "theme_assets", "theme_folders", "theme_paths", "theme_setting"]

_SETTINGS_LIMIT = 1 << 20


def theme_setting(root: Path) -> str | None:
    """The ``templates:`` folder named in dossier.yaml, read without loading the project.

    None when dossier.yaml cannot be read safely (loading reports why) or when
    the folder is outside the repository: nothing must walk or hash it.
    """
    try:
        data, _ = read_yaml(
            read_inside(root, root / SETTINGS_FILE, _SETTINGS_LIMIT), _SETTINGS_LIMIT
        )
    except (OSError, YamlError):
        return None
    value = data.get("templates") if isinstance(data, dict) else None
    if not isinstance(value, str) or not _inside(root, root / value):
        return None
    return value


def theme_folders(project: Project) -> list[Path]:
    """The repository's template folder (if set and inside it), then the default theme."""
    folders = [DEFAULT_TEMPLATES]
    chosen = project.settings.model.templates
    if chosen and _inside(project.root, project.root / chosen):
        folders.insert(0, project.root / chosen)
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
            # is_file() is false for a FIFO, which would block the build if opened.
            if path.is_file() and not path.is_symlink() and relative not in found:
                found[relative] = path.read_bytes()
    return tuple(sorted(found.items()))


def site_files(assets: tuple[tuple[str, bytes], ...]) -> dict[str, bytes]:
    """The theme files the site uses as they are, by path in the site: its fonts.

    ``assets`` are :func:`theme_assets`; a repository's theme can add or replace
    a font. Font files are binary: they are copied, never rendered as templates.
    """
    return {f"assets/{path}": data for path, data in assets if path.startswith(f"{FONTS}/")}


def _inside(root: Path, path: Path) -> bool:
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)
