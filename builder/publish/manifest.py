"""``output/manifest.json``: what an edition is made of, and ``dossier verify``.

The manifest names the edition (its commit and date), the versions of everything
that shapes the output bytes (the tool, Python, WeasyPrint and its libraries, the
fonts the PDFs embed), the sha256 of every input file, and for every output its
path, size, sha256 and the input files it was made from. It holds no clock time
and no absolute path: two builds of one commit write the same manifest.

:func:`verify` re-hashes a folder against its manifest, so an archivist can prove
that a folder is an untouched edition. The format is documented in
``docs/editions.md``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "FORMAT",
    "MANIFEST",
    "Verified",
    "fonts_in",
    "make_manifest",
    "read_manifest",
    "verify",
    "versions",
]

MANIFEST = "manifest.json"
FORMAT = "dossier-manifest/1"
_PACKAGES = ("weasyprint", "pydyf", "fonttools", "pikepdf", "jinja2", "markdown-it-py", "pydantic")


def versions(tool_version: str) -> dict[str, str]:
    """The versions that shape the output bytes."""
    from importlib.metadata import PackageNotFoundError, version

    found = {"dossier": tool_version, "python": platform.python_version()}
    for package in _PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "absent"
    try:
        import pikepdf
        from weasyprint.text.ffi import pango

        found["qpdf"] = str(pikepdf.__libqpdf_version__)
        number = int(pango.pango_version())  # e.g. 15010 for 1.50.10
        found["pango"] = f"{number // 10000}.{number // 100 % 100}.{number % 100}"
        from builder.render.pdf import font_subsetter

        found["font subsetting"] = font_subsetter()
    except (ImportError, OSError, AttributeError):
        found.setdefault("pango", "unknown")
    return dict(sorted(found.items()))


def fonts_in(pdf: bytes) -> set[str]:
    """Names of the fonts a PDF embeds (subset prefixes removed)."""
    import pikepdf

    names: set[str] = set()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == pikepdf.Name.Font:
                base = str(obj.get("/BaseFont", ""))
                if base:
                    name = base.lstrip("/")
                    names.add(name.split("+", 1)[1] if "+" in name[:7] else name)
    return names


def make_manifest(
    *,
    edition: Mapping[str, Any],
    tool: Mapping[str, str],
    fonts: set[str],
    inputs: Mapping[str, str],
    outputs: Mapping[str, bytes],
    made_from: Mapping[str, frozenset[str]],
    kept: Mapping[str, Any],
) -> bytes:
    """The manifest's bytes: canonical JSON, keys sorted, paths relative to the folder.

    ``outputs`` are the files this build wrote (path -> bytes); ``kept`` the entries,
    from the previous manifest, of files a partial build kept.
    """
    files: dict[str, Any] = dict(kept)
    for path, data in outputs.items():
        files[path] = {
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "inputs": sorted(made_from.get(path, ())),
        }
    document = {
        "format": FORMAT,
        "edition": dict(edition),
        "tools": dict(tool),
        "fonts": sorted(fonts),
        "inputs": dict(sorted(inputs.items())),
        "outputs": [{"path": path, **files[path]} for path in sorted(files)],
    }
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False).encode() + b"\n"


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's manifest, or None when it has none that can be read."""
    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


@dataclass(frozen=True)
class Verified:
    """What :func:`verify` found: one line per problem; ``checked`` files matched."""

    edition: str
    checked: int
    problems: tuple[str, ...]


def verify(folder: Path) -> Verified:
    """Re-hash every output against the manifest; list missing, changed and extra files.

    Extra files are those under the manifest's trees (``html/``, ``pdf/``) that it does
    not list; the tool's own ``.dossier/`` folder is not part of an edition.
    """
    manifest = read_manifest(folder)
    if manifest is None:
        return Verified("", 0, (f"{MANIFEST}: missing or unreadable; not a Dossier edition",))
    problems: list[str] = []
    listed: dict[str, Mapping[str, Any]] = {}
    for entry in manifest.get("outputs", []):
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            listed[entry["path"]] = entry
    checked = 0
    for path in sorted(listed):
        entry = listed[path]
        target = folder / path
        if not target.is_file() or target.is_symlink():
            problems.append(f"missing: {path}")
            continue
        digest = hashlib.sha256(target.read_bytes()).hexdigest()
        if digest != entry.get("sha256"):
            size = target.stat().st_size
            problems.append(
                f"changed: {path} (sha256 {digest[:16]}…, {size} bytes; the manifest has "
                f"{str(entry.get('sha256'))[:16]}…, {entry.get('size')} bytes)"
            )
            continue
        checked += 1
    trees = sorted({path.split("/", 1)[0] for path in listed if "/" in path})
    for tree in trees:
        for dirpath, _dirs, names in os.walk(folder / tree):
            for name in sorted(names):
                relative = (Path(dirpath) / name).relative_to(folder).as_posix()
                if relative not in listed:
                    problems.append(f"not in the manifest: {relative}")
    edition = manifest.get("edition", {})
    label = str(edition.get("stamp", "")) if isinstance(edition, dict) else ""
    return Verified(label, checked, tuple(problems))
