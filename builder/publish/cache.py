"""The build cache: laid-out PDF parts and assembled PDFs, addressed by content hash.

A key is the sha256 of everything an output is made from: the exact HTML handed to
WeasyPrint (which holds every name, date, grade and note the page shows), the bytes of
every theme file the layout may load, the document date, and the versions of Dossier,
WeasyPrint, pikepdf and the fonts installed (:func:`salt`). File times are never used:
git checkouts reset them. Equal keys therefore mean equal bytes, so an incremental
build is byte-identical to a clean one.

The cache lives outside the repository (``$DOSSIER_CACHE_DIR``, else the user's cache
folder), where no pull request can plant a forged entry. Every entry is checked on
read: a corrupt, truncated or foreign entry is reported in one line, ignored and
replaced, never trusted. Entries hold JSON and raw bytes only, never pickles.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builder.errors import DossierError
from builder.render.book import Outline
from builder.render.pdf import PartResult, font_subsetter

__all__ = ["Cache", "CacheError", "cache_folder", "fingerprint", "salt"]

_MAGIC = b"DOSSIER-CACHE 1\n"
_FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")


class CacheError(DossierError):
    """The cache folder cannot be used (inside the repository, or not writable)."""

    exit_code = 2


def cache_folder(root: Path, chosen: Path | None) -> Path:
    """``chosen``, else ``$DOSSIER_CACHE_DIR``, else ``$XDG_CACHE_HOME/dossier``.

    Raises:
        CacheError: when the folder is inside the repository, where git could track
            it and a pull request could commit forged entries.

    """
    if chosen is None and os.environ.get("DOSSIER_CACHE_DIR"):
        chosen = Path(os.environ["DOSSIER_CACHE_DIR"])
    if chosen is None:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        chosen = Path(base) / "dossier"
    folder = chosen.expanduser().resolve()
    if folder.is_relative_to(root.resolve()):
        raise CacheError(
            f"cache folder {folder} is inside the repository; keep it outside "
            "(a cache that git could track is a way to plant forged outputs)"
        )
    return folder


@functools.cache  # walks the font folders: once per process is enough
def salt(tool_version: str) -> str:
    """Versions that change output bytes without changing any input file."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    for folder in _FONT_FOLDERS:  # which fonts exist, by name and size
        base = Path(folder).expanduser()
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file():
                    digest.update(f"{path}\0{path.stat().st_size}\n".encode())
    return "|".join(
        [
            f"dossier {tool_version}",
            f"weasyprint {version('weasyprint')}",
            f"pikepdf {version('pikepdf')}",
            f"python {platform.python_version()}",
            f"fonts {digest.hexdigest()[:16]}",
            f"subset {font_subsetter()}",
        ]
    )


def fingerprint(
    folders: Sequence[Path], files: Sequence[Path], extra: Sequence[str]
) -> tuple[str, dict[Path, str]]:
    """sha256 of every file a build reads (names and bytes) and of ``extra`` values.

    Equal fingerprints mean the build would make the same edition, so a no-op build
    can stop here, before loading anything. A symlink counts as its target path and,
    where it leads to a regular file the build may read, that file's bytes. Also
    returns each file's own sha256.

    The build may read files inside the repository (the folder of ``files``, i.e.
    of dossier.yaml) and inside the folders given that lie outside it (the tool's
    default theme). Nothing else is opened, hashed or walked: not the target of a
    link that leads elsewhere, nor a folder of the repository linked elsewhere
    (loading reports both). Only regular files are opened (a FIFO would block),
    and they are hashed as a stream, whatever their size.
    """
    parents = [path.parent for path in files]
    bases = [os.path.realpath(parent) for parent in parents]
    bases += [
        os.path.realpath(folder)
        for folder in folders
        if not any(folder.is_relative_to(parent) for parent in parents)
    ]

    def readable(path: Path) -> bool:
        real = os.path.realpath(path)
        return any(real == base or real.startswith(base.rstrip(os.sep) + os.sep) for base in bases)

    hashes: dict[Path, str] = {}
    digest = hashlib.sha256()
    for value in extra:
        digest.update(value.encode("utf-8") + b"\0")
    paths = [*files]
    for folder in folders:
        if folder.is_dir() and readable(folder):
            # rglob never descends a linked folder: only links can lead out
            paths.extend(sorted(folder.rglob("*")))
    for path in paths:
        digest.update(str(path).encode("utf-8", "surrogateescape") + b"\0")
        link = path.is_symlink()
        if link:  # the link, and what it leads to (loading follows it)
            digest.update(b"link:" + os.readlink(path).encode("utf-8", "surrogateescape"))
        if (link or path in files) and not readable(path):
            digest.update(b"outside")  # never read: loading reports the link
        elif path.is_file():
            try:
                with open(path, "rb", opener=_nonblocking) as handle:
                    hashes[path] = hashlib.file_digest(handle, "sha256").hexdigest()
                digest.update(hashes[path].encode())
            except OSError as error:  # unreadable: the full build will report it
                digest.update(f"unreadable:{error.errno}".encode())
        digest.update(b"\n")
    return digest.hexdigest(), hashes


def _nonblocking(path: str, flags: int) -> int:
    """Open without blocking, should a FIFO take a checked file's place meanwhile."""
    return os.open(path, flags | os.O_NONBLOCK)


@dataclass
class Cache:
    """Entries under ``folder``; ``enabled=False`` (``--no-cache``) reads nothing."""

    folder: Path
    enabled: bool = True
    notices: list[str] = field(default_factory=list)
    on_notice: Callable[[str], None] = lambda message: None

    def get_part(self, key: str, assets: Mapping[str, str]) -> PartResult | None:
        """A laid-out part, or None when absent, stale or not to be trusted.

        ``assets`` (theme path -> sha256) are today's theme files: an entry whose
        layout fetched a file that has changed since is stale.
        """
        entry = self._read("parts", key)
        if entry is None:
            return None
        meta, data = entry
        try:
            fetched = tuple((str(path), str(digest)) for path, digest in meta["fetched"])
            if any(assets.get(path) != digest for path, digest in fetched):
                return None
            return PartResult(
                pdf=data,
                pages=int(meta["pages"]),
                anchors={str(k): int(v) for k, v in meta["anchors"].items()},
                bookmarks=tuple(
                    (int(a), str(b), int(c), float(d), float(e), bool(f))
                    for a, b, c, d, e, f in meta["bookmarks"]
                ),
                warnings=tuple(str(w) for w in meta["warnings"]),
                fetched=fetched,
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            self._notice(f"cache entry parts/{key[:12]} has an unexpected shape; ignored")
            return None

    def put_part(self, key: str, part: PartResult) -> None:
        """Store a laid-out part."""
        meta = {
            "pages": part.pages,
            "anchors": dict(part.anchors),
            "bookmarks": [list(b) for b in part.bookmarks],
            "warnings": list(part.warnings),
            "fetched": [list(pair) for pair in part.fetched],
        }
        self._write("parts", key, meta, part.pdf)

    def get_memo(self, key: str) -> tuple[str, tuple[Outline, ...]] | None:
        """The part key and outlines a body part had when its inputs were these."""
        entry = self._read("memo", key)
        if entry is None:
            return None
        meta = entry[0]
        try:
            outlines = tuple(
                Outline(
                    str(o["id"]),
                    str(o["name"]),
                    tuple((str(title), str(anchor)) for title, anchor in o["headings"]),
                    tuple(str(s) for s in o["sources"]),
                    bool(o["assessments"]),
                )
                for o in meta["outlines"]
            )
            return str(meta["part"]), outlines
        except (KeyError, TypeError, ValueError):
            self._notice(f"cache entry memo/{key[:12]} has an unexpected shape; ignored")
            return None

    def put_memo(self, key: str, part: str, outlines: tuple[Outline, ...]) -> None:
        """Remember the part key (and outlines) a body part's inputs gave."""
        meta = {
            "part": part,
            "outlines": [
                {
                    "id": o.id,
                    "name": o.name,
                    "headings": [list(h) for h in o.headings],
                    "sources": list(o.sources),
                    "assessments": o.assessments,
                }
                for o in outlines
            ],
        }
        self._write("memo", key, meta, b"")

    def get_page(self, key: str) -> bytes | None:
        """A rendered HTML page, or None."""
        entry = self._read("pages", key)
        return None if entry is None else entry[1]

    def put_page(self, key: str, data: bytes) -> None:
        """Store a rendered HTML page."""
        self._write("pages", key, {}, data)

    def get_output(self, key: str) -> tuple[bytes, tuple[str, ...]] | None:
        """An assembled output file and the warnings its parts raised, or None."""
        entry = self._read("outputs", key)
        if entry is None:
            return None
        warnings = entry[0].get("warnings")
        if not isinstance(warnings, list):
            self._notice(f"cache entry outputs/{key[:12]} has an unexpected shape; ignored")
            return None
        return entry[1], tuple(str(w) for w in warnings)

    def put_output(self, key: str, data: bytes, warnings: tuple[str, ...]) -> None:
        """Store an assembled output file with its warnings (so --strict sees them again)."""
        self._write("outputs", key, {"warnings": list(warnings)}, data)

    def _path(self, kind: str, key: str) -> Path:
        return self.folder / kind / key[:2] / key

    def _notice(self, message: str) -> None:
        if message in self.notices:  # the same bad entry read twice in one build
            return
        self.notices.append(message)
        self.on_notice(message)

    def _read(self, kind: str, key: str) -> tuple[Mapping[str, Any], bytes] | None:
        if not self.enabled:
            return None
        path = self._path(kind, key)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            self._notice(f"cache entry {kind}/{key[:12]} unreadable ({error.strerror}); ignored")
            return None
        # magic, sha256 of the rest, JSON header line, payload
        if not raw.startswith(_MAGIC):
            self._notice(f"cache entry {kind}/{key[:12]} is not a Dossier cache entry; ignored")
            return None
        body = raw[len(_MAGIC) :]
        checksum, _, rest = body.partition(b"\n")
        if hashlib.sha256(rest).hexdigest().encode() != checksum:
            self._notice(f"cache entry {kind}/{key[:12]} is corrupt or truncated; rebuilt")
            return None
        header, _, payload = rest.partition(b"\n")
        try:
            meta = json.loads(header)
        except ValueError:
            self._notice(f"cache entry {kind}/{key[:12]} has a broken header; rebuilt")
            return None
        if not isinstance(meta, dict) or meta.get("key") != key:
            self._notice(f"cache entry {kind}/{key[:12]} belongs to another key; ignored")
            return None
        return meta, payload

    def _write(self, kind: str, key: str, meta: Mapping[str, Any], data: bytes) -> None:
        header = json.dumps({"key": key, **meta}, sort_keys=True, ensure_ascii=True).encode()
        rest = header + b"\n" + data
        raw = _MAGIC + hashlib.sha256(rest).hexdigest().encode() + b"\n" + rest
        path = self._path(kind, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(raw)
            os.replace(temp, path)
        except OSError as error:
            # A cache that cannot be written only makes the next build slower.
            self._notice(f"cannot write the cache at {path.parent}: {error.strerror}")
